/*
 * Conditional requests on one customer (docs/api.md, "Conditional
 * requests"): its ETag on every response carrying it, 304 for a matching
 * If-None-Match, 412 for a write whose If-Match names another version
 * (checked on the row the write locks), 428 without If-Match when
 * REQUIRE_IF_MATCH is on, and 404, never 412 or 304, out of reach. The
 * avatar upload's share is in test_avatar.c.
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
#include "env.h"
#include "events_flow.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "rowlock.h"
#include "token.h"
#include "uuid4.h"

#define FAILED "Precondition Failed"
#define REQUIRED "Precondition Required"
#define NOT_FOUND "Customer not found"

/* A customer of a fresh business and a token of an admin of it. */
struct fixture {
	char bid[UUID_STR_LEN];
	char id[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
	char path[128]; /* /customers/{id} */
	char api_path[128]; /* /api/customers/{id} */
	char *tok;
};

/* A PATCH sent from a thread while the test holds the row. */
struct held {
	const char *tok;
	const char *path;
	const char *if_match;
	struct http_resp *r;
};

static void fixture_init(struct fixture *);
static void fixture_fini(struct fixture *);
static struct http_resp *req(const char *, const char *, const char *,
    const char *, const char *, const char *);
static char *get_etag(const struct fixture *, const char *);
static void expect_etag(const struct http_resp *, const char *);
static void expect_412(struct http_resp *);
static void expect_patch(const char *, const char *, const char *, const char *,
    const char *);
static void *patch_thread(void *);

static void
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	uuid4(f->bid);
	cust_create(f->bid, f->id, f->uid);
	(void)snprintf(f->path, sizeof(f->path), "/customers/%s", f->id);
	(void)snprintf(f->api_path, sizeof(f->api_path), "/api/customers/%s",
	    f->id);
	f->tok = tok_admin(f->bid);
}

static void
fixture_fini(struct fixture *f)
{
	free(f->tok);
}

/*
 * method path with a bearer token, a JSON body (or none) and one header
 * (name, value; none when name is NULL).
 */
static struct http_resp *
req(const char *method, const char *path, const char *tok, const char *json,
    const char *name, const char *value)
{
	const char *hdrs[4];
	char *auth, *extra;
	struct http_resp *r;
	int n = 0;

	cr_assert(asprintf(&auth, "Authorization: Bearer %s", tok) > 0);
	hdrs[n++] = auth;
	if (json != NULL)
		hdrs[n++] = "Content-Type: application/json";
	extra = NULL;
	if (name != NULL) {
		cr_assert(asprintf(&extra, "%s: %s", name, value) > 0);
		hdrs[n++] = extra;
	}
	hdrs[n] = NULL;
	r = http_req(method, path, hdrs, json, json != NULL ? strlen(json) : 0);
	free(auth);
	free(extra);
	return (r);
}

/* GET path of the fixture's customer: 200 with its ETag, returned. */
static char *
get_etag(const struct fixture *f, const char *path)
{
	struct http_resp *r;
	char *e;

	r = req("GET", path, f->tok, NULL, NULL, NULL);
	expect_status(r, 200);
	cr_assert_eq(http_hdr_count(r, "etag"), 1, "one ETag");
	e = strdup(http_hdr(r, "etag"));
	cr_assert_not_null(e);
	http_resp_free(r);
	return (e);
}

static void
expect_etag(const struct http_resp *r, const char *want)
{
	cr_assert_eq(http_hdr_count(r, "etag"), 1, "status %d: one ETag",
	    r->status);
	cr_assert_str_eq(http_hdr(r, "etag"), want);
}

static void
expect_412(struct http_resp *r)
{
	cr_assert_null(http_hdr(r, "etag"), "a 412 has no ETag");
	expect_detail_and_free(r, 412, FAILED);
}

/* PATCH json with If-Match: tags, answered 200 with ETag etag. */
static void
expect_patch(const char *path, const char *tok, const char *json,
    const char *tags, const char *etag)
{
	struct http_resp *r;

	r = req("PATCH", path, tok, json, "If-Match", tags);
	expect_status(r, 200);
	expect_etag(r, etag);
	http_resp_free(r);
}

