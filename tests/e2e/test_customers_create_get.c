/*
 * POST /customers and GET /customers/{id} (docs/api.md): who may create and
 * read, the customer's exact shape, and the 422 items of the original.
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
#include "token.h"
#include "uuid4.h"

#define PHONE_PATTERN "^(\\+[1-9][0-9]{7,14}|0?7[0-9]{8})$"

/* POST a body as internal; the caller frees the response. */
static struct http_resp *
post_as(const char *tok, const char *path, const char *body)
{
	return (http_req_tok("POST", path, tok, body));
}

static struct http_resp *
post_internal(const char *body)
{
	struct http_resp *r;
	char *tok;

	tok = tok_internal();
	r = post_as(tok, "/customers", body);
	free(tok);
	return (r);
}

/* A valid body with one member replaced by raw JSON text (or removed). */
static char *
body_with(const char *key, const char *raw)
{
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN], *base, *out;
	json_t *j, *v;

	uuid4(uid);
	uuid4(bid);
	base = cust_body(uid, bid, NULL);
	j = json_loads(base, 0, NULL);
	free(base);
	if (raw == NULL) {
		json_object_del(j, key);
	} else {
		v = json_loads(raw, JSON_DECODE_ANY, NULL);
		cr_assert(v != NULL, "bad raw json in test: %s", raw);
		json_object_set_new(j, key, v);
	}
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (out);
}

static json_t *
post_expect_422(const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = post_internal(body);
	j = expect_422(r);
	http_resp_free(r);
	return (j);
}

static void
expect_created(const char *body)
{
	struct http_resp *r;

	r = post_internal(body);
	expect_status(r, 201);
	http_resp_free(r);
}

static struct http_resp *
get_customer(const char *tok, const char *id)
{
	char path[128];

	snprintf(path, sizeof(path), "/customers/%s", id);
	return (http_req_tok("GET", path, tok, NULL));
}

/* ---- create ---- */

static void
expect_create_on(const char *path)
{
	struct http_resp *r, *g;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char want_loc[128], *tok, *body;
	json_t *j, *gj;
	const char *id, *loc;

	uuid4(uid);
	uuid4(bid);
	tok = tok_internal();
	body = cust_body(uid, bid, NULL);
	r = post_as(tok, path, body);
	j = expect_customer_resp(r, 201, NULL);
	id = json_str(j, "id");
	cr_assert_str_eq(json_str(j, "full_name"), "Ana Popescu");
	cr_assert_str_eq(json_str(j, "email"), "ana@example.com");
	cr_assert_str_eq(json_str(j, "phone"), "+40798765432");
	cr_assert_str_eq(json_str(j, "gender"), "female");
	cr_assert(json_is_null(json_object_get(j, "avatar_url")));
	cr_assert_str_eq(json_str(j, "user_id"), uid);
	cr_assert_str_eq(json_str(j, "business_id"), bid);
	cr_assert_eq(json_integer_value(json_object_get(j, "total_orders")), 0);
	cr_assert_eq(json_integer_value(
			 json_object_get(j, "total_appointments")),
	    0);
	cr_assert(json_is_null(json_object_get(j, "last_order_date")));
	cr_assert(json_is_null(json_object_get(j, "last_appointment_date")));
	cr_assert(
	    json_number_value(json_object_get(j, "lifetime_value")) == 0.0);
	cr_assert_eq(json_object_size(json_object_get(j, "preferences")), 0);

	/* The row is really there, once. */
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1 "
			      "AND user_id = $2 AND business_id = $3",
			 id, uid, bid, DB_END),
	    1);

	/*
	 * Location names the resource and can be fetched; it keeps the prefix the client used (/api or none), so a
	 * client behind a proxy that only forwards /api can follow it.
	 */
	snprintf(want_loc, sizeof(want_loc), "%s/customers/%s",
	    strncmp(path, "/api/", 5) == 0 ? "/api" : "", id);
	loc = http_hdr(r, "location");
	cr_assert(loc != NULL, "no Location on 201");
	cr_assert_str_eq(loc, want_loc);
	g = http_req_tok("GET", loc, tok, NULL);
	expect_status(g, 200);
	gj = resp_json(g);
	cr_assert_str_eq(json_str(gj, "id"), id);
	json_decref(gj);
	json_decref(j);

	http_resp_free(g);
	http_resp_free(r);
	free(body);
	free(tok);
}

