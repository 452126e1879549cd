/*
 * Tags (docs/api.md, docs/events.md): POST, GET
 * /customers/{id}/tags, DELETE /customers/{id}/tags/{tag_id}, and the
 * original's POST /customers/tags/, GET /customers/tags/customer/{id},
 * DELETE /customers/tags/{tag_id}. Admins and superadmins only; all tags
 * of a request or none, one `tagged` event per tag; duplicates are a 400,
 * races included; tenants never see or change each other's tags.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <limits.h>
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
#include "service_log.h"
#include "tenant.h"
#include "token.h"
#include "uuid4.h"

static char *
path_of(const char *fmt, const char *a, const char *b)
{
	char *p;

	cr_assert(asprintf(&p, fmt, a, b) != -1);
	return (p);
}

static long
tags_of(const char *cid)
{
	return (db_count("SELECT count(*) FROM customer_tags "
			 "WHERE customer_id = $1",
	    cid, DB_END));
}

static long
tag_events(const char *cid)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1 "
			 "AND routing_key = 'v1.customer.tagged'",
	    cid, DB_END));
}

/* label,color,priority,created_by,id,customer_id: the original's order. */
static void
expect_tag(const json_t *t, const char *label, const char *cid)
{
	static const char *keys[] = { "label", "color", "priority",
		"created_by", "id", "customer_id", NULL };

	expect_key_order(t, keys, "tag");
	cr_assert_str_eq(json_str(t, "label"), label);
	cr_assert(json_is_integer(json_object_get(t, "priority")));
	cr_assert(uuid_is_canonical(json_str(t, "id")));
	cr_assert_str_eq(json_str(t, "customer_id"), cid);
}

/* POST labels as the fixture's admin: 201 and the parsed array. */
static json_t *
tag_ok(struct tenant_fx *f, const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = tenant_req("POST", "/customers/%s/tags", f->cid, NULL, f->admin,
	    body);
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert(json_is_array(j));
	http_resp_free(r);
	return (j);
}

/* A tag put straight into the database; its id in out. */
static void
db_tag(const char *cid, const char *label, char out[UUID_STR_LEN])
{
	uuid4(out);
	db_exec("INSERT INTO customer_tags (id, customer_id, label) "
		"VALUES ($1, $2, $3)",
	    out, cid, label, DB_END);
}

/* ---- POST /customers/{id}/tags ---- */

Test(tags, create_one_label_shape_event_log)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j, *t;
	char *path, *got, want[1024];
	const char *id;

	tenant_init(&f);
	path = path_of("/customers/%s/tags", f.cid, NULL);
	r = http_req_traced("POST", path, f.admin, "{\"label\":\"VIP\"}",
	    "trace-tags-one");
	expect_status(r, 201);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 1);
	t = json_array_get(j, 0);
	expect_tag(t, "VIP", f.cid);
	cr_assert(json_is_null(json_object_get(t, "color")));
	cr_assert_eq(json_integer_value(json_object_get(t, "priority")), 0);
	/* created_by: the admin who tagged (the original left it null) */
	cr_assert_str_eq(json_str(t, "created_by"), f.sub);
	id = json_str(t, "id");

	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE "
			      "id = $1 AND customer_id = $2 AND label = 'VIP' "
			      "AND color IS NULL AND priority = 0 AND "
			      "created_by = $3",
			 id, f.cid, f.sub, DB_END),
	    1);

	/* one event: the keys of docs/events.md, without the publisher's */
	cr_assert_eq(tag_events(f.cid), 1);
	got = db_value(
	    "SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM "
	    "jsonb_object_keys(payload) k) || '|' || (payload->>'customer_id') "
	    "|| '|' || (payload->>'tag_id') || '|' || (payload->>'label') || "
	    "'|' || (payload->>'trace_id') || '|' || business_id || '|' || "
	    "trace_id FROM outbox WHERE customer_id = $1 AND routing_key = "
	    "'v1.customer.tagged'",
	    f.cid, DB_END);
	snprintf(want, sizeof(want),
	    "customer_id,label,tag_id,trace_id,version|%s|%s|VIP|"
	    "trace-tags-one|%s|"
	    "trace-tags-one",
	    f.cid, id, f.biz);
	cr_assert_str_eq(got, want);
	cr_assert_eq(service_log_has("\"Customer tagged\"", id), 1,
	    "no Customer tagged log line for %s", id);

	free(got);
	json_decref(j);
	http_resp_free(r);
	free(path);
	tenant_free(&f);
}

