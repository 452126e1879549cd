/*
 * Helpers assert with Criterion, so a failing check stops its test at the
 * line that says what was expected, with the body that came back instead.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "expect.h"

json_t *
resp_json(const struct http_resp *r)
{
	json_error_t err;
	json_t *j;

	j = json_loadb(r->body, r->body_len, JSON_ALLOW_NUL, &err);
	cr_assert(j != NULL, "status %d body is not JSON (%s): %.*s", r->status,
	    err.text, (int)r->body_len, r->body);
	return (j);
}

/* A string member of an object, or NULL when absent or not a string. */
const char *
json_str(const json_t *obj, const char *key)
{
	return (json_string_value(json_object_get(obj, key)));
}

void
expect_status(const struct http_resp *r, int status)
{
	cr_assert_eq(r->status, status, "expected %d, got %d: %.*s", status,
	    r->status, (int)r->body_len, r->body);
}

void
expect_json_ct(const struct http_resp *r)
{
	const char *ct;

	ct = http_hdr(r, "content-type");
	cr_assert(ct != NULL, "no content-type on a %d", r->status);
	cr_assert(strncmp(ct, "application/json", 16) == 0,
	    "content-type %s, not application/json", ct);
}

/* docs/api.md: every answer the module sends carries these. */
void
expect_module_headers(const struct http_resp *r)
{
	cr_assert(http_hdr(r, "date") != NULL, "no Date on a %d", r->status);
	/* RFC 9110 IMF-fixdate, the only form a sender may generate. */
	cr_assert(str_matches(http_hdr(r, "date"),
		      "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
		      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
		      "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$"),
	    "Date: %s", http_hdr(r, "date"));
	cr_assert(http_hdr(r, "x-trace-id") != NULL, "no X-Trace-Id on a %d",
	    r->status);
	cr_assert(http_hdr(r, "access-control-allow-origin") != NULL,
	    "no Access-Control-Allow-Origin on a %d", r->status);
}

void
expect_detail_and_free(struct http_resp *r, int status, const char *detail)
{
	expect_detail(r, status, detail);
	http_resp_free(r);
}

void
expect_405_and_free(struct http_resp *r, const char *allow)
{
	expect_detail(r, 405, "Method Not Allowed");
	cr_assert_str_eq(http_hdr(r, "allow"), allow);
	http_resp_free(r);
}

/* The key order is the original's: clients may rely on it. */
void
expect_key_order(const json_t *obj, const char *const *keys, const char *what)
{
	const char *key;
	json_t *v;
	size_t i;

	cr_assert(json_is_object(obj), "%s is not an object", what);
	i = 0;
	json_object_foreach((json_t *)obj, key, v) {
		cr_assert(keys[i] != NULL, "extra key %s", key);
		cr_assert_str_eq(key, keys[i], "key %zu", i);
		i++;
	}
	cr_assert(keys[i] == NULL, "missing key %s", keys[i]);
}

void
expect_body(const struct http_resp *r, const char *want)
{
	cr_assert(r->body_len == strlen(want) &&
		memcmp(r->body, want, r->body_len) == 0,
	    "status %d body\n  got  %.*s\n  want %s", r->status,
	    (int)r->body_len, r->body, want);
}

/*
 * Byte for byte: "the same bytes" is what keeps a 404 for someone else's
 * customer indistinguishable from one for a missing customer.
 */
void
expect_detail(const struct http_resp *r, int status, const char *detail)
{
	json_t *j;
	char *want;

	expect_status(r, status);
	expect_json_ct(r);
	expect_module_headers(r);
	j = json_pack("{s:s}", "detail", detail);
	want = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	expect_body(r, want);
	free(want);
}

/* A 422 with a non-empty detail array; returns the parsed body. */
json_t *
expect_422(const struct http_resp *r)
{
	json_t *j, *d;

	expect_status(r, 422);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	d = json_object_get(j, "detail");
	cr_assert(json_is_array(d) && json_array_size(d) > 0,
	    "422 without a detail array: %.*s", (int)r->body_len, r->body);
	return (j);
}

size_t
items_count(json_t *root)
{
	return (json_array_size(json_object_get(root, "detail")));
}

/*
 * The item at loc (a JSON array text such as ["body","email"]), checked for
 * type and, when msg is not NULL, for its exact msg. Returns the item,
 * borrowed from root.
 */
json_t *
expect_item(json_t *root, const char *loc, const char *type, const char *msg)
{
	json_t *want, *item, *found, *d;
	size_t i;
	char *all;

	want = json_loads(loc, 0, NULL);
	cr_assert(want != NULL, "bad loc in test: %s", loc);
	d = json_object_get(root, "detail");
	found = NULL;
	json_array_foreach(d, i, item) {
		if (json_equal(json_object_get(item, "loc"), want)) {
			found = item;
			break;
		}
	}
	json_decref(want);
	item = found;
	if (item == NULL) {
		all = json_dumps(root, JSON_COMPACT);
		cr_assert_fail("no 422 item at %s in %s", loc, all);
	}
	cr_assert_str_eq(json_str(item, "type"), type, "type at %s", loc);
	if (msg != NULL)
		cr_assert_str_eq(json_str(item, "msg"), msg, "msg at %s", loc);
	cr_assert(json_object_get(item, "input") != NULL, "no input at %s",
	    loc);
	return (item);
}

void
expect_item_msg_prefix(json_t *root, const char *loc, const char *type,
    const char *prefix)
{
	json_t *item;
	const char *msg;

	item = expect_item(root, loc, type, NULL);
	msg = json_str(item, "msg");
	cr_assert(msg != NULL && strncmp(msg, prefix, strlen(prefix)) == 0,
	    "msg at %s is \"%s\", want a prefix \"%s\"", loc,
	    msg ? msg : "(null)", prefix);
}

/* POSIX extended regex match, for timestamps and ids. */
int
str_matches(const char *s, const char *re)
{
	regex_t rx;
	int rc;

	if (s == NULL)
		return (0);
	cr_assert(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0,
	    "bad regex %s", re);
	rc = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return (rc == 0);
}

void
expect_still_serving(void)
{
	struct http_resp *r;

	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
}

void
expect_bad_path_id(struct http_resp *r)
{
	json_t *j;

	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	expect_item_msg_prefix(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	json_decref(j);
	http_resp_free(r);
}

void
expect_item_locs(json_t *j, const char *const *locs, size_t n)
{
	json_t *want, *item;
	size_t i;

	cr_assert_eq(items_count(j), n);
	for (i = 0; i < n; i++) {
		want = json_loads(locs[i], 0, NULL);
		item = json_array_get(json_object_get(j, "detail"), i);
		cr_assert(json_equal(json_object_get(item, "loc"), want),
		    "item %zu is not at %s", i, locs[i]);
		json_decref(want);
	}
}