Test(create, internal_on_customers)
{
	expect_create_on("/customers");
}

Test(create, internal_on_customers_slash)
{
	expect_create_on("/customers/");
}

Test(create, internal_on_api_customers)
{
	expect_create_on("/api/customers");
}

Test(create, internal_on_api_customers_slash)
{
	expect_create_on("/api/customers/");
}

static void
expect_create_by(char *tok, const char *bid, int status, const char *detail)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], *body;
	json_t *j;

	uuid4(uid);
	body = cust_body(uid, bid, NULL);
	r = post_as(tok, "/customers", body);
	if (detail != NULL) {
		expect_detail(r, status, detail);
	} else {
		expect_status(r, status);
		j = resp_json(r);
		expect_customer(j);
		cr_assert_str_eq(json_str(j, "business_id"), bid);
		json_decref(j);
	}
	http_resp_free(r);
	free(body);
	free(tok);
}

Test(create, admin_of_business)
{
	char bid[UUID_STR_LEN];

	uuid4(bid);
	expect_create_by(tok_admin(bid), bid, 201, NULL);
}

Test(create, admin_by_business_ids)
{
	char b1[UUID_STR_LEN], b2[UUID_STR_LEN];

	uuid4(b1);
	uuid4(b2);
	expect_create_by(tok_admin_multi(b1, b2), b2, 201, NULL);
}

Test(create, superadmin)
{
	char bid[UUID_STR_LEN];

	uuid4(bid);
	expect_create_by(tok_superadmin(), bid, 201, NULL);
}

Test(create, admin_of_other_business)
{
	char mine[UUID_STR_LEN], other[UUID_STR_LEN];

	uuid4(mine);
	uuid4(other);
	expect_create_by(tok_admin(mine), other, 403,
	    "Admin privileges required");
}

Test(create, customer_forbidden)
{
	char sub[UUID_STR_LEN], bid[UUID_STR_LEN];

	uuid4(sub);
	uuid4(bid);
	expect_create_by(tok_customer(sub), bid, 403,
	    "Internal service or admin role required");
}

Test(create, client_forbidden)
{
	char bid[UUID_STR_LEN];

	uuid4(bid);
	expect_create_by(tok_role("client"), bid, 403,
	    "Internal service or admin role required");
}

Test(create, duplicate_is_409_with_id)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char id[UUID_STR_LEN], *body, want[160];

	uuid4(bid);
	cust_create(bid, id, uid);
	body = cust_body(uid, bid, "Another Name");
	r = post_internal(body);
	expect_status(r, 409);
	expect_json_ct(r);
	expect_module_headers(r);
	snprintf(want, sizeof(want),
	    "{\"detail\":\"Customer already exists\",\"id\":\"%s\"}", id);
	expect_body(r, want);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE "
			      "user_id = $1 AND business_id = $2",
			 uid, bid, DB_END),
	    1);
	http_resp_free(r);
	free(body);
}

/* The same user in another business is another customer. */
Test(create, same_user_other_business)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char b2[UUID_STR_LEN], id[UUID_STR_LEN], *body;

	uuid4(bid);
	uuid4(b2);
	cust_create(bid, id, uid);
	body = cust_body(uid, b2, NULL);
	r = post_internal(body);
	expect_status(r, 201);
	http_resp_free(r);
	free(body);
}

/* ---- create: validation ---- */

Test(create_422, empty_object_all_missing_in_order)
{
	static const char *want[] = { "[\"body\",\"full_name\"]",
		"[\"body\",\"email\"]", "[\"body\",\"user_id\"]",
		"[\"body\",\"business_id\"]" };
	json_t *j, *item, *loc;
	size_t i;

	j = post_expect_422("{}");
	cr_assert_eq(items_count(j), 4, "%s", json_dumps(j, JSON_COMPACT));
	for (i = 0; i < 4; i++) {
		item = json_array_get(json_object_get(j, "detail"), i);
		loc = json_loads(want[i], 0, NULL);
		cr_assert(json_equal(json_object_get(item, "loc"), loc),
		    "item %zu not at %s", i, want[i]);
		json_decref(loc);
		cr_assert_str_eq(json_str(item, "type"), "missing");
		cr_assert_str_eq(json_str(item, "msg"), "Field required");
	}
	json_decref(j);
}

