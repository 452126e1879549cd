/*
 * GDPR export and erasure (docs/api.md): GET /customers/{id}/export and POST
 * /gdpr/export give one shape, the customer exactly as GET /customers/{id}
 * shows it, then tags, notes, history (only when a customer_history row
 * exists), orders, appointments and stats exactly as their own routes show
 * them; POST /gdpr/delete erases the customer, its tags, notes, history, orders
 * and appointments, with one `deleted` event. Who may, tenant isolation
 * (nothing changes), and the body's 422 items.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "hist.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define NOT_FOUND "Customer not found"

/* A customer with something in every part of the export. */
struct fx {
	char bid[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
	char id[UUID_STR_LEN];
	char tag[3][UUID_STR_LEN];
	char note[2][UUID_STR_LEN];
	char author[UUID_STR_LEN];
	char pre[UUID_STR_LEN]; /* prefix of the upstream history ids */
	char order[3][80]; /* 0, 1: this customer's; 2: another user's */
	char appt[2][80]; /* 0: this customer's; 1: another business's */
};

static char *
pair_body(const char *uid, const char *bid)
{
	char *s;

	if (asprintf(&s, "{\"user_id\":\"%s\",\"business_id\":\"%s\"}", uid,
		bid) == -1)
		cr_assert_fail("out of memory");
	return (s);
}

static void
fx_make(struct fx *f, int with_history_rows)
{
	char other[UUID_STR_LEN];

	uuid4(f->bid);
	cust_create(f->bid, f->id, f->uid);
	uuid4(f->author);
	uuid4(f->pre);
	/* tags: the export orders them by label (bytewise), then id */
	uuid4(f->tag[0]);
	uuid4(f->tag[1]);
	uuid4(f->tag[2]);
	db_exec("INSERT INTO customer_tags (id, customer_id, label, color,"
		" priority) VALUES ($1, $4, 'VIP', 'red', 5),"
		" ($2, $4, 'Loyal', NULL, 0), ($3, $4, 'loyal', NULL, 0)",
	    f->tag[0], f->tag[1], f->tag[2], f->id, DB_END);
	/* notes: newest first */
	uuid4(f->note[0]);
	uuid4(f->note[1]);
	db_exec(
	    "INSERT INTO customer_notes (id, customer_id, content,"
	    " created_by, created_at) VALUES"
	    " ($1, $3, 'Prefers mornings', $4, '2025-01-01 10:00:00.123456'),"
	    " ($2, $3, 'Says \"hi\" — Ștefan\n2nd line', $4,"
	    "  '2025-02-01 10:00:00')",
	    f->note[0], f->note[1], f->id, f->author, DB_END);
	if (!with_history_rows)
		return;
	uuid4(other);
	snprintf(f->order[0], sizeof(f->order[0]), "%s-o0", f->pre);
	snprintf(f->order[1], sizeof(f->order[1]), "%s-o1", f->pre);
	snprintf(f->order[2], sizeof(f->order[2]), "%s-o2", f->pre);
	snprintf(f->appt[0], sizeof(f->appt[0]), "%s-a0", f->pre);
	snprintf(f->appt[1], sizeof(f->appt[1]), "%s-a1", f->pre);
	hist_order(f->bid, f->uid, f->order[0], "12.50", "paid",
	    "2025-07-01 10:00:00+00", "2025-07-02 10:00:00+00");
	hist_order(f->bid, f->uid, f->order[1], "2750.00", "created",
	    "2025-07-03 10:00:00+00", "2025-07-03 10:00:00+00");
	hist_order(f->bid, other, f->order[2], "1.00", "created",
	    "2025-07-03 10:00:00+00", "2025-07-03 10:00:00+00");
	hist_appointment(f->bid, f->uid, f->appt[0], "2025-08-01 09:00:00+00",
	    "booked", "2025-07-03 10:00:00+00");
	hist_appointment(other, f->uid, f->appt[1], "2025-08-02 09:00:00+00",
	    "booked", "2025-07-03 10:00:00+00");
	db_exec("UPDATE customers SET total_orders = 2, total_appointments = 1,"
		" last_order_date = '2025-07-03',"
		" last_appointment_date = '2025-08-01',"
		" lifetime_value = 2762.50 WHERE id = $1",
	    f->id, DB_END);
}

/* The body of a 200 GET, malloc'd. */
static char *
get_200(const char *fmt, const char *id)
{
	struct http_resp *r;
	char path[160], *tok, *body;

	snprintf(path, sizeof(path), fmt, id);
	tok = tok_superadmin();
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	body = strdup(r->body);
	cr_assert(body != NULL);
	http_resp_free(r);
	free(tok);
	return (body);
}

static char *
dump(json_t *j)
{
	char *s;

	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert(s != NULL);
	json_decref(j);
	return (s);
}

/*
 * The export the contract promises for fixture f, assembled from the
 * other routes' bodies (byte for byte) and the rows the fixture wrote.
 */
static char *
fx_export(const struct fx *f, const char *history)
{
	char *customer, *orders, *appts, *stats, *tags, *notes, *out;

	customer = get_200("/customers/%s", f->id);
	orders = get_200("/customers/%s/orders", f->id);
	appts = get_200("/customers/%s/appointments", f->id);
	stats = get_200("/customers/%s/stats", f->id);
	tags = dump(json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "id",
	    f->tag[1], "label", "Loyal", "id", f->tag[0], "label", "VIP", "id",
	    f->tag[2], "label", "loyal"));
	notes = dump(
	    json_pack("[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]", "id", f->note[1],
		"content", "Says \"hi\" — Ștefan\n2nd line", "created_by",
		f->author, "created_at", "2025-02-01T10:00:00.000000Z", "id",
		f->note[0], "content", "Prefers mornings", "created_by",
		f->author, "created_at", "2025-01-01T10:00:00.123456Z"));
	if (asprintf(&out,
		"{\"customer\":%s,\"tags\":%s,\"notes\":%s%s%s,"
		"\"orders\":%s,\"appointments\":%s,\"stats\":%s}",
		customer, tags, notes, history ? ",\"history\":" : "",
		history ? history : "", orders, appts, stats) == -1)
		cr_assert_fail("out of memory");
	free(customer);
	free(orders);
	free(appts);
	free(stats);
	free(tags);
	free(notes);
	return (out);
}

