/*
 * PATCH /customers/{id} (docs/api.md, docs/events.md):
 * keys present change and nothing else does, null clears the optional
 * fields, the create's field rules, who may patch whom, and exactly one
 * v1.customer.updated outbox row when, and only when, a value really
 * changed. Each test patches customers of its own random business; the
 * admin helpers mint a new token (a new rate-limit bucket) per request, so
 * the default limit of 5/minute never gets in the way here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "outbox.h"
#include "token.h"
#include "uuid4.h"

#define PHONE_PATTERN "^(\\+[1-9][0-9]{7,14}|0?7[0-9]{8})$"
#define UPDATED "v1.customer.updated"

/* A customer created through the API (cust_create's values). */
struct cust {
	char bid[UUID_STR_LEN];
	char id[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
};

static void cust_new(struct cust *);
static struct http_resp *patch_req(const char *, const char *, const char *,
    const char *);
static struct http_resp *patch_admin(const struct cust *, const char *);
static json_t *patch_ok(const struct cust *, const char *);
static json_t *get_json(const char *);
static char *snapshot(const char *);
static long updated_events(const char *);
static void expect_event(const struct cust *, const char *const *,
    const char *);
static void expect_no_event(const struct cust *);
static json_t *patch_422(const struct cust *, const char *);
static void expect_unchanged_422(const char *, const char *, const char *,
    const char *);
static char *repeat(const char *, size_t);

static void
cust_new(struct cust *c)
{
	uuid4(c->bid);
	cust_create(c->bid, c->id, c->uid);
}

/* PATCH /customers/<id> with a JSON body and, if not NULL, X-Trace-Id. */
static struct http_resp *
patch_req(const char *tok, const char *id, const char *body, const char *trace)
{
	char path[256];

	if (id[0] == '/')
		snprintf(path, sizeof(path), "%s", id);
	else
		snprintf(path, sizeof(path), "/customers/%s", id);
	return (http_req_traced("PATCH", path, tok, body, trace));
}

/* As a fresh admin of the customer's business. */
static struct http_resp *
patch_admin(const struct cust *c, const char *body)
{
	struct http_resp *r;
	char *tok;

	tok = tok_admin(c->bid);
	r = patch_req(tok, c->id, body, NULL);
	free(tok);
	return (r);
}

static json_t *
patch_ok(const struct cust *c, const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = patch_admin(c, body);
	j = expect_customer_resp(r, 200, c->id);
	http_resp_free(r);
	return (j);
}

/* GET as superadmin, 200. */
static json_t *
get_json(const char *id)
{
	struct http_resp *r;
	char path[128], *tok;
	json_t *j;

	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	http_resp_free(r);
	free(tok);
	return (j);
}

/* The whole row as the database has it (every column, updated_at too). */
static char *
snapshot(const char *id)
{
	char *s;

	s = db_value("SELECT row_to_json(c)::text FROM customers c "
		     "WHERE id = $1",
	    id, DB_END);
	cr_assert_not_null(s, "customer %s is gone", id);
	return (s);
}

static long
updated_events(const char *id)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1 "
			 "AND routing_key = '" UPDATED "'",
	    id, DB_END));
}

/*
 * Exactly one v1.customer.updated row for c, with payload {id,
 * fields_changed, version, trace_id} (fields in this order) and, when
 * trace is not NULL, that trace id in the payload and the row.
 */
static void
expect_event(const struct cust *c, const char *const *fields, const char *trace)
{
	char *payload;
	json_t *p, *fc;
	size_t i, n;

	payload = outbox_event(c->id, UPDATED, c->bid, trace, &p);
	fc = json_object_get(p, "fields_changed");
	for (n = 0; fields[n] != NULL; n++)
		;
	cr_assert_eq(json_array_size(fc), n, "fields_changed: %s", payload);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(json_string_value(json_array_get(fc, i)),
		    fields[i], "fields_changed[%zu] in %s", i, payload);
	json_decref(p);
	free(payload);
}

static void
expect_no_event(const struct cust *c)
{
	cr_assert_eq(updated_events(c->id), 0, "an " UPDATED " row appeared");
}

static json_t *
patch_422(const struct cust *c, const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = patch_admin(c, body);
	j = expect_422(r);
	http_resp_free(r);
	return (j);
}