Test(create_422, empty_body_missing)
{
	struct http_resp *r;
	json_t *j, *item;
	char *tok;

	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, "");
	j = expect_422(r);
	item = expect_item(j, "[\"body\"]", "missing", "Field required");
	cr_assert(json_is_null(json_object_get(item, "input")));
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(create_422, full_name_not_string)
{
	json_t *j, *item;
	char *b;

	b = body_with("full_name", "123");
	j = post_expect_422(b);
	item = expect_item(j, "[\"body\",\"full_name\"]", "string_type",
	    "Input should be a valid string");
	cr_assert_eq(json_integer_value(json_object_get(item, "input")), 123);
	cr_assert_eq(items_count(j), 1);
	json_decref(j);
	free(b);
}

Test(create_422, full_name_null)
{
	json_t *j;
	char *b;

	b = body_with("full_name", "null");
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"full_name\"]", "string_type",
	    "Input should be a valid string");
	json_decref(j);
	free(b);
}

Test(create_422, full_name_too_short)
{
	json_t *j, *item;
	char *b;

	b = body_with("full_name", "\"A\"");
	j = post_expect_422(b);
	item = expect_item(j, "[\"body\",\"full_name\"]", "string_too_short",
	    "String should have at least 2 characters");
	cr_assert_str_eq(json_str(item, "input"), "A");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(item, "ctx"),
			     "min_length")),
	    2);
	json_decref(j);
	free(b);
}

/* n copies of s as a JSON string literal. */
static char *
repeat_lit(const char *s, int n)
{
	char *out;
	size_t l;
	int i;

	l = strlen(s);
	out = malloc(l * n + 3);
	cr_assert(out != NULL);
	out[0] = '"';
	for (i = 0; i < n; i++)
		memcpy(out + 1 + l * i, s, l);
	out[1 + l * n] = '"';
	out[2 + l * n] = '\0';
	return (out);
}

Test(create_422, full_name_too_long)
{
	json_t *j, *item;
	char *b, *name;

	name = repeat_lit("x", 101);
	b = body_with("full_name", name);
	j = post_expect_422(b);
	item = expect_item(j, "[\"body\",\"full_name\"]", "string_too_long",
	    "String should have at most 100 characters");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(item, "ctx"),
			     "max_length")),
	    100);
	json_decref(j);
	free(b);
	free(name);
}

/* Lengths count code points, not bytes. */
Test(create_422, full_name_two_code_points_ok)
{
	char *b;

	b = body_with("full_name", "\"\xc3\x82n\"");
	expect_created(b);
	free(b);
}

Test(create_422, full_name_100_code_points_ok)
{
	char *b, *name;

	name = repeat_lit("\xc3\xa9", 100);
	b = body_with("full_name", name);
	expect_created(b);
	free(b);
	free(name);
}

Test(create_422, full_name_101_code_points_too_long)
{
	json_t *j;
	char *b, *name;

	name = repeat_lit("\xc3\xa9", 101);
	b = body_with("full_name", name);
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"full_name\"]", "string_too_long", NULL);
	json_decref(j);
	free(b);
	free(name);
}

/* \u escapes are decoded and stored, and answered, as UTF-8. */
Test(create, unicode_escape_stored_as_utf8)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char *body, *stored;
	json_t *j;

	uuid4(uid);
	uuid4(bid);
	if (asprintf(&body,
		"{\"full_name\":\"Ren\\u00e9e \\u0218tef\","
		"\"email\":\"r@example.com\",\"user_id\":\"%s\","
		"\"business_id\":\"%s\"}",
		uid, bid) == -1)
		cr_assert_fail("out of memory");
	r = post_internal(body);
	expect_status(r, 201);
	cr_assert(memmem(r->body, r->body_len,
		      "Ren\xc3\xa9"
		      "e \xc8\x98tef",
		      12) != NULL,
	    "name not answered as raw UTF-8: %s", r->body);
	j = resp_json(r);
	stored = db_value("SELECT full_name FROM customers WHERE id = $1",
	    json_str(j, "id"), DB_END);
	cr_assert_str_eq(stored,
	    "Ren\xc3\xa9"
	    "e \xc8\x98tef");
	free(stored);
	json_decref(j);
	http_resp_free(r);
	free(body);
}