static struct http_resp *
export_path(const char *tok, const char *fmt, const char *id)
{
	char path[160];

	snprintf(path, sizeof(path), fmt, id);
	return (http_req_tok("GET", path, tok, NULL));
}

static struct http_resp *
export_body(const char *tok, const char *path, const char *uid, const char *bid)
{
	struct http_resp *r;
	char *body;

	body = pair_body(uid, bid);
	r = http_req_tok("POST", path, tok, body);
	free(body);
	return (r);
}

static void
expect_export(struct http_resp *r, const char *want)
{
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, want);
}

/* ---- export ---- */

Test(export, full_shape_without_history_row)
{
	struct http_resp *r;
	struct fx f;
	char *want, *tok;
	json_t *j;
	static const char *keys[] = { "customer", "tags", "notes", "orders",
		"appointments", "stats", NULL };

	fx_make(&f, 1);
	want = fx_export(&f, NULL);
	tok = tok_customer(f.uid);
	r = export_path(tok, "/customers/%s/export", f.id);
	expect_export(r, want);
	/* the parts, in order; history absent */
	j = resp_json(r);
	expect_key_order(j, keys, "export");
	expect_customer(json_object_get(j, "customer"));
	cr_assert_eq(json_array_size(json_object_get(j, "orders")), 2);
	cr_assert_eq(json_array_size(json_object_get(j, "appointments")), 1);
	cr_assert(json_number_value(json_object_get(json_object_get(j, "stats"),
		      "lifetime_value")) == 2762.5);
	json_decref(j);
	http_resp_free(r);
	free(want);
	free(tok);
}

/* The customer part is byte for byte GET /customers/{id}'s body. */
Test(export, customer_part_is_the_profile_bytes)
{
	struct http_resp *r;
	char *get, *tok;
	size_t n;
	struct fx f;

	fx_make(&f, 0);
	db_exec(
	    "UPDATE customers SET preferences = '{\"z\": 1, \"a\": "
	    "[true, null], \"lang\": \"ro\"}', avatar_url = 'https://x/y.png'"
	    " WHERE id = $1",
	    f.id, DB_END);
	get = get_200("/customers/%s", f.id);
	tok = tok_admin(f.bid);
	r = export_body(tok, "/gdpr/export", f.uid, f.bid);
	expect_status(r, 200);
	n = strlen(get);
	cr_assert(r->body_len > 12 + n);
	cr_assert(memcmp(r->body, "{\"customer\":", 12) == 0);
	cr_assert(memcmp(r->body + 12, get, n) == 0,
	    "customer part differs:\n  export %.*s\n  get    %s",
	    (int)(r->body_len - 12), r->body + 12, get);
	cr_assert(r->body[12 + n] == ',');
	http_resp_free(r);
	free(get);
	free(tok);
}