/*
 * body is refused with an item of type at loc (["body",field]) and msg
 * (NULL: any), and neither the row nor the outbox changes.
 */
static void
expect_unchanged_422(const char *body, const char *loc, const char *type,
    const char *msg)
{
	struct cust c;
	char *before, *after;
	json_t *j;

	cust_new(&c);
	before = snapshot(c.id);
	j = patch_422(&c, body);
	expect_item(j, loc, type, msg);
	json_decref(j);
	after = snapshot(c.id);
	cr_assert_str_eq(after, before);
	expect_no_event(&c);
	free(before);
	free(after);
}

static char *
repeat(const char *unit, size_t n)
{
	char *s;
	size_t len, i;

	len = strlen(unit);
	s = malloc(len * n + 1);
	cr_assert(s != NULL);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return (s);
}

/* ---- what changes ---- */

Test(patch, full_name_changes_and_nothing_else)
{
	static const char *const fields[] = { "full_name", NULL };
	struct http_resp *r;
	struct cust c;
	char trace[64], mark[UUID_STR_LEN], *tok;
	json_t *before, *after, *got;
	const char *key;
	json_t *v;

	cust_new(&c);
	before = get_json(c.id);
	uuid4(mark);
	snprintf(trace, sizeof(trace), "patch-%s", mark);
	tok = tok_admin(c.bid);
	r = patch_req(tok, c.id, "{\"full_name\":\"Maria Ionescu\"}", trace);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	cr_assert_str_eq(http_hdr(r, "x-trace-id"), trace);
	after = resp_json(r);
	expect_customer(after);
	cr_assert_str_eq(json_str(after, "full_name"), "Maria Ionescu");
	json_object_foreach(before, key, v) {
		if (!strcmp(key, "full_name") || !strcmp(key, "updated_at"))
			continue;
		cr_assert(json_equal(v, json_object_get(after, key)),
		    "%s changed", key);
	}
	cr_assert_gt(strcmp(json_str(after, "updated_at"),
			 json_str(before, "updated_at")),
	    0, "updated_at %s did not advance past %s",
	    json_str(after, "updated_at"), json_str(before, "updated_at"));
	/* what was stored is what was answered */
	got = get_json(c.id);
	cr_assert(json_equal(got, after));
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1 "
			      "AND full_name = 'Maria Ionescu'",
			 c.id, DB_END),
	    1);
	expect_event(&c, fields, trace);
	json_decref(got);
	json_decref(after);
	json_decref(before);
	http_resp_free(r);
	free(tok);
}

/* fields_changed follows the schema, not the body's key order. */
Test(patch, every_field_in_schema_order)
{
	static const char *const fields[] = { "full_name", "email", "phone",
		"gender", "avatar_url", "preferences", NULL };
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c,
	    "{\"preferences\":{\"newsletter\":true},"
	    "\"avatar_url\":\"https://cdn.example.com/a.png\","
	    "\"gender\":\"male\",\"phone\":\"0712345678\","
	    "\"email\":\"Ion.Pop@Example.COM\",\"full_name\":\"Ion Pop\"}");
	cr_assert_str_eq(json_str(j, "full_name"), "Ion Pop");
	cr_assert_str_eq(json_str(j, "email"), "Ion.Pop@example.com");
	cr_assert_str_eq(json_str(j, "phone"), "0712345678");
	cr_assert_str_eq(json_str(j, "gender"), "male");
	cr_assert_str_eq(json_str(j, "avatar_url"),
	    "https://cdn.example.com/a.png");
	cr_assert(json_is_true(
	    json_object_get(json_object_get(j, "preferences"), "newsletter")));
	cr_assert_eq(json_object_size(json_object_get(j, "preferences")), 1);
	expect_event(&c, fields, NULL);
	json_decref(j);
}

/* No X-Trace-Id: the event carries the one the service made up. */
Test(patch, event_trace_is_the_responses)
{
	static const char *const fields[] = { "gender", NULL };
	struct http_resp *r;
	struct cust c;

	cust_new(&c);
	r = patch_admin(&c, "{\"gender\":\"other\"}");
	expect_status(r, 200);
	cr_assert(uuid_is_canonical(http_hdr(r, "x-trace-id")), "X-Trace-Id %s",
	    http_hdr(r, "x-trace-id"));
	expect_event(&c, fields, http_hdr(r, "x-trace-id"));
	http_resp_free(r);
}