Test(tags, create_labels_in_order_one_event_each)
{
	struct tenant_fx f;
	json_t *j;
	char *got, want[1024];

	tenant_init(&f);
	j = tag_ok(&f, "{\"labels\":[\"Frequent\",\"Loyal\",\"VIP\"]}");
	cr_assert_eq(json_array_size(j), 3);
	expect_tag(json_array_get(j, 0), "Frequent", f.cid);
	expect_tag(json_array_get(j, 1), "Loyal", f.cid);
	expect_tag(json_array_get(j, 2), "VIP", f.cid);
	cr_assert_eq(tags_of(f.cid), 3);

	/* the events in request order, each naming its own tag */
	got = db_value("SELECT string_agg((payload->>'label') || '=' || "
		       "(payload->>'tag_id'), ',' ORDER BY id) FROM outbox "
		       "WHERE customer_id = $1 AND routing_key = "
		       "'v1.customer.tagged'",
	    f.cid, DB_END);
	snprintf(want, sizeof(want), "Frequent=%s,Loyal=%s,VIP=%s",
	    json_str(json_array_get(j, 0), "id"),
	    json_str(json_array_get(j, 1), "id"),
	    json_str(json_array_get(j, 2), "id"));
	cr_assert_str_eq(got, want);
	free(got);
	json_decref(j);
	tenant_free(&f);
}

Test(tags, both_path_forms)
{
	static const char *forms[] = { "/customers/%s/tags",
		"/customers/%s/tags/", "/api/customers/%s/tags",
		"/api/customers/%s/tags/" };
	struct tenant_fx f;
	char body[64];
	size_t i;

	tenant_init(&f);
	for (i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"label\":\"form%zu\"}", i);
		tenant_post_and_list(&f, forms[i], body, i + 1);
	}
	tenant_free(&f);
}

Test(tags, labels_case_sensitive_and_code_points)
{
	struct tenant_fx f;
	json_t *j;
	char body[256];
	size_t i, n;

	tenant_init(&f);
	json_decref(tag_ok(&f, "{\"label\":\"VIP\"}"));
	j = tag_ok(&f, "{\"label\":\"vip\"}");
	expect_tag(json_array_get(j, 0), "vip", f.cid);
	json_decref(j);

	/* 50 code points of two bytes each fit varchar(50) */
	n = (size_t)snprintf(body, sizeof(body), "{\"label\":\"");
	for (i = 0; i < 50; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "\xc8\x99");
	snprintf(body + n, sizeof(body) - n, "\"}");
	json_decref(tag_ok(&f, body));
	cr_assert_eq(tags_of(f.cid), 3);
	tenant_free(&f);
}

Test(tags, duplicate_in_request_400_nothing_stored)
{
	struct http_resp *r;
	struct tenant_fx f;

	tenant_init(&f);
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, f.admin,
	    "{\"labels\":[\"A\",\"B\",\"A\"]}");
	expect_detail_and_free(r, 400, "Duplicate labels provided");
	cr_assert_eq(tags_of(f.cid), 0);
	cr_assert_eq(tag_events(f.cid), 0);
	tenant_free(&f);
}

Test(tags, existing_labels_400_sorted_nothing_stored)
{
	struct http_resp *r;
	struct tenant_fx f;

	tenant_init(&f);
	json_decref(tag_ok(&f, "{\"labels\":[\"VIP\",\"Loyal\"]}"));
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, f.admin,
	    "{\"labels\":[\"VIP\",\"New\",\"Loyal\"]}");
	expect_detail_and_free(r, 400, "Tag(s) already exist: Loyal, VIP");
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, f.admin,
	    "{\"label\":\"VIP\"}");
	expect_detail_and_free(r, 400, "Tag(s) already exist: VIP");
	cr_assert_eq(tags_of(f.cid), 2);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE "
			      "customer_id = $1 AND label = 'New'",
			 f.cid, DB_END),
	    0);
	cr_assert_eq(tag_events(f.cid), 2);
	tenant_free(&f);
}

/* Sends a POST with Connection: close on a new connection, unread. */
static int
send_post(const char *path, const char *tok, const char *body)
{
	char *raw;
	int fd;

	cr_assert(asprintf(&raw,
		      "POST %s HTTP/1.1\r\nHost: e2e\r\nAuthorization: Bearer "
		      "%s\r\nContent-Type: application/json\r\nContent-Length: "
		      "%zu\r\nConnection: close\r\n\r\n%s",
		      path, tok, strlen(body), body) != -1);
	fd = raw_conn_open();
	raw_send_str(fd, raw);
	free(raw);
	return (fd);
}