/* Tags and notes come in their own routes' order, ties included. */
Test(export, tags_and_notes_in_their_routes_order)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char n[3][UUID_STR_LEN], author[UUID_STR_LEN], path[160];
	static const char *parts[] = { "tags", "notes" };
	struct http_resp *r, *e;
	json_t *ej, *lj, *a, *b;
	char *tok;
	size_t i, k;

	uuid4(bid);
	cust_create(bid, id, uid);
	uuid4(author);
	for (i = 0; i < 3; i++)
		uuid4(n[i]);
	db_exec("INSERT INTO customer_notes (id, customer_id, content,"
		" created_by, created_at) VALUES"
		" ($1, $4, 'a', $5, '2025-01-01 10:00:00'),"
		" ($2, $4, 'b', $5, '2025-01-01 10:00:00'),"
		" ($3, $4, 'c', $5, '2025-01-01 10:00:00')",
	    n[0], n[1], n[2], id, author, DB_END);
	db_exec("INSERT INTO customer_tags (id, customer_id, label) VALUES"
		" ($1, $4, 'b'), ($2, $4, 'B'), ($3, $4, 'a')",
	    n[0], n[1], n[2], id, DB_END);
	tok = tok_admin(bid);
	snprintf(path, sizeof(path), "/customers/%s/export", id);
	e = http_req_tok("GET", path, tok, NULL);
	expect_status(e, 200);
	ej = resp_json(e);
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "/customers/%s/%s", id, parts[k]);
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 200);
		lj = resp_json(r);
		a = json_object_get(ej, parts[k]);
		cr_assert_eq(json_array_size(a), 3);
		cr_assert_eq(json_array_size(lj), 3);
		json_array_foreach(lj, i, b)
			cr_assert_str_eq(json_str(json_array_get(a, i), "id"),
			    json_str(b, "id"), "%s[%zu]", parts[k], i);
		json_decref(lj);
		http_resp_free(r);
	}
	json_decref(ej);
	http_resp_free(e);
	free(tok);
}

Test(export, empty_lists_when_nothing_else)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	struct http_resp *r;
	char *get, *want, *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	get = get_200("/customers/%s", id);
	if (asprintf(&want,
		"{\"customer\":%s,\"tags\":[],\"notes\":[],\"orders\":[],"
		"\"appointments\":[],\"stats\":{\"total_orders\":0,"
		"\"total_appointments\":0,\"last_order_date\":null,"
		"\"last_appointment_date\":null,\"lifetime_value\":0.0}}",
		get) == -1)
		cr_assert_fail("out of memory");
	tok = tok_customer(uid);
	r = export_path(tok, "/customers/%s/export", id);
	expect_export(r, want);
	http_resp_free(r);
	free(want);
	free(get);
	free(tok);
}

/* "history" only when a customer_history row exists, after notes. */
Test(export, history_key_only_with_a_history_row)
{
	char hid[UUID_STR_LEN], history[512];
	struct http_resp *r;
	char *want, *tok;
	struct fx f;

	fx_make(&f, 1);
	uuid4(hid);
	db_exec("INSERT INTO customer_history (id, customer_id,"
		" first_order_date, first_appointment_date, returned_orders,"
		" cancelled_appointments) VALUES ($1, $2, '2025-07-01', NULL,"
		" 2, 0)",
	    hid, f.id, DB_END);
	snprintf(history, sizeof(history),
	    "{\"id\":\"%s\",\"first_order_date\":\"2025-07-01\","
	    "\"first_appointment_date\":null,\"returned_orders\":2,"
	    "\"cancelled_appointments\":0}",
	    hid);
	want = fx_export(&f, history);
	tok = tok_superadmin();
	r = export_path(tok, "/api/customers/%s/export/", f.id);
	expect_export(r, want);
	http_resp_free(r);
	r = export_body(tok, "/api/gdpr/export", f.uid, f.bid);
	expect_export(r, want);
	http_resp_free(r);
	free(want);
	free(tok);
}