Test(patch, empty_object_changes_nothing)
{
	struct cust c;
	char *before, *after;
	json_t *old, *j;

	cust_new(&c);
	old = get_json(c.id);
	before = snapshot(c.id);
	j = patch_ok(&c, "{}");
	cr_assert(json_equal(j, old), "the answer is not the unchanged row");
	after = snapshot(c.id);
	cr_assert_str_eq(after, before);
	expect_no_event(&c);
	json_decref(j);
	json_decref(old);
	free(before);
	free(after);
}

/* Every value the same as stored: 200, no write, no event. */
Test(patch, same_values_are_no_change)
{
	struct cust c;
	char *before, *after;
	json_t *old, *j;

	cust_new(&c);
	old = get_json(c.id);
	before = snapshot(c.id);
	j = patch_ok(&c,
	    "{\"full_name\":\"Ana Popescu\",\"email\":\"ana@example.com\","
	    "\"phone\":\"+40798765432\",\"gender\":\"female\","
	    "\"avatar_url\":null,\"preferences\":{}}");
	cr_assert(json_equal(j, old));
	after = snapshot(c.id);
	cr_assert_str_eq(after, before, "the row was written");
	expect_no_event(&c);
	json_decref(j);
	json_decref(old);
	free(before);
	free(after);
}

/* The e-mail is compared after normalisation (domain lower-cased). */
Test(patch, same_email_other_domain_case_is_no_change)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c, "{\"email\":\"ana@EXAMPLE.com\"}");
	cr_assert_str_eq(json_str(j, "email"), "ana@example.com");
	expect_no_event(&c);
	json_decref(j);
}

Test(patch, email_normalised)
{
	static const char *const fields[] = { "email", NULL };
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c, "{\"email\":\"Dan Pop <Dan.Pop@Mail.Example.ORG>\"}");
	cr_assert_str_eq(json_str(j, "email"), "Dan.Pop@mail.example.org");
	expect_event(&c, fields, NULL);
	json_decref(j);
}

Test(patch, only_fields_that_really_changed)
{
	static const char *const fields[] = { "gender", NULL };
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c,
	    "{\"full_name\":\"Ana Popescu\",\"gender\":\"male\","
	    "\"phone\":\"+40798765432\"}");
	cr_assert_str_eq(json_str(j, "gender"), "male");
	expect_event(&c, fields, NULL);
	json_decref(j);
}

Test(patch, null_clears_optional_fields)
{
	static const char *const fields[] = { "phone", "gender", "avatar_url",
		"preferences", NULL };
	struct cust c;
	json_t *j;

	cust_new(&c);
	db_exec("UPDATE customers SET avatar_url = 'https://cdn.example.com/x"
		".png', preferences = '{\"a\":1}' WHERE id = $1",
	    c.id, DB_END);
	j = patch_ok(&c,
	    "{\"phone\":null,\"gender\":null,\"avatar_url\":null,"
	    "\"preferences\":null}");
	cr_assert(json_is_null(json_object_get(j, "phone")));
	cr_assert(json_is_null(json_object_get(j, "gender")));
	cr_assert(json_is_null(json_object_get(j, "avatar_url")));
	cr_assert(json_is_object(json_object_get(j, "preferences")));
	cr_assert_eq(json_object_size(json_object_get(j, "preferences")), 0);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1 "
			      "AND phone IS NULL AND gender IS NULL AND "
			      "avatar_url IS NULL AND preferences = '{}'",
			 c.id, DB_END),
	    1);
	expect_event(&c, fields, NULL);
	json_decref(j);
}

Test(patch, null_on_an_empty_field_is_no_change)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c, "{\"avatar_url\":null,\"preferences\":null}");
	cr_assert(json_is_null(json_object_get(j, "avatar_url")));
	expect_no_event(&c);
	json_decref(j);
}