Test(create_422, nul_in_string)
{
	json_t *j;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN], *b;

	/* Written by hand: jansson itself refuses \u0000 without a flag. */
	uuid4(uid);
	uuid4(bid);
	if (asprintf(&b,
		"{\"full_name\":\"Ana\\u0000Pop\","
		"\"email\":\"a@example.com\",\"user_id\":\"%s\","
		"\"business_id\":\"%s\"}",
		uid, bid) == -1)
		cr_assert_fail("out of memory");
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"full_name\"]",
	    json_str(json_array_get(json_object_get(j, "detail"), 0), "type"),
	    NULL);
	json_decref(j);
	free(b);
}

Test(create_422, bad_email)
{
	json_t *j, *item;
	char *b;

	b = body_with("email", "\"nope\"");
	j = post_expect_422(b);
	item = expect_item(j, "[\"body\",\"email\"]", "value_error",
	    "value is not a valid email address: An email address must have "
	    "an @-sign.");
	cr_assert_str_eq(json_str(item, "input"), "nope");
	json_decref(j);
	free(b);
}

Test(create, email_domain_lower_cased)
{
	struct http_resp *r;
	json_t *j;
	char *b;

	b = body_with("email", "\"Ana.P@EXAMPLE.Com\"");
	r = post_internal(b);
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "email"), "Ana.P@example.com");
	json_decref(j);
	http_resp_free(r);
	free(b);
}

static void
expect_bad_phone(const char *lit)
{
	json_t *j;
	char *b;

	b = body_with("phone", lit);
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"phone\"]", "string_pattern_mismatch",
	    "String should match pattern '" PHONE_PATTERN "'");
	json_decref(j);
	free(b);
}

Test(create_422, bad_phone_short)
{
	expect_bad_phone("\"123\"");
}

Test(create_422, bad_phone_not_mobile)
{
	expect_bad_phone("\"0812345678\"");
}

Test(create_422, bad_phone_plus_zero)
{
	expect_bad_phone("\"+0712345678\"");
}

Test(create_422, bad_phone_too_long)
{
	expect_bad_phone("\"+4071234567890123\"");
}

Test(create_422, bad_phone_trailing_newline)
{
	expect_bad_phone("\"0712345678\\n\"");
}

Test(create, good_phones)
{
	static const char *ok[] = { "\"0712345678\"", "\"712345678\"",
		"\"+40712345678\"", "\"+14155552671\"", "null", NULL };
	char *b;
	int i;

	for (i = 0; ok[i] != NULL; i++) {
		b = body_with("phone", ok[i]);
		expect_created(b);
		free(b);
	}
}

Test(create_422, bad_gender)
{
	json_t *j, *item;
	char *b;

	b = body_with("gender", "\"m\"");
	j = post_expect_422(b);
	item = expect_item(j, "[\"body\",\"gender\"]", "enum",
	    "Input should be 'male', 'female' or 'other'");
	cr_assert_str_eq(json_str(json_object_get(item, "ctx"), "expected"),
	    "'male', 'female' or 'other'");
	json_decref(j);
	free(b);
}

