/*
 * DELETE /customers/{id}, the GDPR erasure (docs/api.md, docs/events.md): 204,
 * and the profile, its tags, notes and customer_history rows and the order and
 * appointment history of its (business_id, user_id) are gone, and nothing of
 * anyone else; exactly one v1.customer.deleted outbox row. Who may erase whom,
 * and a refused or repeated erasure that deletes nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "outbox.h"
#include "token.h"
#include "uuid4.h"

#define DELETED "v1.customer.deleted"

/* A customer with history of every kind, and rows near it that must stay. */
struct victim {
	char bid[UUID_STR_LEN];
	char id[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
	char other_bid[UUID_STR_LEN]; /* the same user, another business */
	char other_id[UUID_STR_LEN];
	char neighbour_id[UUID_STR_LEN]; /* another user, same business */
	char neighbour_uid[UUID_STR_LEN];
};

static void history_for(const char *, const char *, const char *);
static void victim_new(struct victim *);
static long own_rows(const struct victim *);
static long others_rows(const struct victim *);
static struct http_resp *delete_req(const char *, const char *, const char *);
static long deleted_events(const char *);
static void expect_erased(const struct victim *, const char *);
static void expect_intact(const struct victim *);
static void expect_204(struct http_resp *);
static char *upload_png(const char *, const char *);

/*
 * A tag, a note and a customer_history row for customer id, and an order
 * and an appointment for (bid, uid).
 */
static void
history_for(const char *id, const char *bid, const char *uid)
{
	db_exec("INSERT INTO customer_tags (id, customer_id, label) VALUES "
		"(gen_random_uuid(), $1, 'VIP')",
	    id, DB_END);
	db_exec("INSERT INTO customer_notes (id, customer_id, content, "
		"created_by, created_at) VALUES (gen_random_uuid(), $1, "
		"'Prefers mornings', gen_random_uuid(), "
		"now() AT TIME ZONE 'utc')",
	    id, DB_END);
	db_exec("INSERT INTO customer_history (id, customer_id) VALUES "
		"(gen_random_uuid(), $1)",
	    id, DB_END);
	db_exec("INSERT INTO customer_orders (order_id, business_id, user_id, "
		"customer_id, total, currency, status, created_at, "
		"updated_at) VALUES ('ord-' || gen_random_uuid(), $1, $2, $3, "
		"120.50, 'RON', 'completed', now(), now())",
	    bid, uid, id, DB_END);
	/* history that names only the business and user, as events may */
	db_exec("INSERT INTO customer_orders (order_id, business_id, user_id, "
		"status, updated_at) VALUES ('ord-' || gen_random_uuid(), $1, "
		"$2, 'created', now())",
	    bid, uid, DB_END);
	db_exec("INSERT INTO customer_appointments (appointment_id, "
		"business_id, user_id, customer_id, starts_at, status, "
		"updated_at) VALUES ('apt-' || gen_random_uuid(), $1, $2, $3, "
		"now(), 'confirmed', now())",
	    bid, uid, id, DB_END);
	db_exec("INSERT INTO customer_appointments (appointment_id, "
		"business_id, user_id, status, updated_at) VALUES ('apt-' || "
		"gen_random_uuid(), $1, $2, 'created', now())",
	    bid, uid, DB_END);
}

static void
victim_new(struct victim *v)
{
	char *tok, *body;
	struct http_resp *r;
	json_t *j;

	uuid4(v->bid);
	cust_create(v->bid, v->id, v->uid);
	history_for(v->id, v->bid, v->uid);

	/* the same person's profile in another business */
	uuid4(v->other_bid);
	body = cust_body(v->uid, v->other_bid, NULL);
	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, body);
	expect_status(r, 201);
	j = resp_json(r);
	memcpy(v->other_id, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(tok);
	free(body);
	history_for(v->other_id, v->other_bid, v->uid);

	/* another customer of the same business */
	cust_create(v->bid, v->neighbour_id, v->neighbour_uid);
	history_for(v->neighbour_id, v->bid, v->neighbour_uid);
}

/* Rows of the victim's: 1 profile + 3 + 2 orders + 2 appointments. */
static long
own_rows(const struct victim *v)
{
	return (db_count("SELECT (SELECT count(*) FROM customers WHERE id = $1)"
			 " + (SELECT count(*) FROM customer_tags WHERE "
			 "customer_id = $1)"
			 " + (SELECT count(*) FROM customer_notes WHERE "
			 "customer_id = $1)"
			 " + (SELECT count(*) FROM customer_history WHERE "
			 "customer_id = $1)"
			 " + (SELECT count(*) FROM customer_orders WHERE "
			 "business_id = $2 AND user_id = $3)"
			 " + (SELECT count(*) FROM customer_appointments WHERE "
			 "business_id = $2 AND user_id = $3)",
	    v->id, v->bid, v->uid, DB_END));
}

/* The same count for the two rows nearby, their history included. */
static long
others_rows(const struct victim *v)
{
	return (db_count("SELECT (SELECT count(*) FROM customers WHERE id IN "
			 "($1, $2))"
			 " + (SELECT count(*) FROM customer_tags WHERE "
			 "customer_id IN ($1, $2))"
			 " + (SELECT count(*) FROM customer_notes WHERE "
			 "customer_id IN ($1, $2))"
			 " + (SELECT count(*) FROM customer_history WHERE "
			 "customer_id IN ($1, $2))"
			 " + (SELECT count(*) FROM customer_orders WHERE "
			 "(business_id = $3 AND user_id = $4) OR "
			 "(business_id = $5 AND user_id = $6))"
			 " + (SELECT count(*) FROM customer_appointments WHERE "
			 "(business_id = $3 AND user_id = $4) OR "
			 "(business_id = $5 AND user_id = $6))",
	    v->other_id, v->neighbour_id, v->other_bid, v->uid, v->bid,
	    v->neighbour_uid, DB_END));
}

static struct http_resp *
delete_req(const char *tok, const char *id, const char *trace)
{
	char path[256];

	if (id[0] == '/')
		snprintf(path, sizeof(path), "%s", id);
	else
		snprintf(path, sizeof(path), "/customers/%s", id);
	return (http_req_traced("DELETE", path, tok, NULL, trace));
}

static long
deleted_events(const char *id)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1 "
			 "AND routing_key = '" DELETED "'",
	    id, DB_END));
}