Test(patch, preferences_replaced_whole)
{
	static const char *const fields[] = { "preferences", NULL };
	struct cust c;
	json_t *j, *p;

	cust_new(&c);
	db_exec("UPDATE customers SET preferences = "
		"'{\"a\":1,\"b\":{\"c\":2}}' WHERE id = $1",
	    c.id, DB_END);
	j = patch_ok(&c, "{\"preferences\":{\"z\":true}}");
	p = json_object_get(j, "preferences");
	cr_assert_eq(json_object_size(p), 1, "not replaced whole");
	cr_assert(json_is_true(json_object_get(p, "z")));
	expect_event(&c, fields, NULL);
	json_decref(j);
}

/* The same object with its keys in another order is the same value. */
Test(patch, preferences_same_object_is_no_change)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	db_exec("UPDATE customers SET preferences = '{\"a\":1,\"b\":[1,2]}' "
		"WHERE id = $1",
	    c.id, DB_END);
	j = patch_ok(&c, "{\"preferences\":{\"b\":[1,2],\"a\":1}}");
	expect_no_event(&c);
	json_decref(j);
}

/*
 * {"k":"x...x"} is 8 bytes plus the string compact; sent with spaces,
 * which do not count.
 */
Test(patch, preferences_4096_compact_bytes)
{
	struct cust c;
	char *big, *body;
	json_t *j;

	cust_new(&c);
	big = repeat("x", 4096 - 8);
	if (asprintf(&body, "{\"preferences\" : { \"k\" : \"%s\" } }", big) ==
	    -1)
		cr_assert_fail("out of memory");
	j = patch_ok(&c, body);
	cr_assert_eq(strlen(json_str(json_object_get(j, "preferences"), "k")),
	    4096 - 8);
	json_decref(j);
	free(body);
	free(big);
}

Test(patch_422, preferences_4097_compact_bytes)
{
	char *big, *body;

	big = repeat("x", 4097 - 8);
	if (asprintf(&body, "{\"preferences\":{\"k\":\"%s\"}}", big) == -1)
		cr_assert_fail("out of memory");
	expect_unchanged_422(body, "[\"body\",\"preferences\"]", "value_error",
	    NULL);
	free(body);
	free(big);
}

Test(patch_422, preferences_array)
{
	expect_unchanged_422("{\"preferences\":[1]}",
	    "[\"body\",\"preferences\"]", "dict_type",
	    "Input should be a valid dictionary");
}

Test(patch_422, preferences_string)
{
	expect_unchanged_422("{\"preferences\":\"yes\"}",
	    "[\"body\",\"preferences\"]", "dict_type",
	    "Input should be a valid dictionary");
}

/* ---- server fields and unknown keys ---- */

Test(patch, server_fields_and_unknown_keys_ignored)
{
	struct cust c;
	char other[UUID_STR_LEN], body[1024], *before, *after;
	json_t *j;

	cust_new(&c);
	uuid4(other);
	snprintf(body, sizeof(body),
	    "{\"id\":\"%s\",\"user_id\":\"%s\",\"business_id\":\"%s\","
	    "\"total_orders\":9,\"total_appointments\":4,"
	    "\"last_order_date\":\"2020-01-01\",\"lifetime_value\":99.5,"
	    "\"created_at\":\"2000-01-01T00:00:00Z\","
	    "\"updated_at\":\"2000-01-01T00:00:00Z\","
	    "\"avatar_file\":\"x.png\",\"nickname\":\"Ani\"}",
	    other, other, other);
	before = snapshot(c.id);
	j = patch_ok(&c, body);
	after = snapshot(c.id);
	cr_assert_str_eq(after, before);
	cr_assert_str_eq(json_str(j, "user_id"), c.uid);
	cr_assert_str_eq(json_str(j, "business_id"), c.bid);
	expect_no_event(&c);
	json_decref(j);
	free(before);
	free(after);
}

Test(patch, server_fields_beside_a_change)
{
	static const char *const fields[] = { "full_name", NULL };
	struct cust c;
	char other[UUID_STR_LEN], body[512];
	json_t *j;

	cust_new(&c);
	uuid4(other);
	snprintf(body, sizeof(body),
	    "{\"full_name\":\"Radu Nou\",\"user_id\":\"%s\","
	    "\"business_id\":\"%s\",\"total_orders\":7}",
	    other, other);
	j = patch_ok(&c, body);
	cr_assert_str_eq(json_str(j, "full_name"), "Radu Nou");
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1 "
			      "AND user_id = $2 AND business_id = $3 AND "
			      "total_orders = 0",
			 c.id, c.uid, c.bid, DB_END),
	    1);
	expect_event(&c, fields, NULL);
	json_decref(j);
}