static struct http_resp *
recv_resp(int fd)
{
	struct http_resp *r;
	size_t len, used;
	char *buf;
	int closed;

	buf = raw_recv_all(fd, HTTP_TIMEOUT_MS, &len, &closed);
	raw_close(fd);
	cr_assert_eq(http_parse(buf, len, 1, 0, &r, &used), 1,
	    "not an HTTP response: %s", buf);
	free(buf);
	return (r);
}

/*
 * Two requests for the same label at once, on two connections: the
 * unique index decides; one 201, one 400, one tag, one event.
 */
Test(tags, race_same_label_one_201_one_400)
{
	struct http_resp *a, *b, *won, *lost;
	struct tenant_fx f;
	char *path;
	int fa, fb, round;

	for (round = 0; round < 8; round++) {
		tenant_init(&f);
		path = path_of("/customers/%s/tags", f.cid, NULL);
		fa = send_post(path, f.admin, "{\"label\":\"Race\"}");
		fb = send_post(path, f.admin, "{\"labels\":[\"Race\"]}");
		a = recv_resp(fa);
		b = recv_resp(fb);
		cr_assert(a->status == 201 || b->status == 201,
		    "no 201: %d %s / %d %s", a->status, a->body, b->status,
		    b->body);
		won = a->status == 201 ? a : b;
		lost = won == a ? b : a;
		expect_status(won, 201);
		expect_detail(lost, 400, "Tag(s) already exist: Race");
		cr_assert_eq(tags_of(f.cid), 1);
		cr_assert_eq(tag_events(f.cid), 1);
		http_resp_free(a);
		http_resp_free(b);
		free(path);
		tenant_free(&f);
	}
}

/*
 * The race the snapshot cannot see: another transaction holds a new tag
 * "X" (uncommitted) while we ask for X and Y. It commits while our
 * statement waits for the customer's lock, so our insert of X fails the
 * unique index; the service runs the statement again and answers 400.
 * Y must not stay behind: all tags of a request or none.
 */
Test(tags, race_unique_index_all_or_nothing)
{
	struct http_resp *r;
	struct tenant_fx f;
	char tag[UUID_STR_LEN], *path;
	int fd;

	tenant_init(&f);
	path = path_of("/customers/%s/tags", f.cid, NULL);
	db_exec("BEGIN", DB_END);
	db_tag(f.cid, "X", tag);
	fd = send_post(path, f.admin, "{\"labels\":[\"Y\",\"X\"]}");
	/* pg_locks, not pg_stat_activity: a transaction sees no new activity */
	cr_assert_geq(db_wait_count(1, LONG_MAX, 15000,
			  "SELECT count(*) FROM pg_locks WHERE NOT granted"
			  " AND pg_backend_pid() = ANY(pg_blocking_pids(pid))",
			  DB_END),
	    1, "the request never waited for the uncommitted tag");
	db_exec("COMMIT", DB_END);
	r = recv_resp(fd);
	expect_detail(r, 400, "Tag(s) already exist: X");
	cr_assert_eq(tags_of(f.cid), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE "
			      "customer_id = $1 AND label = 'Y'",
			 f.cid, DB_END),
	    0);
	cr_assert_eq(tag_events(f.cid), 0);
	http_resp_free(r);

	/* and the service still answers normally afterwards */
	json_decref(tag_ok(&f, "{\"label\":\"Y\"}"));
	free(path);
	tenant_free(&f);
}

/* ---- 422 ---- */

static json_t *
post_422(struct tenant_fx *f, const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = tenant_req("POST", "/customers/%s/tags", f->cid, NULL, f->admin,
	    body);
	j = expect_422(r);
	http_resp_free(r);
	return (j);
}

/* One item, compared whole (ctx included). */
static void
expect_only_item(struct tenant_fx *f, const char *body, const char *want)
{
	json_t *j, *w;
	char *got;

	j = post_422(f, body);
	w = json_loads(want, 0, NULL);
	cr_assert(w != NULL, "bad want: %s", want);
	got = json_dumps(j, JSON_COMPACT);
	cr_assert(json_equal(json_object_get(j, "detail"), w),
	    "for %s\n got %s\nwant %s", body, got, want);
	free(got);
	json_decref(w);
	json_decref(j);
}

