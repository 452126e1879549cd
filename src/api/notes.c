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
#include "api/customer_page.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "infra/log.h"
#include "api/records.h"
#include "http/reply.h"
#include "http/route.h"
#include "api/tags.h"
#include "model/xalloc.h"

#define NOTE_CONTENT_MAX 500

/* A note as the API shows it: content,id,customer_id,created_by,created_at */
#define NOTE_COLUMNS \
	"n.content, n.id, n.customer_id, n.created_by, " \
	"to_char(n.created_at, " SQL_TS_FORMAT ")"
#define NOTE_NCOLUMNS 5

/* The customer is locked first, so its events stay in order. */
static const char sql_create[] =
    "WITH cust AS ("
    " SELECT c.id, c.business_id, c.version FROM customers c"
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
	      "  'note_id', ins.id, 'version', cust.version, 'trace_id', $7::text),"
	      "  $7"
	      " FROM ins, cust RETURNING id)"
	      " SELECT " NOTE_COLUMNS " FROM ins n";

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

static const struct record_delete note_delete = { "note_id", sql_delete,
	"Note not found" };

/* POST: the note's content, then the new note */
struct create_state {
	struct scope scope;
	char *content; /* owned */
	char id[UUID_STRLEN];
	int found; /* the customer is there and reachable */
	struct jsonw json;
};

int h_notes(struct http_request *);
int h_note(struct http_request *);

static enum op_next create_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void create_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next create_done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next list_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void list_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next delete_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void create_free(void *);

static const struct op op_create = { create_prepare, NULL, create_rows,
	create_done };
static const struct op op_list = { list_prepare, NULL, list_rows,
	customer_page_done };
static const struct op op_delete = { delete_prepare, NULL, records_delete_rows,
	records_delete_done };

int
h_notes(struct http_request *req)
{
	return (records_collection(req, &op_create, &op_list));
}

int
h_note(struct http_request *req)
{
	return (records_item(req, &op_delete));
}

/* ---- create ---- */

static void
create_free(void *arg)
{
	struct create_state *st = arg;

	free(st->content);
	jsonw_free(&st->json);
	free(st);
}

static enum op_next
create_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct create_state *st;
	struct problems p;
	const char *content;
	json_t *body;

	if (!body_read(req, c, &p, &body))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	jsonw_init(&st->json);
	c->state = st;
	c->state_free = create_free;
	content = NULL;
	if (body != NULL && !json_is_object(body))
		customer_input_not_object(body, &p);
	else if (body != NULL)
		(void)check_string(&p, body, &rule_content, &content, NULL);
	/* Copied before the body goes: the query is sent later. */
	if (content != NULL)
		st->content = xstrdup(content);
	json_decref(body);
	if (!request_checked(req, &p) || !admin_only(req, c))
		return (OP_REPLIED);
	customer_query(c, &st->scope, q, sql_create);
	q->nparams = 7;
	q->values[4] = st->content;
	q->values[5] = c->claims.sub;
	q->values[6] = c->trace_id;
	return (OP_QUERY);
}

static void
create_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct create_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	(void)kore_strlcpy(st->id, PQgetvalue(res, 0, 1), sizeof(st->id));
	row_object_json(res, 0, 0, note_fields, NOTE_NCOLUMNS, &st->json);
}

static enum op_next
create_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct create_state *st = c->state;
	struct log_field f[2];

	if (customer_write_failed(req, st->found, &st->json))
		return (OP_REPLIED);
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "note_id";
	f[1].str = st->id;
	if (!c->replayed)
		log_write(LOG_LEVEL_INFO, c->trace_id, "Note created", f, 2);
	(void)reply_json(req, 201, st->json.buf, st->json.len);
	return (OP_REPLIED);
}

/* ---- list ---- */

static enum op_next
list_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (records_page_query(req, c, q, sql_list));
}

static void
list_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	/* id: NULL in the one row of a customer without notes */
	records_page_rows(c->state, res, 1, note_fields, NOTE_NCOLUMNS);
}

/* ---- delete ---- */

static enum op_next
delete_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (records_delete_query(req, c, q, &note_delete));
}