/* ---- field rules (as POST) ---- */

Test(patch_422, full_name_null)
{
	expect_unchanged_422("{\"full_name\":null}", "[\"body\",\"full_name\"]",
	    "string_type", "Input should be a valid string");
}

Test(patch_422, email_null)
{
	expect_unchanged_422("{\"email\":null}", "[\"body\",\"email\"]",
	    "string_type", "Input should be a valid string");
}

Test(patch_422, full_name_too_short)
{
	struct cust c;
	json_t *j, *it;

	cust_new(&c);
	j = patch_422(&c, "{\"full_name\":\"A\"}");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"body\",\"full_name\"]", "string_too_short",
	    "String should have at least 2 characters");
	cr_assert_str_eq(json_str(it, "input"), "A");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"),
			     "min_length")),
	    2);
	json_decref(j);
	expect_no_event(&c);
}

Test(patch_422, full_name_too_long)
{
	char *name, *body;

	name = repeat("a", 101);
	if (asprintf(&body, "{\"full_name\":\"%s\"}", name) == -1)
		cr_assert_fail("out of memory");
	expect_unchanged_422(body, "[\"body\",\"full_name\"]",
	    "string_too_long", "String should have at most 100 characters");
	free(body);
	free(name);
}

Test(patch_422, full_name_not_string)
{
	expect_unchanged_422("{\"full_name\":123}", "[\"body\",\"full_name\"]",
	    "string_type", "Input should be a valid string");
}

/* Lengths count code points: two of them in four bytes are enough. */
Test(patch, full_name_two_code_points)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_ok(&c, "{\"full_name\":\"\\u0102\\u0219\"}");
	cr_assert_str_eq(json_str(j, "full_name"), "\xc4\x82\xc8\x99");
	json_decref(j);
}

Test(patch_422, bad_email)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_422(&c, "{\"email\":\"nope\"}");
	expect_item_msg_prefix(j, "[\"body\",\"email\"]", "value_error",
	    "value is not a valid email address: ");
	json_decref(j);
	expect_no_event(&c);
}

Test(patch_422, bad_phone)
{
	expect_unchanged_422("{\"phone\":\"123\"}", "[\"body\",\"phone\"]",
	    "string_pattern_mismatch",
	    "String should match pattern '" PHONE_PATTERN "'");
}

Test(patch_422, phone_national_landline)
{
	expect_unchanged_422("{\"phone\":\"0212345678\"}",
	    "[\"body\",\"phone\"]", "string_pattern_mismatch", NULL);
}

Test(patch, phone_forms_accepted)
{
	static const char *phones[] = { "+14155552671", "0712345678",
		"712345678" };
	struct cust c;
	char body[64];
	json_t *j;
	size_t i;

	cust_new(&c);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phones[i]);
		j = patch_ok(&c, body);
		cr_assert_str_eq(json_str(j, "phone"), phones[i]);
		json_decref(j);
	}
}

Test(patch_422, bad_gender)
{
	expect_unchanged_422("{\"gender\":\"m\"}", "[\"body\",\"gender\"]",
	    "enum", "Input should be 'male', 'female' or 'other'");
}

Test(patch_422, avatar_url_too_long)
{
	struct cust c;
	char *url, *body;
	json_t *j, *it;

	cust_new(&c);
	url = repeat("u", 256);
	if (asprintf(&body, "{\"avatar_url\":\"%s\"}", url) == -1)
		cr_assert_fail("out of memory");
	j = patch_422(&c, body);
	it = expect_item(j, "[\"body\",\"avatar_url\"]", "string_too_long",
	    "String should have at most 255 characters");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"),
			     "max_length")),
	    255);
	json_decref(j);
	expect_no_event(&c);
	free(body);
	free(url);
}