Test(tags, validators_of_the_original)
{
	struct tenant_fx f;

	tenant_init(&f);
	expect_only_item(&f, "{\"label\":\"A\",\"labels\":[\"B\"]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{\"label\":"
	    "\"A\",\"labels\":[\"B\"]},\"ctx\":{\"error\":{}}}]");
	expect_only_item(&f, "{}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{},\"ctx\":"
	    "{\"error\":{}}}]");
	expect_only_item(&f, "{\"labels\":[]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{\"labels\":[]},"
	    "\"ctx\":{\"error\":{}}}]");
	expect_only_item(&f, "{\"label\":\"\"}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":\"\","
	    "\"ctx\":{\"error\":{}}}]");
	expect_only_item(&f, "{\"label\":5}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":5,"
	    "\"ctx\":{\"error\":{}}}]");
	expect_only_item(&f, "{\"labels\":\"A\"}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"labels\"],\"msg\":"
	    "\"Value error, labels must be a list of strings\",\"input\":\"A\","
	    "\"ctx\":{\"error\":{}}}]");
	expect_only_item(&f, "{\"labels\":[\"A\",1]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"labels\"],\"msg\":"
	    "\"Value error, labels must be a list of strings\",\"input\":"
	    "[\"A\",1],\"ctx\":{\"error\":{}}}]");
	cr_assert_eq(tags_of(f.cid), 0);
	tenant_free(&f);
}

Test(tags, label_lengths_everywhere)
{
	struct tenant_fx f;
	json_t *j;
	char body[256], x51[52];

	tenant_init(&f);
	memset(x51, 'x', 51);
	x51[51] = '\0';
	snprintf(body, sizeof(body), "{\"label\":\"%s\"}", x51);
	j = post_422(&f, body);
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"body\",\"label\"]", "string_too_long",
	    "String should have at most 50 characters");
	json_decref(j);

	snprintf(body, sizeof(body), "{\"labels\":[\"ok\",\"\",\"%s\"]}", x51);
	j = post_422(&f, body);
	cr_assert_eq(items_count(j), 2);
	expect_item(j, "[\"body\",\"labels\",1]", "string_too_short",
	    "String should have at least 1 character");
	expect_item(j, "[\"body\",\"labels\",2]", "string_too_long",
	    "String should have at most 50 characters");
	json_decref(j);

	j = post_422(&f, "{\"labels\":[\"a\\u0000b\"]}");
	expect_item(j, "[\"body\",\"labels\",0]", "string_pattern_mismatch",
	    NULL);
	json_decref(j);
	cr_assert_eq(tags_of(f.cid), 0);
	tenant_free(&f);
}

Test(tags, body_and_path_items)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j, *d;

	tenant_init(&f);
	/* no body */
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, f.admin, "");
	j = expect_422(r);
	expect_item(j, "[\"body\"]", "missing", "Field required");
	json_decref(j);
	http_resp_free(r);

	j = post_422(&f, "{\"label\":");
	expect_item(j, "[\"body\",9]", "json_invalid", "JSON decode error");
	json_decref(j);

	j = post_422(&f, "[\"VIP\"]");
	expect_item(j, "[\"body\"]", "model_attributes_type", NULL);
	json_decref(j);

	/* a bad path id and a bad body: both, the path first */
	r = tenant_req("POST", "/customers/%s/tags", "nope", NULL, f.admin,
	    "{}");
	j = expect_422(r);
	d = json_object_get(j, "detail");
	cr_assert_eq(json_array_size(d), 2);
	cr_assert_str_eq(json_str(json_array_get(d, 0), "type"),
	    "uuid_parsing");
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing", NULL);
	expect_item(j, "[\"body\"]", "value_error", NULL);
	json_decref(j);
	http_resp_free(r);

	r = tenant_req("GET", "/customers/%s/tags", "1234", NULL, f.admin,
	    NULL);
	j = expect_422(r);
	expect_item_msg_prefix(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	json_decref(j);
	http_resp_free(r);
	tenant_free(&f);
}

/* ---- roles and tenants ---- */

