/* cursor.c: the next page's cursor, and what it refuses. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/cursor.h"
#include "unit.h"

#define ID "0b6f3c52-6b4e-4d4f-9a37-0c1d2e3f4a5b"

static uint64_t business_filters(const char *, const char *);
static char *customers_cursor(const char *, uint64_t);
static int param(const char *, uint64_t, char *);
static void expect_time(const char *, int, enum cursor_status);

static uint64_t
business_filters(const char *business, const char *term)
{
	const char *f[2] = { business, term };

	return (cursor_fingerprint(CURSOR_CUSTOMERS, f, 2));
}

static char *
customers_cursor(const char *name, uint64_t filters)
{
	const char *keys[2] = { name, ID };

	return (cursor_encode(CURSOR_CUSTOMERS, filters, keys));
}

Test(cursor, round_trip_is_url_safe)
{
	uint64_t f = business_filters(ID, "%ann%");
	struct cursor c;
	char *text;

	text = customers_cursor("Ann \xc3\x89lise / +?&=", f);
	cr_assert_eq(strspn(text,
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-_"),
	    strlen(text));
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS, f, &c), CURSOR_OK);
	cr_assert_eq(c.nkeys, 2);
	cr_assert_str_eq(c.keys[0], "Ann \xc3\x89lise / +?&=");
	cr_assert_str_eq(c.keys[1], ID);
	cursor_free(&c);
	free(text);
}

Test(cursor, history_keys_with_null)
{
	const char *keys[3] = { NULL, "-1700000000000001", "ord-1" };
	const char *f[1] = { ID };
	uint64_t fp = cursor_fingerprint(CURSOR_ORDERS, f, 1);
	struct cursor c;
	char *text;

	text = cursor_encode(CURSOR_ORDERS, fp, keys);
	cr_assert_eq(cursor_decode(text, CURSOR_ORDERS, fp, &c), CURSOR_OK);
	cr_assert_null(c.keys[0]);
	cr_assert_str_eq(c.keys[1], "-1700000000000001");
	cr_assert_str_eq(c.keys[2], "ord-1");
	cursor_free(&c);
	/* another list's cursor is not one of this list */
	cr_assert_eq(cursor_decode(text, CURSOR_APPOINTMENTS,
			 cursor_fingerprint(CURSOR_APPOINTMENTS, f, 1), &c),
	    CURSOR_MALFORMED);
	free(text);
}

Test(cursor, history_keys_checked)
{
	/* a time not an integer, updated_at NULL, a time past bigint */
	const char *bad[][3] = { { "12.5", "1", "x" }, { "1", NULL, "x" },
		{ "1234567890123456789", "1", "x" } };
	struct cursor c;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = cursor_encode(CURSOR_APPOINTMENTS, 1, bad[i]);
		cr_assert_eq(cursor_decode(text, CURSOR_APPOINTMENTS, 1, &c),
		    CURSOR_MALFORMED, "keys %zu", i);
		free(text);
	}
}

/* An orders cursor with time as its key `which` (0 or 1) decodes so. */
static void
expect_time(const char *time, int which, enum cursor_status want)
{
	const char *keys[3] = { "1", "1", "x" };
	struct cursor c;
	char *text;

	keys[which] = time;
	text = cursor_encode(CURSOR_ORDERS, 1, keys);
	cr_assert_eq(cursor_decode(text, CURSOR_ORDERS, 1, &c), want,
	    "%s as key %d", time, which);
	cursor_free(&c);
	free(text);
}

/*
 * Times are bounded by PostgreSQL's timestamp range (from 4714-11-24 BC):
 * a key before it would fail the statement instead of the cursor.
 */
Test(cursor, history_times_within_postgresql_range)
{
	const char *ok[] = { "-210866803200000000", "-62135596800000000", "0",
		"999999999999999999" };
	const char *bad[] = { "-210866803200000001", "-999999999999999999" };
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			expect_time(ok[i], k, CURSOR_OK);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			expect_time(bad[i], k, CURSOR_MALFORMED);
	}
}

Test(cursor, customer_id_must_be_canonical)
{
	const char *keys[2] = { "Ann", "0B6F3C52-6B4E-4D4F-9A37-0C1D2E3F4A5B" };
	struct cursor c;
	char *text;

	text = cursor_encode(CURSOR_CUSTOMERS, 7, keys);
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS, 7, &c),
	    CURSOR_MALFORMED);
	free(text);
}

Test(cursor, wrong_fingerprint)
{
	struct cursor c;
	char *text;

	text = customers_cursor("Ann", business_filters(ID, NULL));
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS,
			 business_filters(ID, "%ann%"), &c),
	    CURSOR_OTHER_FILTERS);
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS,
			 business_filters(NULL, NULL), &c),
	    CURSOR_OTHER_FILTERS);
	cr_assert_eq(c.nkeys, 0);
	free(text);
	/* an absent filter is not an empty one */
	cr_assert_neq(business_filters(NULL, NULL), business_filters("", NULL));
	cr_assert_neq(business_filters("ab", NULL), business_filters("a", "b"));
}

Test(cursor, every_tampered_byte_is_refused)
{
	uint64_t f = business_filters(ID, NULL);
	struct cursor c;
	char *text, *copy, *at;
	size_t i;
	const char *alphabet =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
	    "yz0123456789-_";

	text = customers_cursor("Zoe", f);
	copy = strdup(text);
	for (i = 0; text[i] != '\0'; i++) {
		for (at = (char *)alphabet; *at != '\0'; at++) {
			if (*at == text[i])
				continue;
			copy[i] = *at;
			cr_assert_neq(cursor_decode(copy, CURSOR_CUSTOMERS, f,
					  &c),
			    CURSOR_OK, "%s accepted", copy);
		}
		copy[i] = text[i];
	}
	free(copy);
	free(text);
}