Test(conditional, get_has_the_version_as_a_strong_etag_on_both_routes)
{
	struct fixture f;
	struct http_resp *r;
	char *e, *v;

	fixture_init(&f);
	v = db_value("SELECT version::text FROM customers WHERE id = $1", f.id,
	    DB_END);
	cr_assert_str_eq(v, "1", "a new customer's version");
	/* the ETag is "<version>" */
	cr_assert(asprintf(&e, "\"%s\"", v) > 0);
	r = req("GET", f.path, f.tok, NULL, NULL, NULL);
	json_decref(expect_customer_resp(r, 200, f.id));
	expect_etag(r, e);
	cr_assert_neq(strncmp(http_hdr(r, "etag"), "W/", 2), 0, "strong");
	http_resp_free(r);
	r = req("GET", f.api_path, f.tok, NULL, NULL, NULL);
	expect_status(r, 200);
	expect_etag(r, e);
	http_resp_free(r);
	/* the customer's own token sees the same representation */
	free(f.tok);
	f.tok = tok_customer(f.uid);
	r = req("GET", f.path, f.tok, NULL, NULL, NULL);
	expect_status(r, 200);
	expect_etag(r, e);
	http_resp_free(r);
	free(v);
	free(e);
	fixture_fini(&f);
}

Test(conditional, post_201_carries_the_etag_a_get_shows)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], path[128];
	char *tok, *body;
	json_t *j;

	uuid4(bid);
	uuid4(uid);
	tok = tok_admin(bid);
	body = cust_body(uid, bid, NULL);
	r = req("POST", "/api/customers", tok, body, NULL, NULL);
	expect_status(r, 201);
	expect_etag(r, "\"1\"");
	j = resp_json(r);
	(void)snprintf(path, sizeof(path), "/customers/%s", json_str(j, "id"));
	json_decref(j);
	http_resp_free(r);
	r = req("GET", path, tok, NULL, NULL, NULL);
	expect_status(r, 200);
	expect_etag(r, "\"1\"");
	http_resp_free(r);
	/* an existing pair's 409 carries none */
	r = req("POST", "/customers", tok, body, NULL, NULL);
	expect_status(r, 409);
	cr_assert_null(http_hdr(r, "etag"));
	http_resp_free(r);
	free(body);
	free(tok);
}

Test(conditional, if_none_match_gets_304_with_the_etag_and_no_body)
{
	static const char *const matching[] = { "\"1\"", "W/\"1\"",
		"\"7\", \"1\"", "*", " \"9\" ,W/\"1\"", NULL };
	static const char *const other[] = { "\"2\"", "\"01\"", "1",
		"\"1\" garbage", "\"abc\"", NULL };
	struct fixture f;
	struct http_resp *r;
	int i;

	fixture_init(&f);
	for (i = 0; matching[i] != NULL; i++) {
		r = req("GET", i % 2 ? f.api_path : f.path, f.tok, NULL,
		    "If-None-Match", matching[i]);
		cr_assert_eq(r->status, 304, "If-None-Match: %s -> %d",
		    matching[i], r->status);
		expect_etag(r, "\"1\"");
		cr_assert_eq(r->body_len, 0, "a 304 has no body");
		cr_assert_null(http_hdr(r, "content-length"),
		    "a 304's content-length would be the 200's");
		cr_assert_not_null(http_hdr(r, "x-trace-id"));
		http_resp_free(r);
	}
	for (i = 0; other[i] != NULL; i++) {
		r = req("GET", f.path, f.tok, NULL, "If-None-Match", other[i]);
		cr_assert_eq(r->status, 200, "If-None-Match: %s -> %d",
		    other[i], r->status);
		expect_etag(r, "\"1\"");
		json_decref(expect_customer_resp(r, 200, f.id));
		http_resp_free(r);
	}
	/* two lines of the field are one list */
	{
		const char *hdrs[] = { NULL, "If-None-Match: \"5\"",
			"If-None-Match: \"1\"", NULL };
		char *auth;

		cr_assert(
		    asprintf(&auth, "Authorization: Bearer %s", f.tok) > 0);
		hdrs[0] = auth;
		r = http_req("GET", f.path, hdrs, NULL, 0);
		cr_assert_eq(r->status, 304);
		http_resp_free(r);
		free(auth);
	}
	fixture_fini(&f);
}

/*
 * Two admins read the customer, then both save: the first wins, the
 * second gets 412 and changes nothing.
 */