/* Every route of this resource as tok: POST, GET, DELETE. */
static void
expect_all_routes(struct tenant_fx *f, const char *tok, int status,
    const char *detail)
{
	char tag[UUID_STR_LEN];

	db_tag(f->cid, "Keep", tag);
	tenant_routes("tags", f->cid, tag, "{\"label\":\"New\"}", tok, status,
	    detail);
	/* nothing changed */
	cr_assert_eq(tags_of(f->cid), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE "
			      "id = $1",
			 tag, DB_END),
	    1);
	cr_assert_eq(tag_events(f->cid), 0);
	db_exec("DELETE FROM customer_tags WHERE id = $1", tag, DB_END);
}

Test(tags, roles_that_may_not)
{
	tenant_roles_that_may_not(expect_all_routes);
}

Test(tags, admin_of_another_business_404_nothing_changes)
{
	struct http_resp *r;
	struct tenant_fx f;
	char other_biz[UUID_STR_LEN], tag[UUID_STR_LEN], body[256];
	char *tok;

	tenant_init(&f);
	uuid4(other_biz);
	tok = tok_admin(other_biz);
	expect_all_routes(&f, tok, 404, "Customer not found");

	/* the original's routes too */
	db_tag(f.cid, "Keep", tag);
	snprintf(body, sizeof(body),
	    "{\"customer_id\":\"%s\",\"label\":\"New\"}", f.cid);
	r = http_req_tok("POST", "/customers/tags/", tok, body);
	expect_detail_and_free(r, 404, "Customer not found");
	r = tenant_req("GET", "/customers/tags/customer/%s", f.cid, NULL, tok,
	    NULL);
	expect_detail_and_free(r, 404, "Customer not found");
	r = tenant_req("DELETE", "/customers/tags/%s", tag, NULL, tok, NULL);
	expect_detail_and_free(r, 404, "Tag not found");
	cr_assert_eq(tags_of(f.cid), 1);
	cr_assert_eq(tag_events(f.cid), 0);
	free(tok);

	/* an admin of both businesses reaches it */
	tok = tok_admin_multi(other_biz, f.biz);
	r = tenant_req("GET", "/customers/%s/tags", f.cid, NULL, tok, NULL);
	expect_status(r, 200);
	http_resp_free(r);
	free(tok);
	tenant_free(&f);
}

Test(tags, unknown_customer_same_404)
{
	struct tenant_fx f;
	char nobody[UUID_STR_LEN], tag[UUID_STR_LEN];

	tenant_init(&f);
	uuid4(nobody);
	uuid4(tag);
	tenant_routes("tags", nobody, tag, "{\"label\":\"A\"}", f.admin, 404,
	    "Customer not found");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE "
			      "customer_id = $1",
			 nobody, DB_END),
	    0);
	tenant_free(&f);
}

Test(tags, superadmin_and_admin_manager_may)
{
	struct http_resp *r;
	struct tenant_fx f;
	char sub[UUID_STR_LEN];
	char *tok;
	json_t *j;

	tenant_init(&f);
	tok = tok_superadmin();
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, tok,
	    "{\"label\":\"S\"}");
	expect_status(r, 201);
	http_resp_free(r);
	free(tok);

	uuid4(sub);
	tok = tok_sub("admin_manager", sub, f.biz);
	r = tenant_req("POST", "/customers/%s/tags", f.cid, NULL, tok,
	    "{\"label\":\"M\"}");
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert_str_eq(json_str(json_array_get(j, 0), "created_by"), sub);
	json_decref(j);
	http_resp_free(r);
	r = tenant_req("GET", "/customers/%s/tags", f.cid, NULL, tok, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 2);
	json_decref(j);
	http_resp_free(r);
	free(tok);
	tenant_free(&f);
}

/* ---- GET ---- */

Test(tags, list_empty_then_by_label)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j;

	tenant_init(&f);
	r = tenant_req("GET", "/customers/%s/tags", f.cid, NULL, f.admin, NULL);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, "[]");
	http_resp_free(r);

	json_decref(tag_ok(&f, "{\"labels\":[\"b\",\"B\",\"a\",\"A\"]}"));
	r = tenant_req("GET", "/customers/%s/tags/", f.cid, NULL, f.admin,
	    NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 4);
	/* by code point, as the original sorted existing labels */
	expect_tag(json_array_get(j, 0), "A", f.cid);
	expect_tag(json_array_get(j, 1), "B", f.cid);
	expect_tag(json_array_get(j, 2), "a", f.cid);
	expect_tag(json_array_get(j, 3), "b", f.cid);
	json_decref(j);
	http_resp_free(r);
	tenant_free(&f);
}

/* ---- DELETE /customers/{id}/tags/{tag_id} ---- */