Test(patch, avatar_url_255)
{
	struct cust c;
	char *url, *body;
	json_t *j;

	cust_new(&c);
	url = repeat("u", 255);
	url[0] = '/'; /* a path: an allowed form */
	if (asprintf(&body, "{\"avatar_url\":\"%s\"}", url) == -1)
		cr_assert_fail("out of memory");
	j = patch_ok(&c, body);
	cr_assert_str_eq(json_str(j, "avatar_url"), url);
	json_decref(j);
	free(body);
	free(url);
}

Test(patch_422, every_field_in_schema_order)
{
	static const char *locs[] = { "[\"body\",\"full_name\"]",
		"[\"body\",\"email\"]", "[\"body\",\"phone\"]",
		"[\"body\",\"gender\"]", "[\"body\",\"avatar_url\"]",
		"[\"body\",\"preferences\"]" };
	struct cust c;
	char *url, *body, *before, *after;
	json_t *j;

	cust_new(&c);
	url = repeat("u", 300);
	if (asprintf(&body,
		"{\"preferences\":[],\"avatar_url\":\"%s\",\"gender\":\"x\","
		"\"phone\":\"1\",\"email\":\"no\",\"full_name\":\"A\"}",
		url) == -1)
		cr_assert_fail("out of memory");
	before = snapshot(c.id);
	j = patch_422(&c, body);
	expect_item_locs(j, locs, 6);
	after = snapshot(c.id);
	cr_assert_str_eq(after, before);
	expect_no_event(&c);
	json_decref(j);
	free(before);
	free(after);
	free(body);
	free(url);
}

/* One bad field refuses the whole request: the good ones do not apply. */
Test(patch_422, good_fields_not_applied_beside_a_bad_one)
{
	expect_unchanged_422("{\"full_name\":\"Valid Name\",\"gender\":\"x\"}",
	    "[\"body\",\"gender\"]", "enum", NULL);
}

Test(patch_422, missing_body)
{
	struct http_resp *r;
	struct cust c;
	char *tok;
	json_t *j;

	cust_new(&c);
	tok = tok_admin(c.bid);
	r = patch_req(tok, c.id, "", NULL);
	j = expect_422(r);
	expect_item(j, "[\"body\"]", "missing", "Field required");
	json_decref(j);
	http_resp_free(r);
	free(tok);
	expect_no_event(&c);
}

Test(patch_422, malformed_json)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_422(&c, "{\"full_name\":");
	cr_assert_str_eq(json_str(json_array_get(json_object_get(j, "detail"),
				      0),
			     "type"),
	    "json_invalid");
	json_decref(j);
	expect_no_event(&c);
}

Test(patch_422, body_not_an_object)
{
	struct cust c;
	json_t *j;

	cust_new(&c);
	j = patch_422(&c, "[]");
	expect_item(j, "[\"body\"]",
	    json_str(json_array_get(json_object_get(j, "detail"), 0), "type"),
	    NULL);
	json_decref(j);
	expect_no_event(&c);
}

/* ---- who may patch whom ---- */

static void
expect_patched_by(const struct cust *c, char *tok)
{
	struct http_resp *r;
	json_t *j;

	r = patch_req(tok, c->id, "{\"full_name\":\"Cine Altcineva\"}", NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "full_name"), "Cine Altcineva");
	json_decref(j);
	http_resp_free(r);
	free(tok);
	cr_assert_eq(updated_events(c->id), 1);
}

Test(patch_roles, self_as_customer)
{
	struct cust c;

	cust_new(&c);
	expect_patched_by(&c, tok_customer(c.uid));
}

Test(patch_roles, self_as_client)
{
	struct cust c;

	cust_new(&c);
	expect_patched_by(&c, tok_sub("client", c.uid, NULL));
}

/* A user's profile in a second business is still their own. */
Test(patch_roles, self_in_a_second_business)
{
	struct http_resp *r;
	struct cust first, c;
	char *tok, *body;
	json_t *j;

	cust_new(&first);
	uuid4(c.bid);
	memcpy(c.uid, first.uid, UUID_STR_LEN);
	body = cust_body(c.uid, c.bid, NULL);
	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, body);
	expect_status(r, 201);
	j = resp_json(r);
	memcpy(c.id, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(tok);
	free(body);
	expect_patched_by(&c, tok_customer(c.uid));
	expect_no_event(&first);
}