/* Every path form of both routes gives the same bytes. */
Test(export, both_forms_on_every_path_are_equal)
{
	static const char *paths[] = { "/customers/%s/export",
		"/customers/%s/export/", "/api/customers/%s/export",
		"/api/customers/%s/export/" };
	static const char *gdpr[] = { "/gdpr/export", "/gdpr/export/",
		"/api/gdpr/export", "/api/gdpr/export/" };
	struct http_resp *r;
	char *want, *tok, upper[UUID_STR_LEN], braced[UUID_STR_LEN + 2];
	struct fx f;
	size_t i;

	fx_make(&f, 1);
	want = fx_export(&f, NULL);
	tok = tok_sub("client", f.uid, NULL);
	for (i = 0; i < 4; i++) {
		r = export_path(tok, paths[i], f.id);
		expect_export(r, want);
		http_resp_free(r);
		r = export_body(tok, gdpr[i], f.uid, f.bid);
		expect_export(r, want);
		http_resp_free(r);
	}
	/* the original's UUID forms in the body name the same customer */
	for (i = 0; i < UUID_STR_LEN; i++)
		upper[i] = (char)((f.uid[i] >= 'a' && f.uid[i] <= 'f') ?
			f.uid[i] - 32 :
			f.uid[i]);
	snprintf(braced, sizeof(braced), "{%s}", f.bid);
	r = export_body(tok, "/gdpr/export", upper, braced);
	expect_export(r, want);
	http_resp_free(r);
	free(want);
	free(tok);
}

Test(export, role_matrix_and_tenants)
{
	char path[160], *body, *want;
	struct fx f;

	fx_make(&f, 1);
	want = fx_export(&f, NULL);
	snprintf(path, sizeof(path), "/customers/%s/export", f.id);
	who_matrix("GET", path, NULL, f.bid, f.uid, matrix_gdpr, MATRIX_N,
	    want);
	body = pair_body(f.uid, f.bid);
	who_matrix("POST", "/gdpr/export", body, f.bid, f.uid, matrix_gdpr,
	    MATRIX_N, want);
	free(body);
	free(want);
}

Test(export, unknown_customer_is_404)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char other[UUID_STR_LEN];
	struct http_resp *r;
	char *tok;

	uuid4(bid);
	uuid4(other);
	cust_create(bid, id, uid);
	tok = tok_superadmin();
	r = export_path(tok, "/customers/%s/export", other);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	/* the right user in another business, another user in the business */
	r = export_body(tok, "/gdpr/export", uid, other);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	r = export_body(tok, "/gdpr/export", other, bid);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	free(tok);
}

Test(export, bad_path_id_is_422)
{
	struct http_resp *r;
	char *tok;

	tok = tok_customer("8f14e45f-ceea-467f-a9f4-1f1e2b3c4d5e");
	r = export_path(tok, "/customers/%s/export", "nope");
	expect_bad_path_id(r);
	free(tok);
}

/* ---- the /gdpr body (both routes) ---- */

static json_t *
post_422(const char *path, const char *body)
{
	struct http_resp *r;
	json_t *j;
	char *tok;

	tok = tok_superadmin();
	r = http_req_tok("POST", path, tok, body);
	j = expect_422(r);
	http_resp_free(r);
	free(tok);
	return (j);
}

static void
expect_exact_422(const char *path, const char *body, const char *want)
{
	struct http_resp *r;
	char *tok;

	tok = tok_superadmin();
	r = http_req_tok("POST", path, tok, body);
	expect_status(r, 422);
	expect_module_headers(r);
	expect_body(r, want);
	http_resp_free(r);
	free(tok);
}