Test(create_422, bad_user_id)
{
	json_t *j;
	char *b;

	b = body_with("user_id", "\"x\"");
	j = post_expect_422(b);
	expect_item_msg_prefix(j, "[\"body\",\"user_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	json_decref(j);
	free(b);
}

/* Every problem reported, in schema order (docs/api.md, errors). */
Test(create_422, many_errors_in_schema_order)
{
	static const char *order[] = { "full_name", "email", "phone", "gender",
		"user_id" };
	json_t *j, *item;
	char bid[UUID_STR_LEN], *b;
	size_t i;

	uuid4(bid);
	if (asprintf(&b,
		"{\"user_id\":\"x\",\"gender\":\"m\",\"phone\":"
		"\"123\",\"email\":\"nope\",\"full_name\":\"A\","
		"\"business_id\":\"%s\"}",
		bid) == -1)
		cr_assert_fail("out of memory");
	j = post_expect_422(b);
	cr_assert_eq(items_count(j), 5, "%s", json_dumps(j, JSON_COMPACT));
	for (i = 0; i < 5; i++) {
		item = json_array_get(json_object_get(j, "detail"), i);
		cr_assert_str_eq(json_string_value(
				     json_array_get(json_object_get(item,
							"loc"),
					 1)),
		    order[i]);
	}
	json_decref(j);
	free(b);
}

Test(create_422, malformed_json)
{
	struct http_resp *r;
	json_t *j, *item, *loc;
	char *tok;

	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, "{x");
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	item = json_array_get(json_object_get(j, "detail"), 0);
	cr_assert_str_eq(json_str(item, "type"), "json_invalid");
	cr_assert_str_eq(json_str(item, "msg"), "JSON decode error");
	loc = json_object_get(item, "loc");
	cr_assert_str_eq(json_string_value(json_array_get(loc, 0)), "body");
	cr_assert(json_is_integer(json_array_get(loc, 1)),
	    "loc[1] is not a character offset");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(create_422, trailing_garbage)
{
	struct http_resp *r;
	json_t *j;
	char *tok;

	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, "{} x");
	j = expect_422(r);
	cr_assert_str_eq(json_str(json_array_get(json_object_get(j, "detail"),
				      0),
			     "type"),
	    "json_invalid");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(create, invalid_utf8_is_400)
{
	struct http_resp *r;
	char *tok, *b;

	tok = tok_internal();
	b = body_with("full_name", "\"Ana Pop\"");
	/* "Ana Pop" becomes "Ana\xffPop": a byte no UTF-8 text holds. */
	strstr(b, "Ana Pop")[3] = '\xff';
	r = http_req_tok("POST", "/customers", tok, b);
	expect_detail(r, 400, "There was an error parsing the body");
	http_resp_free(r);
	free(b);
	free(tok);
}

Test(create_422, body_not_object)
{
	json_t *j;

	j = post_expect_422("[]");
	expect_item(j, "[\"body\"]",
	    json_str(json_array_get(json_object_get(j, "detail"), 0), "type"),
	    NULL);
	json_decref(j);
}

/* ---- get ---- */

static void
expect_get_ok(char *tok, const char *id, const char *bid)
{
	struct http_resp *r;
	json_t *j;

	r = get_customer(tok, id);
	j = expect_customer_resp(r, 200, id);
	cr_assert_str_eq(json_str(j, "business_id"), bid);
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

static void
expect_get_404(char *tok, const char *id)
{
	struct http_resp *r;

	r = get_customer(tok, id);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(tok);
}

Test(get, superadmin)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	expect_get_ok(tok_superadmin(), id, bid);
}

Test(get, admin_of_business)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	expect_get_ok(tok_admin(bid), id, bid);
}

Test(get, admin_manager_of_business)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char claims[256];

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%s\",\"role\":"
	    "\"admin_manager\",\"business_id\":\"%s\",\"exp\":%ld}",
	    uid, bid, (long)time(NULL) + TOK_TTL);
	expect_get_ok(tok_claims(claims, JWT_ALG_HS256, NULL), id, bid);
}

Test(get, admin_by_business_ids)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char other[UUID_STR_LEN];

	uuid4(bid);
	uuid4(other);
	cust_create(bid, id, uid);
	expect_get_ok(tok_admin_multi(other, bid), id, bid);
}

Test(get, own_profile_as_customer)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	expect_get_ok(tok_customer(uid), id, bid);
}

Test(get, own_profile_as_client)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char claims[256];

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%s\",\"role\":\"client\","
	    "\"exp\":%ld}",
	    uid, (long)time(NULL) + TOK_TTL);
	expect_get_ok(tok_claims(claims, JWT_ALG_HS256, NULL), id, bid);
}

Test(get, internal)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	expect_get_ok(tok_internal(), id, bid);
}