Test(patch_roles, admin_business)
{
	struct cust c;

	cust_new(&c);
	expect_patched_by(&c, tok_admin(c.bid));
}

Test(patch_roles, admin_by_business_ids)
{
	struct cust c;
	char other[UUID_STR_LEN];

	cust_new(&c);
	uuid4(other);
	expect_patched_by(&c, tok_admin_multi(other, c.bid));
}

Test(patch_roles, admin_manager)
{
	struct cust c;
	char sub[UUID_STR_LEN], claims[512];

	cust_new(&c);
	uuid4(sub);
	snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%s\",\"role\":\"admin_manager\",\"business_id\":"
	    "\"%s\",\"exp\":%ld}",
	    sub, c.bid, (long)time(NULL) + TOK_TTL);
	expect_patched_by(&c, tok_claims(claims, JWT_ALG_HS256, NULL));
}

Test(patch_roles, superadmin)
{
	struct cust c;

	cust_new(&c);
	expect_patched_by(&c, tok_superadmin());
}

/* Refused with status and detail; the row and the outbox stay as they were. */
static void
expect_refused(const struct cust *c, char *tok, const char *id, int status,
    const char *detail)
{
	struct http_resp *r;
	char *before, *after;

	before = snapshot(c->id);
	r = patch_req(tok, id, "{\"full_name\":\"Intrus Intrusescu\"}", NULL);
	expect_detail(r, status, detail);
	http_resp_free(r);
	after = snapshot(c->id);
	cr_assert_str_eq(after, before);
	expect_no_event(c);
	free(before);
	free(after);
	free(tok);
}

Test(patch_roles, internal_403)
{
	struct cust c;

	cust_new(&c);
	expect_refused(&c, tok_internal(), c.id, 403,
	    "Customer or admin role required");
}

Test(patch_roles, courier_403)
{
	struct cust c;

	cust_new(&c);
	expect_refused(&c, tok_role("courier"), c.id, 403,
	    "Customer or admin role required");
}

Test(patch_roles, collaborator_403)
{
	struct cust c;

	cust_new(&c);
	expect_refused(&c, tok_role("collaborator"), c.id, 403,
	    "Customer or admin role required");
}

Test(patch_roles, admin_without_business_403)
{
	struct cust c;

	cust_new(&c);
	expect_refused(&c, tok_role("admin_business"), c.id, 403,
	    "Token has no business");
}

Test(patch_tenant, admin_of_another_business_404)
{
	struct cust c;
	char other[UUID_STR_LEN];

	cust_new(&c);
	uuid4(other);
	expect_refused(&c, tok_admin(other), c.id, 404, "Customer not found");
}

Test(patch_tenant, another_customer_404)
{
	struct cust c;
	char sub[UUID_STR_LEN];

	cust_new(&c);
	uuid4(sub);
	expect_refused(&c, tok_customer(sub), c.id, 404, "Customer not found");
}

Test(patch_tenant, nonexistent_404)
{
	struct cust c;
	char id[UUID_STR_LEN];

	cust_new(&c);
	uuid4(id);
	expect_refused(&c, tok_superadmin(), id, 404, "Customer not found");
}

Test(patch, no_token_401)
{
	struct http_resp *r;
	struct cust c;

	cust_new(&c);
	r = patch_req(NULL, c.id, "{\"full_name\":\"Fara Token\"}", NULL);
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
	expect_no_event(&c);
}

