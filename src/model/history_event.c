/*
 * Parsing and checking of the consumed history events (history_event.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "model/history_event.h"
#include "model/uuid.h"

#define TOTAL_MAX 1e9 /* numeric(12, 2) holds less than 10^10: margin */

static int bad(char *, size_t, const char *, const char *);
static int want_uuid(json_t *, const char *, int, char *, char *, size_t);
static int want_text(json_t *, const char *, int, char *, size_t, char *,
    size_t);
static int want_id(json_t *, const char *, char *, char *, size_t);
static int want_ts(json_t *, const char *, int, char *, char *, size_t);
static int want_total(json_t *, char *, size_t, char *, size_t);
static int digits(const char **, int, int);
static int decimal_ok(const char *);

static int
bad(char *err, size_t errlen, const char *field, const char *why)
{
	(void)snprintf(err, errlen, "%s: %s", field, why);
	return (-1);
}

/* A UUID member (canonical form into out); optional: null/absent = "". */
static int
want_uuid(json_t *o, const char *field, int required, char *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, field);
	char why[UUID_ERRLEN];

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return (required ? bad(err, errlen, field, "missing") : 0);
	if (!json_is_string(v))
		return (bad(err, errlen, field, "not a string"));
	if (uuid_parse(json_string_value(v), out, why, sizeof(why)) == -1)
		return (bad(err, errlen, field, "not a UUID"));
	return (0);
}

/* A string member; required ones must not be empty. */
static int
want_text(json_t *o, const char *field, int required, char *out, size_t len,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, field);
	size_t n;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return (required ? bad(err, errlen, field, "missing") : 0);
	if (!json_is_string(v))
		return (bad(err, errlen, field, "not a string"));
	n = json_string_length(v);
	if (required && n == 0)
		return (bad(err, errlen, field, "empty"));
	if (n >= len)
		return (bad(err, errlen, field, "too long"));
	memcpy(out, json_string_value(v), n + 1);
	return (0);
}

/* order_id / appointment_id: a non-empty string or an integer. */
static int
want_id(json_t *o, const char *field, char *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, field);

	if (v != NULL && json_is_integer(v)) {
		(void)snprintf(out, HEV_IDLEN, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return (0);
	}
	return (want_text(o, field, 1, out, HEV_IDLEN, err, errlen));
}

/* Exactly n digits, in [lo, hi], advancing *s; -1 when not. */
static int
digits(const char **s, int n, int hi)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**s))
			return (-1);
		v = v * 10 + (*(*s)++ - '0');
	}
	return (v > hi ? -1 : v);
}

int
hev_timestamp_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, m, d, n;

	if ((y = digits(&s, 4, 9999)) < 1 || *s++ != '-' ||
	    (m = digits(&s, 2, 12)) < 1 || *s++ != '-' ||
	    (d = digits(&s, 2, 31)) < 1 || d > mdays[m - 1])
		return (0);
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return (0);
	if (*s != 'T' && *s != 't' && *s != ' ')
		return (0);
	s++;
	if (digits(&s, 2, 23) < 0 || *s++ != ':' || digits(&s, 2, 59) < 0)
		return (0);
	if (*s == ':') {
		s++;
		if (digits(&s, 2, 59) < 0)
			return (0);
		if (*s == '.') {
			s++;
			for (n = 0; isdigit((unsigned char)*s); s++)
				n++;
			if (n < 1 || n > 9)
				return (0);
		}
	}
	if (*s == '\0')
		return (1);
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return (1);
	if (*s != '+' && *s != '-')
		return (0);
	s++;
	if (digits(&s, 2, 14) < 0)
		return (0);
	if (*s == ':')
		s++;
	return (digits(&s, 2, 59) >= 0 && *s == '\0');
}

static int
want_ts(json_t *o, const char *field, int required, char *out, char *err,
    size_t errlen)
{
	if (want_text(o, field, required, out, HEV_TSLEN, err, errlen) == -1)
		return (-1);
	if (out[0] != '\0' && !hev_timestamp_ok(out))
		return (bad(err, errlen, field, "not an ISO 8601 timestamp"));
	return (0);
}

