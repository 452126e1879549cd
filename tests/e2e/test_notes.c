/*
 * Notes (docs/api.md, docs/events.md): POST, GET
 * /customers/{id}/notes and DELETE /customers/{id}/notes/{note_id}.
 * Admins and superadmins only; the author is the token's subject; one
 * `note_added` event per note; newest first; tenants never see or change
 * each other's notes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

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

static long
notes_of(const char *cid)
{
	return (db_count("SELECT count(*) FROM customer_notes "
			 "WHERE customer_id = $1",
	    cid, DB_END));
}

static long
note_events(const char *cid)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1 "
			 "AND routing_key = 'v1.customer.note_added'",
	    cid, DB_END));
}

/* content,id,customer_id,created_by,created_at: the original's order. */
static void
expect_note(const json_t *n, const char *content, const char *cid,
    const char *by)
{
	static const char *keys[] = { "content", "id", "customer_id",
		"created_by", "created_at", NULL };

	expect_key_order(n, keys, "note");
	cr_assert_str_eq(json_str(n, "content"), content);
	cr_assert(uuid_is_canonical(json_str(n, "id")));
	cr_assert_str_eq(json_str(n, "customer_id"), cid);
	cr_assert_str_eq(json_str(n, "created_by"), by);
	cr_assert(str_matches(json_str(n, "created_at"), TS_RE),
	    "created_at %s", json_str(n, "created_at"));
}