/*
 * Everything of the victim's is gone, nothing of the others', GET says 404,
 * and there is one deleted event {id, user_id, trace_id} (trace: the
 * request's, when not NULL).
 */
static void
expect_erased(const struct victim *v, const char *trace)
{
	struct http_resp *r;
	char path[128], *tok, *payload;
	json_t *p;

	cr_assert_eq(own_rows(v), 0, "rows of the erased customer remain");
	cr_assert_eq(others_rows(v), 2 + 2 * 7, "rows of others were deleted");
	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", v->id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(tok);

	payload = outbox_event(v->id, DELETED, v->bid, trace, &p);
	cr_assert_str_eq(json_str(p, "user_id"), v->uid);
	/* the same person's other profile has no such event */
	cr_assert_eq(deleted_events(v->other_id), 0);
	json_decref(p);
	free(payload);
}

static void
expect_intact(const struct victim *v)
{
	cr_assert_eq(own_rows(v), 1 + 3 + 2 + 2, "the customer lost rows");
	cr_assert_eq(others_rows(v), 2 + 2 * 7, "rows of others were deleted");
	cr_assert_eq(deleted_events(v->id), 0, "a " DELETED " row appeared");
}

/* 204, no body, the module's headers. */
static void
expect_204(struct http_resp *r)
{
	expect_status(r, 204);
	cr_assert_eq(r->body_len, 0, "a 204 with a body: %s", r->body);
	expect_module_headers(r);
}

/* ---- the erasure ---- */

Test(delete, admin_erases_everything_of_the_customer)
{
	struct http_resp *r;
	struct victim v;
	char trace[64], mark[UUID_STR_LEN], *tok;

	victim_new(&v);
	expect_intact(&v);
	uuid4(mark);
	snprintf(trace, sizeof(trace), "erase:%s", mark);
	tok = tok_admin(v.bid);
	r = delete_req(tok, v.id, trace);
	expect_204(r);
	cr_assert_str_eq(http_hdr(r, "x-trace-id"), trace);
	http_resp_free(r);
	expect_erased(&v, trace);
	free(tok);
}

