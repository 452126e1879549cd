/*
 * POST, GET /customers/{id}/notes and DELETE /customers/{id}/notes/{note_id}:
 * admin-only notes on a customer. The author is the token's subject (a
 * created_by in the body is ignored); a new note has its `note_added`
 * event in the same statement.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/body.h"
#include "model/customer_input.h"
#include "model/customer_row.h"
#include "api/customers.h"
#include "infra/log.h"
#include "http/reply.h"
#include "http/route.h"
#include "api/tags.h"

#define NOTE_CONTENT_MAX 500

/* A note as the API shows it: content,id,customer_id,created_by,created_at */
#define NOTE_COLUMNS \
	"n.content, n.id, n.customer_id, n.created_by, " \
	"to_char(n.created_at, " SQL_TS_FORMAT ")"
#define NOTE_NCOLUMNS 5

/* The customer is locked first, so its events stay in order. */
static const char sql_create[] =
    "WITH cust AS ("
    " SELECT c.id, c.business_id FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") " FOR UPDATE),"
	      " ins AS ("
	      " INSERT INTO customer_notes (customer_id, content, created_by,"
	      "  created_at)"
	      " SELECT cust.id, $5, $6::uuid, now() AT TIME ZONE 'utc' FROM cust"
	      " RETURNING *),"
	      " ev AS ("
	      " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
	      "  trace_id)"
	      " SELECT 'v1.customer.note_added', cust.business_id, ins.customer_id,"
	      "  jsonb_build_object('customer_id', ins.customer_id,"
	      "  'note_id', ins.id, 'trace_id', $7::text), $7"
	      " FROM ins, cust RETURNING id),"
	      " wake AS (SELECT count(pg_notify('bee_outbox', '')) AS n FROM ev)"
	      " SELECT " NOTE_COLUMNS " FROM ins n, wake";

/*
 * A page (skip, limit), newest first. One row of NULLs: a customer
 * without notes (on that page).
 */
static const char sql_list[] =
    "SELECT " NOTE_COLUMNS " FROM customers c"
    " LEFT JOIN LATERAL (SELECT * FROM customer_notes n"
    " WHERE n.customer_id = c.id ORDER BY " NOTES_ORDER
    " OFFSET $5::bigint LIMIT $6::bigint) n ON true"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") " ORDER BY " NOTES_ORDER;

/* No row: no reachable customer; else how many notes went (0 or 1). */
static const char sql_delete[] =
    "WITH cust AS ("
    " SELECT c.id FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") "),"
	      " del AS ("
	      " DELETE FROM customer_notes n USING cust"
	      " WHERE n.id = $5 AND n.customer_id = cust.id RETURNING n.id)"
	      " SELECT (SELECT count(*) FROM del) FROM cust";

static const struct str_rule rule_content = { "content", 1, 0, 1,
	NOTE_CONTENT_MAX };

static const struct row_field note_fields[NOTE_NCOLUMNS] = {
	{ "content", 0 },
	{ "id", 0 },
	{ "customer_id", 0 },
	{ "created_by", 0 },
	{ "created_at", 0 },
};

struct note_state {
	struct scope scope;
	struct query_page page;
	char *content; /* owned */
	char id[UUID_STRLEN]; /* path note_id, or the new note's */
	int found; /* the customer (create, list, delete) */
	int deleted;
	struct jsonw json;
};

static enum op_next create_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void create_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next create_done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next list_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void list_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next list_done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next delete_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void delete_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next delete_done(struct http_request *, struct ctx *,
    struct op_query *);
static struct note_state *state_new(struct ctx *);
static void state_free(void *);
static void scope_params(struct ctx *, struct note_state *, struct op_query *);

static const struct op op_create = { create_prepare, NULL, create_rows,
	create_done };
static const struct op op_list = { list_prepare, NULL, list_rows, list_done };
static const struct op op_delete = { delete_prepare, NULL, delete_rows,
	delete_done };

int
h_notes(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/notes",
		HTTP_METHOD_GET | HTTP_METHOD_POST, "GET, POST", &c))
		return (KORE_RESULT_OK);
	if (req->method == HTTP_METHOD_POST)
		return (op_run(req, &op_create));
	return (op_run(req, &op_list));
}

int
h_note(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/notes/{note_id}",
		HTTP_METHOD_DELETE, "DELETE", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_delete));
}