/* POST a note as the fixture's admin: 201 and its id in out. */
static void
note_ok(struct tenant_fx *f, const char *content, char out[UUID_STR_LEN])
{
	struct http_resp *r;
	json_t *j, *body;
	char *text;

	body = json_pack("{s:s}", "content", content);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	r = tenant_req("POST", "/customers/%s/notes", f->cid, NULL, f->admin,
	    text);
	expect_status(r, 201);
	j = resp_json(r);
	expect_note(j, content, f->cid, f->sub);
	memcpy(out, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(text);
}

static void
db_note(const char *cid, const char *by, char out[UUID_STR_LEN])
{
	uuid4(out);
	db_exec("INSERT INTO customer_notes (id, customer_id, content, "
		"created_by, created_at) VALUES ($1, $2, 'kept', $3, "
		"now() AT TIME ZONE 'utc')",
	    out, cid, by, DB_END);
}

/* ---- POST ---- */

Test(notes, create_shape_author_event_log)
{
	struct http_resp *r;
	struct tenant_fx f;
	const char *hdrs[4];
	char *auth, *path, *got, want[1024], forged[UUID_STR_LEN];
	char body[256];
	json_t *j;
	const char *id;

	tenant_init(&f);
	uuid4(forged);
	cr_assert(asprintf(&auth, "Authorization: Bearer %s", f.admin) != -1);
	cr_assert(asprintf(&path, "/customers/%s/notes", f.cid) != -1);
	hdrs[0] = auth;
	hdrs[1] = "X-Trace-Id: trace-notes-1";
	hdrs[2] = "Content-Type: application/json";
	hdrs[3] = NULL;
	/* a created_by in the body is ignored: the author is the token's */
	snprintf(body, sizeof(body),
	    "{\"content\":\"Prefers mornings\",\"created_by\":\"%s\"}", forged);
	r = http_req("POST", path, hdrs, body, strlen(body));
	expect_status(r, 201);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	expect_note(j, "Prefers mornings", f.cid, f.sub);
	id = json_str(j, "id");
	cr_assert_eq(
	    db_count("SELECT count(*) FROM customer_notes WHERE "
		     "id = $1 AND customer_id = $2 AND created_by = $3 "
		     "AND content = 'Prefers mornings'",
		id, f.cid, f.sub, DB_END),
	    1);

	cr_assert_eq(note_events(f.cid), 1);
	got = db_value(
	    "SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM "
	    "jsonb_object_keys(payload) k) || '|' || (payload->>'customer_id') "
	    "|| '|' || (payload->>'note_id') || '|' || (payload->>'trace_id') "
	    "|| '|' || business_id || '|' || trace_id FROM outbox WHERE "
	    "customer_id = $1 AND routing_key = 'v1.customer.note_added'",
	    f.cid, DB_END);
	snprintf(want, sizeof(want),
	    "customer_id,note_id,trace_id,version|%s|%s|trace-notes-1|%s|"
	    "trace-notes-1",
	    f.cid, id, f.biz);
	cr_assert_str_eq(got, want);
	cr_assert_eq(service_log_has("\"Note created\"", id), 1,
	    "no Note created log line for %s", id);
	free(got);
	json_decref(j);
	http_resp_free(r);

	/* even a malformed created_by is ignored */
	r = tenant_req("POST", "/customers/%s/notes", f.cid, NULL, f.admin,
	    "{\"content\":\"x\",\"created_by\":\"x\"}");
	expect_status(r, 201);
	http_resp_free(r);
	cr_assert_eq(notes_of(f.cid), 2);
	free(path);
	free(auth);
	tenant_free(&f);
}

Test(notes, both_path_forms)
{
	static const char *forms[] = { "/customers/%s/notes",
		"/customers/%s/notes/", "/api/customers/%s/notes",
		"/api/customers/%s/notes/" };
	struct tenant_fx f;
	size_t i;

	tenant_init(&f);
	for (i = 0; i < 4; i++)
		tenant_post_and_list(&f, forms[i], "{\"content\":\"n\"}",
		    i + 1);
	cr_assert_eq(note_events(f.cid), 4);
	tenant_free(&f);
}

static json_t *
post_422(struct tenant_fx *f, const char *cid, const char *body)
{
	struct http_resp *r;
	json_t *j;

	r = tenant_req("POST", "/customers/%s/notes", cid, NULL, f->admin,
	    body);
	j = expect_422(r);
	http_resp_free(r);
	return (j);
}

Test(notes, content_items)
{
	struct tenant_fx f;
	json_t *j, *it;
	char *body, *longer, id[UUID_STR_LEN];
	size_t i, n;

	tenant_init(&f);
	j = post_422(&f, f.cid, "{\"created_by\":\"x\"}");
	cr_assert_eq(items_count(j), 1, "created_by is not checked");
	expect_item(j, "[\"body\",\"content\"]", "missing", "Field required");
	json_decref(j);

	j = post_422(&f, f.cid, "{\"content\":\"\"}");
	it = expect_item(j, "[\"body\",\"content\"]", "string_too_short",
	    "String should have at least 1 character");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"),
			     "min_length")),
	    1);
	json_decref(j);

	j = post_422(&f, f.cid, "{\"content\":5}");
	expect_item(j, "[\"body\",\"content\"]", "string_type",
	    "Input should be a valid string");
	json_decref(j);
	j = post_422(&f, f.cid, "{\"content\":null}");
	expect_item(j, "[\"body\",\"content\"]", "string_type",
	    "Input should be a valid string");
	json_decref(j);
	j = post_422(&f, f.cid, "{\"content\":\"a\\u0000\"}");
	expect_item(j, "[\"body\",\"content\"]", "string_pattern_mismatch",
	    NULL);
	json_decref(j);
	j = post_422(&f, f.cid, "[]");
	expect_item(j, "[\"body\"]", "model_attributes_type", NULL);
	json_decref(j);
	j = post_422(&f, f.cid, "");
	expect_item(j, "[\"body\"]", "missing", "Field required");
	json_decref(j);

	/* 501 characters: too long; 500 two-byte characters: fine */
	longer = malloc(1100);
	cr_assert_not_null(longer);
	memset(longer, 'x', 501);
	longer[501] = '\0';
	cr_assert(asprintf(&body, "{\"content\":\"%s\"}", longer) != -1);
	j = post_422(&f, f.cid, body);
	it = expect_item(j, "[\"body\",\"content\"]", "string_too_long",
	    "String should have at most 500 characters");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"),
			     "max_length")),
	    500);
	json_decref(j);
	free(body);
	for (i = 0, n = 0; i < 500; i++, n += 2)
		memcpy(longer + n, "\xc8\x99", 2);
	longer[n] = '\0';
	note_ok(&f, longer, id);
	free(longer);
	cr_assert_eq(notes_of(f.cid), 1);

	/* a bad path and a bad body: both items, the path first */
	j = post_422(&f, "zzz", "{\"content\":\"\"}");
	cr_assert_eq(items_count(j), 2);
	cr_assert_str_eq(json_str(json_array_get(json_object_get(j, "detail"),
				      0),
			     "type"),
	    "uuid_parsing");
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing", NULL);
	expect_item(j, "[\"body\",\"content\"]", "string_too_short", NULL);
	json_decref(j);
	cr_assert_eq(note_events(f.cid), 1);
	tenant_free(&f);
}