Test(delete, twice_is_404_and_one_event)
{
	struct http_resp *r;
	struct victim v;
	char *tok;

	victim_new(&v);
	tok = tok_admin(v.bid);
	r = delete_req(tok, v.id, NULL);
	expect_204(r);
	expect_erased(&v, http_hdr(r, "x-trace-id"));
	http_resp_free(r);
	r = delete_req(tok, v.id, NULL);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	cr_assert_eq(deleted_events(v.id), 1);
	free(tok);
}

/* Only the original's tables: a customer with no history at all. */
Test(delete, bare_customer)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN], *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_admin(bid);
	r = delete_req(tok, id, NULL);
	expect_204(r);
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1",
			 id, DB_END),
	    0);
	cr_assert_eq(deleted_events(id), 1);
	free(tok);
}

/* A 1x1 PNG, uploaded as the customer's avatar; returns avatar_url. */
static char *
upload_png(const char *tok, const char *id)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
		0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0,
		0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde, 0, 0, 0, 12, 'I',
		'D', 'A', 'T', 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0, 0, 0x03,
		0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0, 0, 0, 0, 'I', 'E',
		'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	static const char head[] =
	    "--bee-boundary\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n";
	static const char tail[] = "\r\n--bee-boundary--\r\n";
	struct http_resp *r;
	const char *hdrs[3];
	char *auth, *body, *url, path[128];
	size_t len;
	json_t *j;

	len = sizeof(head) - 1 + sizeof(png) + sizeof(tail) - 1;
	body = malloc(len);
	cr_assert(body != NULL);
	memcpy(body, head, sizeof(head) - 1);
	memcpy(body + sizeof(head) - 1, png, sizeof(png));
	memcpy(body + sizeof(head) - 1 + sizeof(png), tail, sizeof(tail) - 1);
	if (asprintf(&auth, "Authorization: Bearer %s", tok) == -1)
		cr_assert_fail("out of memory");
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: multipart/form-data; boundary=bee-boundary";
	hdrs[2] = NULL;
	snprintf(path, sizeof(path), "/customers/%s/avatar", id);
	r = http_req("POST", path, hdrs, body, len);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert(json_str(j, "avatar_url") != NULL);
	url = strdup(json_str(j, "avatar_url"));
	cr_assert(url != NULL);
	json_decref(j);
	http_resp_free(r);
	free(auth);
	free(body);
	return (url);
}

/* The avatar file goes with the profile (docs/api.md, erasure). */
Test(delete, avatar_file_removed)
{
	struct http_resp *r;
	struct victim v;
	struct stat st;
	const char *dir;
	char *tok, *url, file[512];
	int i;

	dir = getenv("BEE_E2E_DIR");
	cr_assert(dir != NULL && *dir != '\0', "BEE_E2E_DIR is not set");
	victim_new(&v);
	tok = tok_admin(v.bid);
	url = upload_png(tok, v.id);
	cr_assert(strncmp(url, "/uploads/", 9) == 0, "avatar_url %s", url);
	snprintf(file, sizeof(file), "%s/uploads/%s", dir, url + 9);
	cr_assert(stat(file, &st) == 0, "no file %s after the upload", file);
	r = http_req("GET", url, NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);

	r = delete_req(tok, v.id, NULL);
	expect_204(r);
	http_resp_free(r);
	/* unlinked after the commit: give it a moment */
	for (i = 0; i < 40 && stat(file, &st) == 0; i++)
		usleep(50000);
	cr_assert(stat(file, &st) == -1, "%s survived the erasure", file);
	r = http_req("GET", url, NULL, NULL, 0);
	expect_status(r, 404);
	http_resp_free(r);
	free(url);
	free(tok);
}

/* ---- who may erase whom ---- */

static void
expect_erased_by(char *tok, const struct victim *v)
{
	struct http_resp *r;

	r = delete_req(tok, v->id, NULL);
	expect_204(r);
	expect_erased(v, http_hdr(r, "x-trace-id"));
	http_resp_free(r);
	free(tok);
}

Test(delete_roles, self_as_customer)
{
	struct victim v;

	victim_new(&v);
	expect_erased_by(tok_customer(v.uid), &v);
}