Test(conditional, two_admins_the_second_save_gets_412)
{
	struct fixture f;
	struct http_resp *r;
	char *tok_b, *seen_a, *seen_b, *name;
	json_t *j;

	fixture_init(&f);
	tok_b = tok_admin(f.bid);
	seen_a = get_etag(&f, f.path);
	seen_b = get_etag(&f, f.api_path);
	cr_assert_str_eq(seen_a, seen_b);

	r = req("PATCH", f.path, f.tok, "{\"full_name\":\"Saved By A\"}",
	    "If-Match", seen_a);
	expect_status(r, 200);
	expect_etag(r, "\"2\"");
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "full_name"), "Saved By A");
	json_decref(j);
	http_resp_free(r);

	r = req("PATCH", f.api_path, tok_b, "{\"full_name\":\"Saved By B\"}",
	    "If-Match", seen_b);
	expect_412(r);
	name = db_value("SELECT full_name || '|' || version FROM customers"
			" WHERE id = $1",
	    f.id, DB_END);
	cr_assert_str_eq(name, "Saved By A|2");
	free(name);
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.updated'"
			      " AND payload->>'version' = '2'",
			 f.id, DB_END),
	    1, "one updated event, with the version after it");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.updated'",
			 f.id, DB_END),
	    1);

	/* B reads again and saves */
	free(seen_b);
	seen_b = get_etag(&f, f.path);
	cr_assert_str_eq(seen_b, "\"2\"");
	expect_patch(f.api_path, tok_b, "{\"full_name\":\"Saved By B\"}",
	    seen_b, "\"3\"");
	free(seen_a);
	free(seen_b);
	free(tok_b);
	fixture_fini(&f);
}

Test(conditional, if_match_lists_star_weak_and_malformed)
{
	struct fixture f;
	struct http_resp *r;

	fixture_init(&f);
	/* a PATCH that changes nothing keeps the version and says it */
	expect_patch(f.path, f.tok, "{}", "*", "\"1\"");
	expect_patch(f.path, f.tok, "{\"phone\":\"+40700000001\"}",
	    "\"9\", \"1\"", "\"2\"");
	/* strong comparison: a weak tag never matches */
	expect_412(req("PATCH", f.path, f.tok, "{\"phone\":\"+40700000002\"}",
	    "If-Match", "W/\"2\""));
	/* not a list of entity-tags: it names no version */
	expect_412(req("PATCH", f.path, f.tok, "{\"phone\":\"+40700000002\"}",
	    "If-Match", "2"));
	expect_412(req("PATCH", f.path, f.tok, "{\"phone\":\"+40700000002\"}",
	    "If-Match", "\"2\" \"3\""));
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1"
			      " AND version = 2 AND phone = '+40700000001'",
			 f.id, DB_END),
	    1);
	/* the request's own errors come first: 422, not 412 */
	r = req("PATCH", f.path, f.tok, "{\"email\":\"not-an-email\"}",
	    "If-Match", "\"1\"");
	expect_status(r, 422);
	http_resp_free(r);

	/* DELETE: stale, then current */
	expect_412(req("DELETE", f.api_path, f.tok, NULL, "If-Match", "\"1\""));
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1",
			 f.id, DB_END),
	    1, "a 412 erased the customer");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.deleted'",
			 f.id, DB_END),
	    0);
	r = req("DELETE", f.api_path, f.tok, NULL, "If-Match", "\"2\"");
	expect_status(r, 204);
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.deleted'"
			      " AND payload->>'version' = '3'",
			 f.id, DB_END),
	    1, "the deleted event follows the last version");
	/* gone: 404 whatever If-Match says */
	expect_detail_and_free(req("DELETE", f.path, f.tok, NULL, "If-Match",
				   "*"),
	    404, NOT_FOUND);
	fixture_fini(&f);
}

/* An admin of another business: 404 with any If-Match, never 412 or 304. */
Test(conditional, out_of_reach_is_404_never_412_or_304)
{
	static const char *const tags[] = { "\"1\"", "\"5\"", "*", NULL };
	struct fixture f;
	char other[UUID_STR_LEN], *tok;
	int i;

	fixture_init(&f);
	uuid4(other);
	tok = tok_admin(other);
	for (i = 0; tags[i] != NULL; i++) {
		expect_detail_and_free(req("PATCH", i % 2 ? f.api_path : f.path,
					   tok, "{\"full_name\":\"Intruder\"}",
					   "If-Match", tags[i]),
		    404, NOT_FOUND);
		expect_detail_and_free(req("DELETE",
					   i % 2 ? f.path : f.api_path, tok,
					   NULL, "If-Match", tags[i]),
		    404, NOT_FOUND);
		expect_detail_and_free(req("GET", f.path, tok, NULL,
					   "If-None-Match", tags[i]),
		    404, NOT_FOUND);
	}
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1"
			      " AND version = 1",
			 f.id, DB_END),
	    1);
	free(tok);
	fixture_fini(&f);
}