Test(get, admin_of_other_business_404)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char other[UUID_STR_LEN];

	uuid4(bid);
	uuid4(other);
	cust_create(bid, id, uid);
	expect_get_404(tok_admin(other), id);
}

Test(get, other_customer_404)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char someone[UUID_STR_LEN];

	uuid4(bid);
	uuid4(someone);
	cust_create(bid, id, uid);
	expect_get_404(tok_customer(someone), id);
}

Test(get, nonexistent_404)
{
	char id[UUID_STR_LEN];

	uuid4(id);
	expect_get_404(tok_superadmin(), id);
}

/* Rows written by anything else (the original, a migration) are served. */
Test(get, row_inserted_directly)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char bid[UUID_STR_LEN], other[UUID_STR_LEN], *tok;
	json_t *j;

	uuid4(uid);
	uuid4(bid);
	uuid4(other);
	db_insert_customer(uid, bid, "Direct Row", id);
	tok = tok_admin(bid);
	r = get_customer(tok, id);
	expect_status(r, 200);
	j = resp_json(r);
	expect_customer(j);
	cr_assert_str_eq(json_str(j, "full_name"), "Direct Row");
	cr_assert_str_eq(json_str(j, "user_id"), uid);
	json_decref(j);
	http_resp_free(r);
	free(tok);
	expect_get_404(tok_admin(other), id);
}

Test(get, malformed_id_422)
{
	struct http_resp *r;
	json_t *j, *item;
	char *tok;

	tok = tok_superadmin();
	r = get_customer(tok, "notauuid");
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	expect_item_msg_prefix(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	item = json_array_get(json_object_get(j, "detail"), 0);
	cr_assert_str_eq(json_str(item, "input"), "notauuid");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

static void
expect_alt_form_ok(int upper, int simple)
{
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char alt[UUID_STR_LEN];
	size_t i, n;
	struct http_resp *r;
	json_t *j;
	char *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	for (i = 0, n = 0; id[i] != '\0'; i++) {
		if (simple && id[i] == '-')
			continue;
		alt[n++] = upper ? toupper((unsigned char)id[i]) : id[i];
	}
	alt[n] = '\0';
	tok = tok_superadmin();
	r = get_customer(tok, alt);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "id"), id, "id answered lower-case");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(get, upper_case_id)
{
	expect_alt_form_ok(1, 0);
}

Test(get, simple_hex_id)
{
	expect_alt_form_ok(0, 1);
}

Test(get, api_prefix_trailing_slash)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char path[128], *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(path, sizeof(path), "/api/customers/%s/", id);
	tok = tok_superadmin();
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	http_resp_free(r);
	free(tok);
}

/* ---- methods ---- */

static void
expect_405(const char *method, const char *path, const char *must,
    const char *must_not)
{
	struct http_resp *r;
	const char *allow;
	char *tok;

	tok = tok_superadmin();
	r = http_req_tok(method, path, tok,
	    strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ? "{}" :
									NULL);
	expect_detail(r, 405, "Method Not Allowed");
	allow = http_hdr(r, "allow");
	cr_assert(allow != NULL, "405 without Allow");
	cr_assert(strstr(allow, must) != NULL, "Allow: %s lacks %s", allow,
	    must);
	cr_assert(strstr(allow, must_not) == NULL, "Allow: %s has %s", allow,
	    must_not);
	http_resp_free(r);
	free(tok);
}

Test(methods, put_customer_405)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	expect_405("PUT", path, "GET", "PUT");
}

Test(methods, post_customer_405)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/api/customers/%s", id);
	expect_405("POST", path, "GET", "POST");
}

Test(methods, put_collection_405)
{
	expect_405("PUT", "/customers", "POST", "PUT");
}

/*
 * HEAD is not a documented method here (the original answered 405); it may
 * be 405 or a bodiless 200, but never a body that desynchronises a
 * keep-alive connection: the next request on it must parse cleanly.
 */