/* ---- GET ---- */

Test(notes, list_newest_first)
{
	struct http_resp *r;
	struct tenant_fx f;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
	json_t *j;

	tenant_init(&f);
	r = tenant_req("GET", "/customers/%s/notes", f.cid, NULL, f.admin,
	    NULL);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, "[]");
	http_resp_free(r);

	note_ok(&f, "first", a);
	note_ok(&f, "second", b);
	note_ok(&f, "third", c);
	r = tenant_req("GET", "/customers/%s/notes", f.cid, NULL, f.admin,
	    NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 3);
	expect_note(json_array_get(j, 0), "third", f.cid, f.sub);
	expect_note(json_array_get(j, 1), "second", f.cid, f.sub);
	expect_note(json_array_get(j, 2), "first", f.cid, f.sub);
	cr_assert_str_eq(json_str(json_array_get(j, 0), "id"), c);
	cr_assert_str_eq(json_str(json_array_get(j, 2), "id"), a);
	json_decref(j);
	http_resp_free(r);

	r = tenant_req("GET", "/customers/%s/notes", "bad", NULL, f.admin,
	    NULL);
	j = expect_422(r);
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);
	tenant_free(&f);
}

/* ---- roles and tenants ---- */

/* POST, GET and DELETE as tok; then nothing has changed. */
static void
expect_all_routes(struct tenant_fx *f, const char *tok, int status,
    const char *detail)
{
	char note[UUID_STR_LEN];

	db_note(f->cid, f->sub, note);
	tenant_routes("notes", f->cid, note, "{\"content\":\"sneaky\"}", tok,
	    status, detail);
	cr_assert_eq(notes_of(f->cid), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes WHERE "
			      "id = $1",
			 note, DB_END),
	    1);
	cr_assert_eq(note_events(f->cid), 0);
	db_exec("DELETE FROM customer_notes WHERE id = $1", note, DB_END);
}

Test(notes, roles_that_may_not)
{
	tenant_roles_that_may_not(expect_all_routes);
}

Test(notes, admin_of_another_business_404_nothing_changes)
{
	struct tenant_fx f;
	char other_biz[UUID_STR_LEN];
	char *tok;

	tenant_init(&f);
	uuid4(other_biz);
	tok = tok_admin(other_biz);
	expect_all_routes(&f, tok, 404, "Customer not found");
	free(tok);
	tenant_free(&f);
}

Test(notes, unknown_customer_same_404)
{
	struct tenant_fx f;
	char nobody[UUID_STR_LEN], note[UUID_STR_LEN];

	tenant_init(&f);
	uuid4(nobody);
	uuid4(note);
	tenant_routes("notes", nobody, note, "{\"content\":\"x\"}", f.admin,
	    404, "Customer not found");
	cr_assert_eq(notes_of(nobody), 0);
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE "
			      "customer_id = $1",
			 nobody, DB_END),
	    0);
	tenant_free(&f);
}