/* The path id is checked before anything else, the role included. */
Test(patch_422, malformed_id_before_anything)
{
	struct http_resp *r;
	char *tok;
	json_t *j, *it;

	tok = tok_internal();
	r = patch_req(tok, "not-a-uuid", "{\"gender\":\"x\"}", NULL);
	j = expect_422(r);
	it = json_array_get(json_object_get(j, "detail"), 0);
	cr_assert_str_eq(json_str(it, "type"), "uuid_parsing");
	expect_item_msg_prefix(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(patch_422, malformed_id_then_body_items)
{
	struct http_resp *r;
	char *tok;
	json_t *j, *want;

	tok = tok_superadmin();
	r = patch_req(tok, "1234", "{\"gender\":\"x\"}", NULL);
	j = expect_422(r);
	cr_assert_eq(items_count(j), 2, "%s", r->body);
	want = json_loads("[\"path\",\"customer_id\"]", 0, NULL);
	cr_assert(json_equal(json_object_get(json_array_get(json_object_get(j,
								"detail"),
						 0),
				 "loc"),
	    want));
	json_decref(want);
	expect_item(j, "[\"body\",\"gender\"]", "enum", NULL);
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

/* ---- path forms ---- */

static void
expect_patch_on(const char *fmt, int upper)
{
	static const char *const fields[] = { "full_name", NULL };
	struct http_resp *r;
	struct cust c;
	char path[256], id[UUID_STR_LEN], *tok;
	json_t *j;
	size_t i;

	cust_new(&c);
	memcpy(id, c.id, UUID_STR_LEN);
	for (i = 0; upper && id[i] != '\0'; i++)
		id[i] = (char)toupper((unsigned char)id[i]);
	snprintf(path, sizeof(path), fmt, id);
	tok = tok_admin(c.bid);
	r = patch_req(tok, path, "{\"full_name\":\"Pe Alta Cale\"}", NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "id"), c.id);
	cr_assert_str_eq(json_str(j, "full_name"), "Pe Alta Cale");
	expect_event(&c, fields, NULL);
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(patch_paths, customers_slash)
{
	expect_patch_on("/customers/%s/", 0);
}

Test(patch_paths, api_customers)
{
	expect_patch_on("/api/customers/%s", 0);
}

Test(patch_paths, api_customers_slash)
{
	expect_patch_on("/api/customers/%s/", 0);
}

Test(patch_paths, upper_case_id)
{
	expect_patch_on("/customers/%s", 1);
}

/*
 * avatar_url: http or https with a host, or a path on this origin. A
 * script or data URL, or a protocol-relative one, is a 422 value_error on
 * create and on PATCH, and nothing is stored.
 */
Test(patch, avatar_url_only_http_https_or_path)
{
	static const char *const bad[] = { "javascript:alert(1)",
		"JAVASCRIPT:alert(document.cookie)",
		"data:image/svg+xml;base64,PHN2Zz4=", "//evil.example/a.png",
		"/\\\\evil.example/a.png", "https:///a.png", "ftp://h/a.png",
		"https://h/a b.png" };
	static const char *const good[] = { "HTTPS://cdn.example.com/a.png",
		"http://cdn.example.com:8080/a.png?v=2",
		"/uploads/3f2a4c6e8a0b1c2d3e4f5a6b7c8d9e0f.png" };
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], *tok, *body;
	struct http_resp *r;
	struct cust c;
	json_t *j, *b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = json_pack("{s:s}", "avatar_url", bad[i]);
		body = json_dumps(b, JSON_COMPACT);
		expect_unchanged_422(body, "[\"body\",\"avatar_url\"]",
		    "value_error",
		    "Value error, avatar_url must be an http or https URL "
		    "with a host, or a path starting with /");
		free(body);
		json_decref(b);

		/* POST /customers: the same item, no row */
		uuid4(bid);
		uuid4(uid);
		body = cust_body(uid, bid, NULL);
		b = json_loads(body, 0, NULL);
		free(body);
		json_object_set_new(b, "avatar_url", json_string(bad[i]));
		body = json_dumps(b, JSON_COMPACT);
		tok = tok_internal();
		r = http_req_tok("POST", "/customers", tok, body);
		j = expect_422(r);
		expect_item(j, "[\"body\",\"avatar_url\"]", "value_error",
		    NULL);
		cr_assert_eq(db_count("SELECT count(*) FROM customers "
				      "WHERE business_id = $1",
				 bid, DB_END),
		    0, "%s stored", bad[i]);
		json_decref(j);
		http_resp_free(r);
		free(tok);
		free(body);
		json_decref(b);
	}
	cust_new(&c);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		b = json_pack("{s:s}", "avatar_url", good[i]);
		body = json_dumps(b, JSON_COMPACT);
		j = patch_ok(&c, body);
		cr_assert_str_eq(json_str(j, "avatar_url"), good[i]);
		json_decref(j);
		free(body);
		json_decref(b);
	}
}