/* -?digits(.digits)? with less than 10 digits before the point. */
static int
decimal_ok(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	while (*s == '0' && isdigit((unsigned char)s[1]))
		s++;
	for (n = 0; isdigit((unsigned char)s[n]); n++)
		;
	if (n == 0 || n > 9)
		return (0);
	s += n;
	if (*s == '\0')
		return (1);
	if (*s++ != '.' || !isdigit((unsigned char)*s))
		return (0);
	while (isdigit((unsigned char)*s))
		s++;
	return (*s == '\0');
}

static int
want_total(json_t *o, char *out, size_t len, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "total");
	double x;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return (0);
	if (json_is_string(v)) {
		if (json_string_length(v) >= len ||
		    !decimal_ok(json_string_value(v)))
			return (bad(err, errlen, "total",
			    "not a decimal below 10^9"));
		memcpy(out, json_string_value(v), json_string_length(v) + 1);
		return (0);
	}
	if (!json_is_number(v))
		return (bad(err, errlen, "total", "not a number"));
	x = json_number_value(v);
	if (!isfinite(x) || fabs(x) >= TOTAL_MAX)
		return (bad(err, errlen, "total", "out of range"));
	if (json_is_integer(v))
		(void)snprintf(out, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else
		(void)snprintf(out, len, "%.17g", x);
	return (0);
}

int
hev_parse(const char *key, const char *body, size_t len, struct hev *e,
    char *err, size_t errlen)
{
	static const char *actions[] = { "created", "updated", "cancelled",
		NULL };
	json_error_t jerr;
	json_t *o;
	const char *action;
	int i, rc;

	memset(e, 0, sizeof(*e));
	if (!strncmp(key, "v1.order.", 9)) {
		e->kind = HEV_ORDER;
		action = key + 9;
	} else if (!strncmp(key, "v1.appointment.", 15)) {
		e->kind = HEV_APPOINTMENT;
		action = key + 15;
	} else
		return (bad(err, errlen, "routing key", "unknown"));
	for (i = 0; actions[i] != NULL && strcmp(actions[i], action); i++)
		;
	if (actions[i] == NULL)
		return (bad(err, errlen, "routing key", "unknown"));
	/* jansson refuses invalid UTF-8 and \u0000: PostgreSQL would too */
	if ((o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return (bad(err, errlen, "body", "not JSON"));
	if (!json_is_object(o)) {
		json_decref(o);
		return (bad(err, errlen, "body", "not a JSON object"));
	}
	rc = -1;
	if (want_uuid(o, "event_id", 1, e->event_id, err, errlen) == -1 ||
	    want_id(o, e->kind == HEV_ORDER ? "order_id" : "appointment_id",
		e->id, err, errlen) == -1 ||
	    want_uuid(o, "business_id", 1, e->business_id, err, errlen) == -1 ||
	    want_uuid(o, "user_id", 0, e->user_id, err, errlen) == -1 ||
	    want_uuid(o, "customer_id", 0, e->customer_id, err, errlen) == -1 ||
	    want_text(o, "status", 1, e->status, sizeof(e->status), err,
		errlen) == -1 ||
	    want_ts(o, "updated_at", 1, e->updated_at, err, errlen) == -1)
		goto out;
	if (e->user_id[0] == '\0' && e->customer_id[0] == '\0') {
		(void)bad(err, errlen, "user_id", "missing (or customer_id)");
		goto out;
	}
	if (e->kind == HEV_ORDER) {
		if (want_total(o, e->total, sizeof(e->total), err, errlen) ==
			-1 ||
		    want_text(o, "currency", 0, e->currency,
			sizeof(e->currency), err, errlen) == -1 ||
		    want_ts(o, "created_at", 0, e->created_at, err, errlen) ==
			-1)
			goto out;
	} else if (want_ts(o, "starts_at", 0, e->starts_at, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	json_decref(o);
	return (rc);
}