static struct note_state *
state_new(struct ctx *c)
{
	struct note_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("notes: out of memory");
	jsonw_init(&st->json);
	c->state = st;
	c->state_free = state_free;
	return (st);
}

static void
state_free(void *arg)
{
	struct note_state *st = arg;

	free(st->content);
	jsonw_free(&st->json);
	free(st);
}

/* $1..$4: the customer and the caller's reach. */
static void
scope_params(struct ctx *c, struct note_state *st, struct op_query *q)
{
	access_scope(&c->claims, &st->scope);
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
}

/* ---- create ---- */

static enum op_next
create_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st;
	struct problems p;
	const char *content;
	json_t *body;

	problems_init(&p);
	if (!path_uuid(&p, req, 1, "customer_id", c->customer_id))
		c->customer_id[0] = '\0';
	if (!body_json(req, &p, &body)) {
		problems_free(&p);
		return (OP_REPLIED);
	}
	st = state_new(c);
	content = NULL;
	if (body != NULL && !json_is_object(body))
		customer_input_not_object(body, &p);
	else if (body != NULL)
		(void)check_string(&p, body, &rule_content, &content, NULL);
	/* Copied before the body goes: the query is sent later. */
	if (content != NULL && (st->content = strdup(content)) == NULL)
		fatal("notes: out of memory");
	json_decref(body);
	if (problems_count(&p) > 0) {
		(void)reply_problems(req, &p);
		problems_free(&p);
		return (OP_REPLIED);
	}
	problems_free(&p);
	if (!admin_only(req, c))
		return (OP_REPLIED);
	q->sql = sql_create;
	q->nparams = 7;
	scope_params(c, st, q);
	q->values[4] = st->content;
	q->values[5] = c->claims.sub;
	q->values[6] = c->trace_id;
	return (OP_QUERY);
}

static void
create_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct note_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	(void)kore_strlcpy(st->id, PQgetvalue(res, 0, 1), sizeof(st->id));
	row_object_json(res, 0, 0, note_fields, NOTE_NCOLUMNS, &st->json);
}

static enum op_next
create_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st = c->state;
	struct log_field f[2];

	if (!st->found) {
		(void)reply_detail(req, 404, "Customer not found");
		return (OP_REPLIED);
	}
	if (st->json.failed) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "note_id";
	f[1].str = st->id;
	log_write(LOG_LEVEL_INFO, c->trace_id, "Note created", f, 2);
	(void)reply_json(req, 201, st->json.buf, st->json.len);
	return (OP_REPLIED);
}

/* ---- list ---- */

static enum op_next
list_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st;

	if (!customer_path_id(req, c) || !admin_only(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	if (!route_page(req, &st->page))
		return (OP_REPLIED);
	q->sql = sql_list;
	q->long_read = 1; /* up to QUERY_LIMIT_MAX notes, past skip ones */
	q->nparams = 6;
	scope_params(c, st, q);
	q->values[4] = st->page.skip;
	q->values[5] = st->page.limit;
	return (OP_QUERY);
}

static void
list_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct note_state *st = c->state;
	int i, n;

	n = PQntuples(res);
	if (n == 0 || st->found)
		return;
	st->found = 1;
	jsonw_open(&st->json, '[');
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 1))
			continue;
		jsonw_next(&st->json);
		row_object_json(res, i, 0, note_fields, NOTE_NCOLUMNS,
		    &st->json);
	}
	jsonw_close(&st->json, ']');
}

static enum op_next
list_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st = c->state;

	return (customer_reply(req, st->found, &st->json));
}

/* ---- delete ---- */

static enum op_next
delete_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st;
	char note_id[UUID_STRLEN];

	if (!customer_path_ids(req, c, "note_id", note_id) ||
	    !admin_only(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	(void)memcpy(st->id, note_id, sizeof(st->id));
	q->sql = sql_delete;
	q->nparams = 5;
	scope_params(c, st, q);
	q->values[4] = st->id;
	return (OP_QUERY);
}

static void
delete_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct note_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	st->deleted = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
}

static enum op_next
delete_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct note_state *st = c->state;

	if (!st->found)
		(void)reply_detail(req, 404, "Customer not found");
	else if (!st->deleted)
		(void)reply_detail(req, 404, "Note not found");
	else
		(void)reply_no_content(req);
	return (OP_REPLIED);
}