Test(tags, delete_204_then_404)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j;
	char id[UUID_STR_LEN];

	tenant_init(&f);
	j = tag_ok(&f, "{\"labels\":[\"VIP\",\"Other\"]}");
	memcpy(id, json_str(json_array_get(j, 0), "id"), UUID_STR_LEN);
	json_decref(j);

	r = tenant_req("DELETE", "/api/customers/%s/tags/%s/", f.cid, id,
	    f.admin, NULL);
	expect_status(r, 204);
	expect_module_headers(r);
	expect_json_ct(r);
	cr_assert_eq(r->body_len, 0);
	http_resp_free(r);
	cr_assert_eq(tags_of(f.cid), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE "
			      "id = $1",
			 id, DB_END),
	    0);

	r = tenant_req("DELETE", "/customers/%s/tags/%s", f.cid, id, f.admin,
	    NULL);
	expect_detail_and_free(r, 404, "Tag not found");
	tenant_free(&f);
}

Test(tags, delete_through_another_customer_404)
{
	struct http_resp *r;
	struct tenant_fx f;
	char cid2[UUID_STR_LEN], uid2[UUID_STR_LEN], tag[UUID_STR_LEN];

	tenant_init(&f);
	/* another customer of the same business: reachable, not the owner */
	cust_create(f.biz, cid2, uid2);
	db_tag(f.cid, "Mine", tag);
	r = tenant_req("DELETE", "/customers/%s/tags/%s", cid2, tag, f.admin,
	    NULL);
	expect_detail_and_free(r, 404, "Tag not found");
	cr_assert_eq(tags_of(f.cid), 1);
	tenant_free(&f);
}

Test(tags, delete_path_items_and_methods)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j;
	char tag[UUID_STR_LEN];

	tenant_init(&f);
	tenant_delete_bad_ids(&f, "tags", "tag_id");

	r = tenant_req("DELETE", "/customers/%s/tags/%s", f.cid, "worse",
	    f.admin, NULL);
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"path\",\"tag_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);

	uuid4(tag);
	r = tenant_req("GET", "/customers/%s/tags/%s", f.cid, tag, f.admin,
	    NULL);
	expect_405_and_free(r, "DELETE");
	r = tenant_req("PUT", "/customers/%s/tags", f.cid, NULL, f.admin, "{}");
	expect_405_and_free(r, "GET, POST");
	tenant_free(&f);
}

/* ---- the original's routes ---- */

Test(tags_legacy, create_single_object)
{
	static const char *forms[] = { "/customers/tags/", "/customers/tags",
		"/api/customers/tags/", "/api/customers/tags" };
	struct http_resp *r;
	struct tenant_fx f;
	char body[512], by[UUID_STR_LEN], label[16];
	json_t *j;
	size_t i;

	tenant_init(&f);
	uuid4(by);
	for (i = 0; i < 4; i++) {
		snprintf(label, sizeof(label), "VIP%zu", i);
		snprintf(body, sizeof(body),
		    "{\"customer_id\":\"%s\",\"label\":\"%s\",\"color\":"
		    "\"red\",\"priority\":5,\"created_by\":\"%s\"}",
		    f.cid, label, by);
		r = http_req_tok("POST", forms[i], f.admin, body);
		expect_status(r, 201);
		expect_module_headers(r);
		j = resp_json(r);
		expect_tag(j, label, f.cid);
		cr_assert_str_eq(json_str(j, "color"), "red");
		cr_assert_eq(json_integer_value(json_object_get(j, "priority")),
		    5);
		/* the author is the token's sub, whatever the body says */
		cr_assert_str_eq(json_str(j, "created_by"), f.sub);
		json_decref(j);
		http_resp_free(r);
	}
	cr_assert_eq(tags_of(f.cid), 4);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags"
			      " WHERE customer_id = $1 AND created_by = $2",
			 f.cid, by, DB_END),
	    0, "a body's created_by was stored");
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags"
			      " WHERE customer_id = $1 AND created_by = $2",
			 f.cid, f.sub, DB_END),
	    4);
	cr_assert_eq(tag_events(f.cid), 4);

	/* priority true is 1 (pydantic's lax int); no created_by: the caller */
	snprintf(body, sizeof(body),
	    "{\"customer_id\":\"%s\",\"label\":\"x\",\"priority\":true}",
	    f.cid);
	r = http_req_tok("POST", "/customers/tags/", f.admin, body);
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert_eq(json_integer_value(json_object_get(j, "priority")), 1);
	cr_assert(json_is_null(json_object_get(j, "color")));
	cr_assert_str_eq(json_str(j, "created_by"), f.sub);
	json_decref(j);
	http_resp_free(r);

	/* a duplicate, as the original worded it */
	snprintf(body, sizeof(body),
	    "{\"customer_id\":\"%s\",\"label\":\"VIP0\"}", f.cid);
	r = http_req_tok("POST", "/customers/tags/", f.admin, body);
	expect_detail_and_free(r, 400, "Tag(s) already exist: VIP0");
	cr_assert_eq(tags_of(f.cid), 5);
	cr_assert_eq(tag_events(f.cid), 5);
	tenant_free(&f);
}