Test(methods, head_customer_no_body)
{
	struct http_conn *c;
	struct http_resp *r;
	char id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char bid[UUID_STR_LEN], path[64], *tok, *authz;
	const char *hdrs[2];

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(path, sizeof(path), "/customers/%s", id);
	tok = tok_superadmin();
	if (asprintf(&authz, "Authorization: Bearer %s", tok) == -1)
		cr_assert_fail("out of memory");
	hdrs[0] = authz;
	hdrs[1] = NULL;

	c = http_conn_open();
	r = http_conn_req(c, "HEAD", path, hdrs, NULL, 0);
	cr_assert(r->status == 405 || r->status == 200, "HEAD gave %d",
	    r->status);
	if (r->status == 405)
		cr_assert(http_hdr(r, "allow") != NULL, "405 without Allow");
	http_resp_free(r);
	r = http_conn_req(c, "GET", path, hdrs, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	http_conn_close(c);
	free(authz);
	free(tok);
}

/* ---- create: JSON details (docs/api.md) ---- */

/* The last duplicate key wins, as in Python's json. */
static struct http_resp *
post_dup_names(const char *first, const char *last)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN], *b;

	uuid4(uid);
	uuid4(bid);
	if (asprintf(&b,
		"{\"full_name\":\"%s\",\"email\":\"d@example.com\","
		"\"full_name\":\"%s\",\"user_id\":\"%s\","
		"\"business_id\":\"%s\"}",
		first, last, uid, bid) == -1)
		cr_assert_fail("out of memory");
	r = post_internal(b);
	free(b);
	return (r);
}

Test(create, duplicate_key_last_wins)
{
	struct http_resp *r;
	json_t *j;

	r = post_dup_names("A", "Ana Last");
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "full_name"), "Ana Last");
	json_decref(j);
	http_resp_free(r);
}

Test(create_422, duplicate_key_last_invalid)
{
	struct http_resp *r;
	json_t *j;

	r = post_dup_names("Ana First", "A");
	j = expect_422(r);
	expect_item(j, "[\"body\",\"full_name\"]", "string_too_short", NULL);
	json_decref(j);
	http_resp_free(r);
}

Test(create, preferences_stored)
{
	struct http_resp *r;
	json_t *j, *want;
	char *b, *stored;

	b = body_with("preferences", "{\"newsletter\":true,\"lang\":\"ro\"}");
	r = post_internal(b);
	expect_status(r, 201);
	j = resp_json(r);
	want = json_pack("{s:b, s:s}", "newsletter", 1, "lang", "ro");
	cr_assert(json_equal(json_object_get(j, "preferences"), want));
	stored = db_value("SELECT preferences->>'lang' FROM customers "
			  "WHERE id = $1",
	    json_str(j, "id"), DB_END);
	cr_assert_str_eq(stored, "ro");
	free(stored);
	json_decref(want);
	json_decref(j);
	http_resp_free(r);
	free(b);
}

Test(create_422, preferences_not_object)
{
	json_t *j;
	char *b;

	b = body_with("preferences", "[1,2]");
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"preferences\"]", "dict_type", NULL);
	json_decref(j);
	free(b);
}

Test(create_422, preferences_too_large)
{
	json_t *j;
	char *b, *big, *raw;

	big = repeat_lit("x", 4100);
	if (asprintf(&raw, "{\"k\":%s}", big) == -1)
		cr_assert_fail("out of memory");
	b = body_with("preferences", raw);
	j = post_expect_422(b);
	expect_item(j, "[\"body\",\"preferences\"]", "value_error", NULL);
	json_decref(j);
	free(b);
	free(raw);
	free(big);
}

/* Unknown keys are ignored; server-owned fields cannot be set. */
Test(create, server_fields_ignored)
{
	struct http_resp *r;
	json_t *j;
	char *b, *b2;

	b = body_with("total_orders", "99");
	b2 = NULL;
	j = json_loads(b, 0, NULL);
	json_object_set_new(j, "id", json_string("not-even-a-uuid"));
	json_object_set_new(j, "lifetime_value", json_real(1e6));
	b2 = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	r = post_internal(b2);
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert_eq(json_integer_value(json_object_get(j, "total_orders")), 0);
	cr_assert(
	    json_number_value(json_object_get(j, "lifetime_value")) == 0.0);
	cr_assert(uuid_is_canonical(json_str(j, "id")));
	json_decref(j);
	http_resp_free(r);
	free(b2);
	free(b);
}