static void
gdpr_body_rules(const char *path)
{
	char uid[UUID_STR_LEN];
	char body[256];
	json_t *j;

	uuid4(uid);
	expect_exact_422(path, "",
	    "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],"
	    "\"msg\":\"Field required\",\"input\":null}]}");
	expect_exact_422(path, "{}",
	    "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\","
	    "\"user_id\"],\"msg\":\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"business_id\"],"
	    "\"msg\":\"Field required\",\"input\":{}}]}");

	snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", uid);
	j = post_422(path, body);
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"body\",\"business_id\"]", "missing",
	    "Field required");
	json_decref(j);

	j = post_422(path,
	    "{\"user_id\":\"x\",\"business_id\":"
	    "\"12345678-1234-1234-1234-1234567890123\"}");
	cr_assert_eq(items_count(j), 2);
	expect_item(j, "[\"body\",\"user_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, invalid character: expected an "
	    "optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found "
	    "`x` at 1");
	expect_item(j, "[\"body\",\"business_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, invalid group length in group 4: "
	    "expected 12, found 13");
	json_decref(j);

	j = post_422(path, "{\"user_id\":1,\"business_id\":null}");
	cr_assert_eq(items_count(j), 2);
	expect_item(j, "[\"body\",\"user_id\"]", "uuid_type",
	    "UUID input should be a string, bytes or UUID object");
	expect_item(j, "[\"body\",\"business_id\"]", "uuid_type",
	    "UUID input should be a string, bytes or UUID object");
	json_decref(j);

	j = post_422(path, "[]");
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"body\"]", "model_attributes_type",
	    "Input should be a valid dictionary or object to extract fields "
	    "from");
	json_decref(j);
	j = post_422(path, "\"x\"");
	expect_item(j, "[\"body\"]", "model_attributes_type", NULL);
	json_decref(j);

	j = post_422(path, "{\"user_id\": ");
	cr_assert_eq(items_count(j), 1);
	cr_assert_str_eq(json_str(json_array_get(json_object_get(j, "detail"),
				      0),
			     "type"),
	    "json_invalid");
	json_decref(j);
}

Test(gdpr, export_body_rules)
{
	gdpr_body_rules("/gdpr/export");
}

Test(gdpr, delete_body_rules)
{
	gdpr_body_rules("/api/gdpr/delete/");
}

Test(gdpr, other_methods_are_405)
{
	static const char *paths[] = { "/gdpr/export", "/api/gdpr/delete" };
	struct http_resp *r;
	char *tok;
	size_t i;

	tok = tok_superadmin();
	for (i = 0; i < 2; i++) {
		r = http_req_tok("GET", paths[i], tok, NULL);
		expect_405_and_free(r, "POST");
	}
	free(tok);
}

Test(gdpr, no_token_is_401)
{
	struct http_resp *r;

	r = http_req_tok("POST", "/gdpr/delete", NULL, "{}");
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
	r = http_req_tok("POST", "/gdpr/export", NULL, "{}");
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
}

/* ---- erasure ---- */

/* What the erasure must remove (or keep) of fixture f, counted. */
static long
fx_rows(const struct fx *f)
{
	return (db_count("SELECT (SELECT count(*) FROM customers WHERE id = $1)"
			 " + (SELECT count(*) FROM customer_tags"
			 "    WHERE customer_id = $1)"
			 " + (SELECT count(*) FROM customer_notes"
			 "    WHERE customer_id = $1)"
			 " + (SELECT count(*) FROM customer_history"
			 "    WHERE customer_id = $1)"
			 " + (SELECT count(*) FROM customer_orders"
			 "    WHERE business_id = $2 AND user_id = $3)"
			 " + (SELECT count(*) FROM customer_appointments"
			 "    WHERE business_id = $2 AND user_id = $3)",
	    f->id, f->bid, f->uid, DB_END));
}

/* 1 customer + 3 tags + 2 notes + 1 history + 2 orders + 1 appointment */
#define FX_ROWS 10

static void
fx_history_row(const struct fx *f)
{
	char hid[UUID_STR_LEN];

	uuid4(hid);
	db_exec(
	    "INSERT INTO customer_history (id, customer_id, returned_orders)"
	    " VALUES ($1, $2, 1)",
	    hid, f->id, DB_END);
}

static long
deleted_events(const char *id)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND routing_key = 'v1.customer.deleted'",
	    id, DB_END));
}