Test(tags_legacy, create_items_and_roles)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j, *d;
	char body[256], nobody[UUID_STR_LEN];
	char *tok;

	tenant_init(&f);
	/* every field wrong, in TagCreate's order, as the original said */
	r = http_req_tok("POST", "/customers/tags/", f.admin,
	    "{\"customer_id\":\"x\",\"label\":\"\",\"color\":"
	    "\"xxxxxxxxxxxxxxxxxxxxx\",\"priority\":\"a\"}");
	j = expect_422(r);
	d = json_object_get(j, "detail");
	cr_assert_eq(json_array_size(d), 4);
	cr_assert_str_eq(json_str(json_array_get(d, 0), "type"),
	    "string_too_short");
	cr_assert_str_eq(json_str(json_array_get(d, 1), "type"),
	    "string_too_long");
	cr_assert_str_eq(json_str(json_array_get(d, 2), "type"), "int_parsing");
	cr_assert_str_eq(json_str(json_array_get(d, 3), "type"),
	    "uuid_parsing");
	expect_item(j, "[\"body\",\"label\"]", "string_too_short",
	    "String should have at least 1 character");
	expect_item(j, "[\"body\",\"color\"]", "string_too_long",
	    "String should have at most 20 characters");
	expect_item(j, "[\"body\",\"priority\"]", "int_parsing",
	    "Input should be a valid integer, unable to parse string as an "
	    "integer");
	expect_item(j, "[\"body\",\"customer_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);

	snprintf(body, sizeof(body),
	    "{\"customer_id\":\"%s\",\"label\":\"x\",\"priority\":1.5}", f.cid);
	r = http_req_tok("POST", "/customers/tags/", f.admin, body);
	j = expect_422(r);
	expect_item(j, "[\"body\",\"priority\"]", "int_from_float",
	    "Input should be a valid integer, got a number with a fractional "
	    "part");
	json_decref(j);
	http_resp_free(r);

	r = http_req_tok("POST", "/customers/tags/", f.admin, "{}");
	j = expect_422(r);
	expect_item(j, "[\"body\",\"label\"]", "missing", "Field required");
	expect_item(j, "[\"body\",\"customer_id\"]", "missing",
	    "Field required");
	json_decref(j);
	http_resp_free(r);

	/* roles: a customer, internal */
	snprintf(body, sizeof(body), "{\"customer_id\":\"%s\",\"label\":\"x\"}",
	    f.cid);
	tok = tok_sub("customer", f.uid, NULL);
	r = http_req_tok("POST", "/customers/tags/", tok, body);
	expect_detail_and_free(r, 403, "Admin privileges required");
	free(tok);
	tok = tok_internal();
	r = http_req_tok("POST", "/customers/tags/", tok, body);
	expect_detail_and_free(r, 403, "Admin privileges required");
	free(tok);

	/* a customer that does not exist */
	uuid4(nobody);
	snprintf(body, sizeof(body), "{\"customer_id\":\"%s\",\"label\":\"x\"}",
	    nobody);
	r = http_req_tok("POST", "/customers/tags/", f.admin, body);
	expect_detail_and_free(r, 404, "Customer not found");
	cr_assert_eq(tags_of(f.cid), 0);
	tenant_free(&f);
}