Test(notes, superadmin_and_admin_manager_may)
{
	struct http_resp *r;
	struct tenant_fx f;
	char sub[UUID_STR_LEN];
	json_t *j;
	char *tok;

	tenant_init(&f);
	uuid4(sub);
	tok = tok_sub("superadmin", sub, NULL);
	r = tenant_req("POST", "/customers/%s/notes", f.cid, NULL, tok,
	    "{\"content\":\"by super\"}");
	expect_status(r, 201);
	j = resp_json(r);
	expect_note(j, "by super", f.cid, sub);
	json_decref(j);
	http_resp_free(r);
	free(tok);

	uuid4(sub);
	tok = tok_sub("admin_manager", sub, f.biz);
	r = tenant_req("GET", "/customers/%s/notes", f.cid, NULL, tok, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 1);
	json_decref(j);
	http_resp_free(r);
	free(tok);
	tenant_free(&f);
}

/* ---- DELETE ---- */

Test(notes, delete_204_then_404)
{
	struct http_resp *r;
	struct tenant_fx f;
	char a[UUID_STR_LEN], b[UUID_STR_LEN];

	tenant_init(&f);
	note_ok(&f, "one", a);
	note_ok(&f, "two", b);
	r = tenant_req("DELETE", "/api/customers/%s/notes/%s/", f.cid, a,
	    f.admin, NULL);
	expect_status(r, 204);
	expect_json_ct(r);
	expect_module_headers(r);
	cr_assert_eq(r->body_len, 0);
	http_resp_free(r);
	cr_assert_eq(notes_of(f.cid), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes WHERE "
			      "id = $1",
			 b, DB_END),
	    1);
	r = tenant_req("DELETE", "/customers/%s/notes/%s", f.cid, a, f.admin,
	    NULL);
	expect_detail_and_free(r, 404, "Note not found");
	/* deletions publish nothing */
	cr_assert_eq(note_events(f.cid), 2);
	tenant_free(&f);
}

Test(notes, delete_through_another_customer_404)
{
	struct http_resp *r;
	struct tenant_fx f;
	char cid2[UUID_STR_LEN], uid2[UUID_STR_LEN], note[UUID_STR_LEN];

	tenant_init(&f);
	cust_create(f.biz, cid2, uid2);
	db_note(f.cid, f.sub, note);
	r = tenant_req("DELETE", "/customers/%s/notes/%s", cid2, note, f.admin,
	    NULL);
	expect_detail_and_free(r, 404, "Note not found");
	cr_assert_eq(notes_of(f.cid), 1);
	tenant_free(&f);
}

Test(notes, delete_path_items_and_methods)
{
	struct http_resp *r;
	struct tenant_fx f;
	json_t *j;
	char note[UUID_STR_LEN];

	tenant_init(&f);
	tenant_delete_bad_ids(&f, "notes", "note_id");

	r = tenant_req("DELETE", "/customers/%s/notes/%s", f.cid, "12", f.admin,
	    NULL);
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"path\",\"note_id\"]", "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);

	uuid4(note);
	r = tenant_req("GET", "/customers/%s/notes/%s", f.cid, note, f.admin,
	    NULL);
	expect_405_and_free(r, "DELETE");
	r = tenant_req("DELETE", "/customers/%s/notes", f.cid, NULL, f.admin,
	    NULL);
	expect_405_and_free(r, "GET, POST");
	tenant_free(&f);
}

Test(notes, customer_deletion_cascades)
{
	struct tenant_fx f;
	char a[UUID_STR_LEN];

	tenant_init(&f);
	note_ok(&f, "gone soon", a);
	db_exec("DELETE FROM customers WHERE id = $1", f.cid, DB_END);
	cr_assert_eq(notes_of(f.cid), 0);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes WHERE "
			      "id = $1",
			 a, DB_END),
	    0);
	tenant_free(&f);
}