Test(cursor, truncation_is_refused)
{
	uint64_t f = business_filters(ID, NULL);
	struct cursor c;
	char *text;
	size_t n;

	text = customers_cursor("Zoe", f);
	for (n = strlen(text); n > 0; n--) {
		text[n - 1] = '\0';
		cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS, f, &c),
		    CURSOR_MALFORMED, "%zu characters accepted", n - 1);
	}
	free(text);
}

Test(cursor, not_base64url_is_refused)
{
	uint64_t f = business_filters(ID, NULL);
	struct cursor c;
	char *text, *copy;
	const char *bad[] = { "=", "+", "/", " ", "%", ".", "\xc3\xa9" };
	size_t i, n;

	text = customers_cursor("Zoe", f);
	n = strlen(text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		copy = calloc(1, n + 8);
		memcpy(copy, text, n);
		memcpy(copy + 4, bad[i], strlen(bad[i]));
		cr_assert_eq(cursor_decode(copy, CURSOR_CUSTOMERS, f, &c),
		    CURSOR_MALFORMED, "%s accepted", copy);
		/* padding appended to a valid cursor */
		memcpy(copy, text, n);
		copy[n] = '=';
		cr_assert_eq(cursor_decode(copy, CURSOR_CUSTOMERS, f, &c),
		    CURSOR_MALFORMED);
		free(copy);
	}
	cr_assert_eq(cursor_decode("", CURSOR_CUSTOMERS, f, &c),
	    CURSOR_MALFORMED);
	free(text);
}

Test(cursor, overlong_is_refused)
{
	char *name, *text;
	uint64_t f = 3;
	struct cursor c;

	/* a key that makes the text just over the limit */
	name = calloc(1, CURSOR_TEXT_MAX);
	memset(name, 'a', CURSOR_TEXT_MAX / 4 * 3 - 40);
	text = customers_cursor(name, f);
	cr_assert_gt(strlen(text), CURSOR_TEXT_MAX);
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS, f, &c),
	    CURSOR_MALFORMED);
	free(text);
	/* and one just under it still reads */
	name[CURSOR_TEXT_MAX / 4 * 3 - 200] = '\0';
	text = customers_cursor(name, f);
	cr_assert_leq(strlen(text), CURSOR_TEXT_MAX);
	cr_assert_eq(cursor_decode(text, CURSOR_CUSTOMERS, f, &c), CURSOR_OK);
	cursor_free(&c);
	free(text);
	free(name);
}

static int
param(const char *qs, uint64_t filters, char msg[64])
{
	struct problems p;
	struct query q;
	struct cursor c;
	json_t *item;
	int ok;

	problems_init(&p);
	cr_assert_eq(query_parse(qs, &q), 0);
	ok = cursor_param(&p, &q, CURSOR_CUSTOMERS, filters, &c);
	msg[0] = '\0';
	if (!ok) {
		cr_assert_eq(problems_count(&p), 1);
		item = json_array_get(p.items, 0);
		cr_assert_str_eq(json_string_value(
				     json_object_get(item, "type")),
		    "value_error");
		cr_assert_str_eq(json_string_value(
				     json_array_get(json_object_get(item,
							"loc"),
					 1)),
		    "cursor");
		(void)snprintf(msg, 64, "%s",
		    strrchr(json_string_value(json_object_get(item, "msg")),
			','));
	} else {
		cr_assert_eq(problems_count(&p), 0);
	}
	cursor_free(&c);
	query_free(&q);
	problems_free(&p);
	return (ok);
}

Test(cursor, query_parameter)
{
	uint64_t f = business_filters(ID, NULL);
	char *text, qs[256], msg[64];

	text = customers_cursor("Zoe", f);
	cr_assert(param("limit=5", f, msg));
	(void)snprintf(qs, sizeof(qs), "cursor=%s&skip=0", text);
	cr_assert(param(qs, f, msg));
	(void)snprintf(qs, sizeof(qs), "cursor=%s&skip=x", text);
	cr_assert(param(qs, f, msg)); /* skip's own item says it */
	(void)snprintf(qs, sizeof(qs), "cursor=%s&skip=3", text);
	cr_assert_not(param(qs, f, msg));
	cr_assert_str_eq(msg, ", cursor cannot be combined with skip");
	(void)snprintf(qs, sizeof(qs), "cursor=%s", text);
	cr_assert_not(param(qs, f + 1, msg));
	cr_assert_str_eq(msg, ", cursor was made for other filters");
	cr_assert_not(param("cursor=abc", f, msg));
	cr_assert_str_eq(msg, ", malformed cursor");
	cr_assert_not(param("cursor=", f, msg));
	free(text);
}

Test(cursor, link_reencodes_filters)
{
	const char *names[3] = { "business_id", "query", "limit" };
	const char *values[3] = { ID, "a&b c%/\xc3\xa9", NULL };
	char *link;

	link = cursor_link("/api/customers", names, values, 3, "AbC-_9");
	cr_assert_str_eq(link,
	    "</api/customers?business_id=" ID
	    "&query=a%26b%20c%25%2F%C3%A9&cursor=AbC-_9>; rel=\"next\"");
	free(link);
	link = cursor_link("/customers/x/orders", names, values, 0, "Q");
	cr_assert_str_eq(link, "</customers/x/orders?cursor=Q>; rel=\"next\"");
	free(link);
}