Test(delete_roles, self_as_client)
{
	struct victim v;

	victim_new(&v);
	expect_erased_by(tok_sub("client", v.uid, NULL), &v);
}

Test(delete_roles, admin_manager)
{
	struct victim v;
	char sub[UUID_STR_LEN];

	victim_new(&v);
	uuid4(sub);
	expect_erased_by(tok_sub("admin_manager", sub, v.bid), &v);
}

Test(delete_roles, admin_by_business_ids)
{
	struct victim v;
	char other[UUID_STR_LEN];

	victim_new(&v);
	uuid4(other);
	expect_erased_by(tok_admin_multi(other, v.bid), &v);
}

Test(delete_roles, superadmin)
{
	struct victim v;

	victim_new(&v);
	expect_erased_by(tok_superadmin(), &v);
}

/* Refused: status and detail, and not one row deleted. */
static void
expect_refused(char *tok, const struct victim *v, const char *id, int status,
    const char *detail)
{
	struct http_resp *r;

	r = delete_req(tok, id, NULL);
	expect_detail(r, status, detail);
	http_resp_free(r);
	expect_intact(v);
	free(tok);
}

Test(delete_roles, internal_403)
{
	struct victim v;

	victim_new(&v);
	expect_refused(tok_internal(), &v, v.id, 403,
	    "Customer or admin role required");
}

Test(delete_roles, courier_403)
{
	struct victim v;

	victim_new(&v);
	expect_refused(tok_role("courier"), &v, v.id, 403,
	    "Customer or admin role required");
}

Test(delete_roles, admin_without_business_403)
{
	struct victim v;

	victim_new(&v);
	expect_refused(tok_role("admin_business"), &v, v.id, 403,
	    "Token has no business");
}

Test(delete_tenant, admin_of_another_business_404)
{
	struct victim v;

	victim_new(&v);
	/* the admin of the same person's other business */
	expect_refused(tok_admin(v.other_bid), &v, v.id, 404,
	    "Customer not found");
	cr_assert_eq(deleted_events(v.other_id), 0);
}

Test(delete_tenant, another_customer_404)
{
	struct victim v;

	victim_new(&v);
	/* the neighbour may erase their own profile, not this one */
	expect_refused(tok_customer(v.neighbour_uid), &v, v.id, 404,
	    "Customer not found");
}

Test(delete_tenant, nonexistent_404)
{
	struct victim v;
	char id[UUID_STR_LEN];

	victim_new(&v);
	uuid4(id);
	expect_refused(tok_superadmin(), &v, id, 404, "Customer not found");
}

Test(delete, no_token_401)
{
	struct victim v;
	struct http_resp *r;

	victim_new(&v);
	r = delete_req(NULL, v.id, NULL);
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
	expect_intact(&v);
}

Test(delete, malformed_id_422)
{
	struct http_resp *r;
	char *tok;

	/* before the role check: internal may not delete at all */
	tok = tok_internal();
	r = delete_req(tok, "not-a-uuid", NULL);
	expect_bad_path_id(r);
	free(tok);
}

/* ---- path forms ---- */

static void
expect_delete_on(const char *fmt, int upper)
{
	struct http_resp *r;
	struct victim v;
	char path[256], id[UUID_STR_LEN], *tok;
	size_t i;

	victim_new(&v);
	memcpy(id, v.id, UUID_STR_LEN);
	for (i = 0; upper && id[i] != '\0'; i++)
		id[i] = (char)toupper((unsigned char)id[i]);
	snprintf(path, sizeof(path), fmt, id);
	tok = tok_admin(v.bid);
	r = delete_req(tok, path, NULL);
	expect_204(r);
	expect_erased(&v, NULL);
	http_resp_free(r);
	free(tok);
}

Test(delete_paths, customers_slash)
{
	expect_delete_on("/customers/%s/", 0);
}

Test(delete_paths, api_customers)
{
	expect_delete_on("/api/customers/%s", 0);
}

Test(delete_paths, api_customers_slash)
{
	expect_delete_on("/api/customers/%s/", 0);
}

Test(delete_paths, upper_case_id)
{
	expect_delete_on("/customers/%s", 1);
}