Test(gdpr, delete_erases_everything_once)
{
	struct http_resp *r;
	struct fx f;
	char *body, *tok, *v, want[512];
	const char *hdrs[4];
	char auth[2048];

	fx_make(&f, 1);
	fx_history_row(&f);
	cr_assert_eq(fx_rows(&f), FX_ROWS);

	tok = tok_customer(f.uid);
	body = pair_body(f.uid, f.bid);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = "X-Trace-Id: gdpr-erase.trace:1";
	hdrs[3] = NULL;
	r = http_req("POST", "/gdpr/delete", hdrs, body, strlen(body));
	expect_status(r, 204);
	expect_module_headers(r);
	cr_assert_eq(r->body_len, 0);
	http_resp_free(r);

	/* everything of that (business, user) is gone */
	cr_assert_eq(fx_rows(&f), 0);
	/* history of another user or another business is not */
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders"
			      " WHERE order_id = $1",
			 f.order[2], DB_END),
	    1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_appointments"
			      " WHERE appointment_id = $1",
			 f.appt[1], DB_END),
	    1);

	/*
	 * exactly one event: {id, user_id, version, trace_id} in business_id;
	 * the version after the erasure follows every earlier one (>= 2)
	 */
	cr_assert_eq(deleted_events(f.id), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.deleted'"
			      " AND (payload->>'version')::bigint >= 2",
			 f.id, DB_END),
	    1);
	v = db_value(
	    "SELECT (payload - 'version')::text FROM outbox"
	    " WHERE customer_id = $1"
	    " AND routing_key = 'v1.customer.deleted'"
	    " AND business_id = $2 AND trace_id = 'gdpr-erase.trace:1'",
	    f.id, f.bid, DB_END);
	cr_assert(v != NULL, "no deleted event with business and trace id");
	snprintf(want, sizeof(want),
	    "{\"id\": \"%s\", \"user_id\": \"%s\", \"trace_id\": "
	    "\"gdpr-erase.trace:1\"}",
	    f.id, f.uid);
	cr_assert_str_eq(v, want);
	free(v);

	/* and it is gone for the API too; a second erasure finds nothing */
	r = export_path(tok, "/customers/%s", f.id);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	r = http_req_tok("POST", "/gdpr/delete", tok, body);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	r = http_req_tok("POST", "/gdpr/export", tok, body);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	cr_assert_eq(deleted_events(f.id), 1);
	free(body);
	free(tok);
}

/* Each role that may erase does, on every path form. */
Test(gdpr, delete_by_each_allowed_role)
{
	static const enum who ok[] = { WHO_SELF, WHO_CLIENT, WHO_ADMIN,
		WHO_ADMIN_MULTI, WHO_MANAGER, WHO_SUPERADMIN };
	static const char *paths[] = { "/gdpr/delete", "/gdpr/delete/",
		"/api/gdpr/delete", "/api/gdpr/delete/" };
	struct http_resp *r;
	char *tok, *body;
	struct fx f;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		fx_make(&f, 1);
		tok = who_tok(ok[i], f.bid, f.uid);
		body = pair_body(f.uid, f.bid);
		r = http_req_tok("POST", paths[i % 4], tok, body);
		cr_assert_eq(r->status, 204, "%s: %d %s", who_name(ok[i]),
		    r->status, r->body);
		http_resp_free(r);
		cr_assert_eq(fx_rows(&f), 0, "%s left rows", who_name(ok[i]));
		cr_assert_eq(deleted_events(f.id), 1);
		free(body);
		free(tok);
	}
}

/* Refused (403) or out of reach (404): nothing changes, no event. */
Test(gdpr, delete_refused_changes_nothing)
{
	static const struct cell refused[] = {
		{ WHO_INTERNAL, 403, "Customer or admin role required" },
		{ WHO_COURIER, 403, "Customer or admin role required" },
		{ WHO_COLLABORATOR, 403, "Customer or admin role required" },
		{ WHO_ADMIN_NO_BUSINESS, 403, "Token has no business" },
		{ WHO_OTHER_ADMIN, 404, NOT_FOUND },
		{ WHO_OTHER_CUSTOMER, 404, NOT_FOUND },
	};
	char *body;
	struct fx f;

	fx_make(&f, 1);
	fx_history_row(&f);
	body = pair_body(f.uid, f.bid);
	who_matrix("POST", "/gdpr/delete", body, f.bid, f.uid, refused,
	    sizeof(refused) / sizeof(refused[0]), NULL);
	free(body);
	cr_assert_eq(fx_rows(&f), FX_ROWS);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders"
			      " WHERE order_id = $1",
			 f.order[2], DB_END),
	    1);
	cr_assert_eq(deleted_events(f.id), 0);
}

/* An admin of the business erases a pair that names another business. */
Test(gdpr, delete_pair_must_match)
{
	struct http_resp *r;
	char *body, *tok;
	struct fx f, g;

	fx_make(&f, 1);
	fx_make(&g, 0);
	/* f's user in g's business: no such customer */
	tok = tok_admin_multi(f.bid, g.bid);
	body = pair_body(f.uid, g.bid);
	r = http_req_tok("POST", "/gdpr/delete", tok, body);
	expect_detail(r, 404, NOT_FOUND);
	http_resp_free(r);
	cr_assert_eq(fx_rows(&f), FX_ROWS - 1); /* no history row here */
	cr_assert_eq(deleted_events(f.id), 0);
	cr_assert_eq(deleted_events(g.id), 0);
	free(body);
	free(tok);
}