static void *
patch_thread(void *arg)
{
	struct held *h = arg;

	h->r = req("PATCH", h->path, h->tok, "{\"full_name\":\"Too Late\"}",
	    "If-Match", h->if_match);
	return (NULL);
}

/*
 * The comparison is on the row the write locks: a change committed while
 * the PATCH waits for the row makes it a 412, though the version it named
 * was current when it was sent.
 */
Test(conditional, if_match_is_checked_on_the_locked_row)
{
	struct fixture f;
	struct held h;
	char *name;

	fixture_init(&f);
	h = (struct held){ .tok = f.tok, .path = f.path, .if_match = "\"1\"" };
	rowlock_during(env_database_url(),
	    "UPDATE customers SET full_name = 'Changed Meanwhile'"
	    " WHERE id = $1 RETURNING 1",
	    f.id, patch_thread, &h);
	cr_assert_not_null(h.r);
	expect_412(h.r);
	name = db_value("SELECT full_name || '|' || version FROM customers"
			" WHERE id = $1",
	    f.id, DB_END);
	cr_assert_str_eq(name, "Changed Meanwhile|2");
	free(name);
	fixture_fini(&f);
}

/*
 * The statistics are part of the representation: the history consumer's
 * update changes the ETag; an event that leaves them as they were does
 * not.
 */
Test(conditional, history_event_changes_the_etag, .timeout = 60)
{
	struct fixture f;
	struct http_resp *r;
	char ev[UUID_STR_LEN], order[64], *before, *after;
	json_t *j;

	fixture_init(&f);
	before = get_etag(&f, f.path);
	uuid4(ev);
	(void)snprintf(order, sizeof(order), "etag-%s", ev);
	events_flow_order(ev, order, f.bid, f.uid);
	cr_assert_eq(db_wait_count(1, 1, 20000,
			 "SELECT count(*) FROM customers WHERE id = $1"
			 " AND total_orders = 1",
			 f.id, DB_END),
	    1, "the order event was not applied");
	after = get_etag(&f, f.path);
	cr_assert_str_neq(after, before);
	r = req("GET", f.api_path, f.tok, NULL, "If-None-Match", before);
	expect_status(r, 200);
	expect_etag(r, after);
	j = resp_json(r);
	cr_assert_eq(json_integer_value(json_object_get(j, "total_orders")), 1);
	json_decref(j);
	http_resp_free(r);

	/* the same order again, another event: statistics as they were */
	uuid4(ev);
	events_flow_order(ev, order, f.bid, f.uid);
	cr_assert_eq(db_wait_count(1, 1, 20000,
			 "SELECT count(*) FROM processed_events"
			 " WHERE event_id = $1::uuid",
			 ev, DB_END),
	    1, "the second order event was not processed");
	r = req("GET", f.path, f.tok, NULL, "If-None-Match", after);
	cr_assert_eq(r->status, 304, "an unchanged row changed its ETag");
	http_resp_free(r);
	free(before);
	free(after);
	fixture_fini(&f);
}

/* REQUIRE_IF_MATCH=true: writes without If-Match get 428; reads do not. */
Test(conditional, require_if_match_answers_428, .timeout = 60)
{
	static const char *const env[] = { "REQUIRE_IF_MATCH", "true", NULL };
	struct instance in;
	struct fixture f;
	struct http_resp *r;

	fixture_init(&f);
	instance_start(&in, env);
	expect_detail_and_free(req("PATCH", f.path, f.tok,
				   "{\"full_name\":\"No Condition\"}", NULL,
				   NULL),
	    428, REQUIRED);
	expect_detail_and_free(req("DELETE", f.api_path, f.tok, NULL, NULL,
				   NULL),
	    428, REQUIRED);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1"
			      " AND version = 1",
			 f.id, DB_END),
	    1);
	r = req("GET", f.path, f.tok, NULL, NULL, NULL);
	expect_status(r, 200);
	expect_etag(r, "\"1\"");
	http_resp_free(r);
	expect_patch(f.path, f.tok, "{\"full_name\":\"With Condition\"}",
	    "\"1\"", "\"2\"");
	expect_412(req("PATCH", f.path, f.tok, "{\"full_name\":\"Stale\"}",
	    "If-Match", "\"1\""));
	r = req("DELETE", f.path, f.tok, NULL, "If-Match", "*");
	expect_status(r, 204);
	http_resp_free(r);
	instance_stop(&in);
	fixture_fini(&f);
}