Test(tags_legacy, list_and_delete)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j;
	char tag[UUID_STR_LEN], nobody[UUID_STR_LEN], *tok;

	tenant_init(&f);
	r = tenant_req("GET", "/customers/tags/customer/%s", f.cid, NULL,
	    f.admin, NULL);
	expect_status(r, 200);
	expect_body(r, "[]");
	http_resp_free(r);

	db_tag(f.cid, "Old", tag);
	r = tenant_req("GET", "/api/customers/tags/customer/%s/", f.cid, NULL,
	    f.admin, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 1);
	expect_tag(json_array_get(j, 0), "Old", f.cid);
	/* a row the original's clients wrote without an author */
	cr_assert(
	    json_is_null(json_object_get(json_array_get(j, 0), "created_by")));
	json_decref(j);
	http_resp_free(r);

	uuid4(nobody);
	r = tenant_req("GET", "/customers/tags/customer/%s", nobody, NULL,
	    f.admin, NULL);
	expect_detail_and_free(r, 404, "Customer not found");
	r = tenant_req("GET", "/customers/tags/customer/%s", "x", NULL, f.admin,
	    NULL);
	j = expect_422(r);
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);

	tok = tok_sub("client", f.uid, NULL);
	r = tenant_req("GET", "/customers/tags/customer/%s", f.cid, NULL, tok,
	    NULL);
	expect_detail_and_free(r, 403, "Admin privileges required");
	r = tenant_req("DELETE", "/customers/tags/%s", tag, NULL, tok, NULL);
	expect_detail_and_free(r, 403, "Admin privileges required");
	free(tok);

	r = tenant_req("DELETE", "/customers/tags/%s", "x", NULL, f.admin,
	    NULL);
	j = expect_422(r);
	expect_item(j, "[\"path\",\"tag_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);

	r = tenant_req("DELETE", "/customers/tags/%s", tag, NULL, f.admin,
	    NULL);
	expect_status(r, 204);
	cr_assert_eq(r->body_len, 0);
	expect_module_headers(r);
	http_resp_free(r);
	cr_assert_eq(tags_of(f.cid), 0);
	r = tenant_req("DELETE", "/api/customers/tags/%s/", tag, NULL, f.admin,
	    NULL);
	expect_detail_and_free(r, 404, "Tag not found");
	tenant_free(&f);
}

Test(tags_legacy, methods)
{
	struct http_resp *r;
	struct tenant_fx f;
	char id[UUID_STR_LEN];

	tenant_init(&f);
	uuid4(id);
	r = http_req_tok("GET", "/customers/tags/", f.admin, NULL);
	expect_405_and_free(r, "POST");
	r = tenant_req("POST", "/customers/tags/%s", id, NULL, f.admin, "{}");
	expect_405_and_free(r, "DELETE");
	r = tenant_req("DELETE", "/customers/tags/customer/%s", id, NULL,
	    f.admin, NULL);
	expect_405_and_free(r, "GET");
	tenant_free(&f);
}

/*
 * A segment longer than the handler's old 512-byte path buffer (found by
 * tests/prop): the method is still checked first, the id still validated.
 */
Test(tags_legacy, long_segment_checked_like_any_other)
{
	struct http_resp *r;
	struct tenant_fx f;
	char seg[1500];

	tenant_init(&f);
	memset(seg, 'a', sizeof(seg) - 1);
	seg[sizeof(seg) - 1] = '\0';
	r = tenant_req("GET", "/api/customers/tags/%s/", seg, NULL, f.admin,
	    NULL);
	expect_405_and_free(r, "DELETE");
	r = tenant_req("DELETE", "/customers/tags/%s", seg, NULL, f.admin,
	    NULL);
	cr_assert_eq(r->status, 422, "%d %s", r->status, r->body);
	http_resp_free(r);
	r = tenant_req("DELETE", "/customers/tags/customer/%s", seg, NULL,
	    f.admin, NULL);
	expect_detail(r, 405, "Method Not Allowed");
	http_resp_free(r);
	tenant_free(&f);
}

/* ---- the schema under the routes ---- */

Test(tags, customer_deletion_cascades)
{
	struct tenant_fx f;
	char note[UUID_STR_LEN];

	tenant_init(&f);
	json_decref(tag_ok(&f, "{\"labels\":[\"A\",\"B\"]}"));
	uuid4(note);
	db_exec("INSERT INTO customer_notes (id, customer_id, content, "
		"created_by, created_at) VALUES ($1, $2, 'n', $3, now())",
	    note, f.cid, f.sub, DB_END);
	db_exec("DELETE FROM customers WHERE id = $1", f.cid, DB_END);
	cr_assert_eq(tags_of(f.cid), 0);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes WHERE "
			      "customer_id = $1",
			 f.cid, DB_END),
	    0);
	tenant_free(&f);
}
