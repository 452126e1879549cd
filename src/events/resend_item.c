/*
 * failed_events items for scripts/resend-failed-events (see resend_item.h).
 * jansson decides whether an item is well-formed; a small scanner then
 * finds the payload's own bytes in the text, which become the body.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "events/resend_item.h"

#define ROUTING_KEY_MAX 255 /* an AMQP short string */

static size_t skip_ws(const char *, size_t, size_t);
static size_t skip_string(const char *, size_t, size_t);
static size_t skip_value(const char *, size_t, size_t);
static int invalid(struct resend_item *, char *, size_t, const char *);
static char *dup_n(const char *, size_t);
static int digits(const char *, int);

int
resend_item_parse(const char *text, size_t len, struct resend_item *it,
    char *err, size_t errlen)
{
	json_t *doc, *v;
	json_error_t jerr;
	size_t off, vlen;
	const char *s;
	char uerr[UUID_ERRLEN];

	memset(it, 0, sizeof(*it));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		return (invalid(it, err, errlen, "not a JSON object"));
	}
	v = json_object_get(doc, "event");
	s = json_string_value(v);
	if (s == NULL || *s == '\0' ||
	    json_string_length(v) > ROUTING_KEY_MAX ||
	    strlen(s) != json_string_length(v)) {
		json_decref(doc);
		return (invalid(it, err, errlen,
		    "event: missing or not a routing key"));
	}
	it->event = dup_n(s, strlen(s));
	v = json_object_get(doc, "payload");
	if (!json_is_object(v)) {
		json_decref(doc);
		return (invalid(it, err, errlen,
		    "payload: missing or not an object"));
	}
	if (resend_json_member(text, len, "payload", &off, &vlen) == 0) {
		it->body = dup_n(text + off, vlen);
		it->body_len = vlen;
	} else {
		/* an escaped key: jansson found it, the scanner did not */
		it->body = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (it->body == NULL)
			abort();
		it->body_len = strlen(it->body);
	}
	it->timestamp = resend_parse_time(
	    json_string_value(json_object_get(v, "occurred_at")));
	v = json_object_get(doc, "trace_id");
	if (v != NULL && !json_is_null(v)) {
		if ((s = json_string_value(v)) == NULL ||
		    strlen(s) != json_string_length(v)) {
			json_decref(doc);
			return (
			    invalid(it, err, errlen, "trace_id: not a string"));
		}
		it->trace_id = dup_n(s, strlen(s));
	}
	v = json_object_get(doc, "message_id");
	if (v != NULL && !json_is_null(v)) {
		if ((s = json_string_value(v)) == NULL ||
		    uuid_parse(s, it->message_id, uerr, sizeof(uerr)) == -1) {
			json_decref(doc);
			return (
			    invalid(it, err, errlen, "message_id: not a UUID"));
		}
	}
	json_decref(doc);
	return (0);
}

void
resend_item_free(struct resend_item *it)
{
	free(it->event);
	free(it->body);
	free(it->trace_id);
	memset(it, 0, sizeof(*it));
}

static int
invalid(struct resend_item *it, char *err, size_t errlen, const char *why)
{
	resend_item_free(it);
	(void)snprintf(err, errlen, "%s", why);
	return (-1);
}

static char *
dup_n(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return (d);
}

int
resend_json_member(const char *text, size_t len, const char *key, size_t *off,
    size_t *vlen)
{
	size_t i, k, kend, v, vend, klen;
	int found;

	found = 0;
	klen = strlen(key);
	i = skip_ws(text, len, 0);
	if (i >= len || text[i] != '{')
		return (-1);
	i = skip_ws(text, len, i + 1);
	if (i < len && text[i] == '}')
		return (-1);
	for (;;) {
		if (i >= len || text[i] != '"')
			return (-1);
		k = i + 1;
		if ((kend = skip_string(text, len, i)) == 0)
			return (-1);
		i = skip_ws(text, len, kend);
		if (i >= len || text[i] != ':')
			return (-1);
		v = skip_ws(text, len, i + 1);
		if ((vend = skip_value(text, len, v)) == 0)
			return (-1);
		/* kend is past the closing quote */
		if (kend - 1 - k == klen && !memcmp(text + k, key, klen)) {
			*off = v;
			*vlen = vend - v;
			found = 1;
		}
		i = skip_ws(text, len, vend);
		if (i < len && text[i] == ',') {
			i = skip_ws(text, len, i + 1);
			continue;
		}
		if (i < len && text[i] == '}')
			return (found ? 0 : -1);
		return (-1);
	}
}

static size_t
skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len &&
	    (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return (i);
}

/* t[i] is '"': the index past the closing quote, 0 when unterminated. */
static size_t
skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (t[i] == '\\')
			i++;
		else if (t[i] == '"')
			return (i + 1);
	}
	return (0);
}

/* The index past the value at t[i], 0 when it ends early. */
static size_t
skip_value(const char *t, size_t len, size_t i)
{
	size_t depth, start;

	if (i >= len)
		return (0);
	if (t[i] == '"')
		return (skip_string(t, len, i));
	if (t[i] != '{' && t[i] != '[') {
		start = i;
		while (i < len && t[i] != ',' && t[i] != '}' && t[i] != ']' &&
		    t[i] != ' ' && t[i] != '\t' && t[i] != '\n' && t[i] != '\r')
			i++;
		return (i > start ? i : 0); /* no value at all: `{"a":}` */
	}
	depth = 0;
	while (i < len) {
		if (t[i] == '"') {
			if ((i = skip_string(t, len, i)) == 0)
				return (0);
			continue;
		}
		if (t[i] == '{' || t[i] == '[')
			depth++;
		else if (t[i] == '}' || t[i] == ']') {
			if (--depth == 0)
				return (i + 1);
		}
		i++;
	}
	return (0);
}

/* Exactly n digits at s, else -1. */
static int
digits(const char *s, int n)
{
	int v, i;

	for (v = 0, i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}

uint64_t
resend_parse_time(const char *s)
{
	struct tm tm;
	int oh, om, sign;
	long usec, scale;
	time_t t;

	if (s == NULL || strlen(s) < 19 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return (0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		return (0);
	s += 19;
	usec = 0;
	if (*s == '.') {
		scale = 100000;
		for (s++; isdigit((unsigned char)*s); s++) {
			usec += (*s - '0') * scale;
			scale /= 10;
		}
	}
	sign = 0;
	oh = om = 0;
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		oh = digits(s + 1, 2);
		om = s[1] != '\0' && s[2] != '\0' && s[3] == ':' ?
		    digits(s + 4, 2) :
		    -1;
		if (oh < 0 || om < 0)
			return (0);
		s += 6;
	}
	if (*s != '\0')
		return (0);
	if ((t = timegm(&tm)) == (time_t)-1)
		return (0);
	t -= sign * (oh * 3600 + om * 60);
	if (usec >= 500000)
		t++;
	return (t > 0 ? (uint64_t)t : 0);
}
