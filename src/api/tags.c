/*
 * POST, GET /customers/{id}/tags and DELETE /customers/{id}/tags/{tag_id}:
 * admin-only labels on a customer, created all or none with one
 * `tagged` event per tag. Also the statements and replies the original's
 * tag routes share (tags_legacy.c).
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/body.h"
#include "api/customer_page.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "infra/log.h"
#include "api/records.h"
#include "http/reply.h"
#include "http/route.h"
#include "model/tag_input.h"
#include "api/tags.h"
#include "model/xalloc.h"

/*
 * The customer is locked first, so its events stay in order. Requested
 * labels that exist already (as of the statement's snapshot) insert
 * nothing and come back joined, sorted by code point as Python sorts.
 * A tag that another request committed after that snapshot fails the
 * unique index, which rolls the whole statement back; it is then run
 * again (c->unique_retry) and sees that tag. So: all tags or none, one
 * outbox row per tag, in request order. No row: no reachable customer.
 */
static const char sql_insert[] =
    "WITH cust AS ("
    " SELECT c.id, c.business_id, c.version FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") " FOR UPDATE),"
	      " want AS ("
	      " SELECT w.label, w.n"
	      " FROM jsonb_array_elements_text($5::jsonb) WITH ORDINALITY"
	      "  AS w(label, n)),"
	      " taken AS ("
	      " SELECT t.label FROM customer_tags t JOIN cust"
	      "  ON t.customer_id = cust.id"
	      " WHERE t.label IN (SELECT label FROM want)),"
	      " ins AS ("
	      " INSERT INTO customer_tags (customer_id, label, color, priority,"
	      "  created_by)"
	      " SELECT cust.id, want.label, $6, $7::integer, $8::uuid"
	      " FROM cust, want WHERE NOT EXISTS (SELECT 1 FROM taken)"
	      " ORDER BY want.n"
	      " RETURNING *),"
	      " ev AS ("
	      " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
	      "  trace_id)"
	      " SELECT 'v1.customer.tagged', cust.business_id, ins.customer_id,"
	      "  jsonb_build_object('customer_id', ins.customer_id,"
	      "  'tag_id', ins.id, 'label', ins.label, 'version', cust.version,"
	      "  'trace_id', $9::text), $9"
	      " FROM ins JOIN want ON want.label = ins.label CROSS JOIN cust"
	      " ORDER BY want.n RETURNING id)"
	      " SELECT (SELECT string_agg(label, ', ' ORDER BY label COLLATE \"C\")"
	      "  FROM taken), " TAG_COLUMNS " FROM cust"
	      " LEFT JOIN (ins t JOIN want w ON w.label = t.label) ON true"
	      " ORDER BY w.n";

/*
 * A page of the customer's tags (skip, limit) by label (code point
 * order; the table keeps no creation time), then id. One row of NULLs: a
 * customer without tags (on that page).
 */
static const char sql_list[] =
    "SELECT " TAG_COLUMNS " FROM customers c"
    " LEFT JOIN LATERAL (SELECT * FROM customer_tags t"
    " WHERE t.customer_id = c.id ORDER BY " TAGS_ORDER
    " OFFSET $5::bigint LIMIT $6::bigint) t ON true"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") " ORDER BY " TAGS_ORDER;

/* No row: no reachable customer; else how many tags went (0 or 1). */
static const char sql_delete[] =
    "WITH cust AS ("
    " SELECT c.id FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3",
	"$4") "),"
	      " del AS ("
	      " DELETE FROM customer_tags t USING cust"
	      " WHERE t.id = $5 AND t.customer_id = cust.id RETURNING t.id)"
	      " SELECT (SELECT count(*) FROM del) FROM cust";

/* A unique index race makes the statement run again, this many times. */
#define INSERT_ATTEMPTS 3

static const struct row_field tag_fields[TAG_NCOLUMNS] = {
	{ "label", 0 },
	{ "color", 0 },
	{ "priority", 1 },
	{ "created_by", 0 },
	{ "id", 0 },
	{ "customer_id", 0 },
};

/* A create: the request's labels, then the statement's outcome. */
struct tags_insert {
	struct tag_input in;
	struct scope scope;
	int single; /* the original's route: one object, not a list */
	int attempts; /* runs of the statement (unique index races) */
	int found; /* the customer is there and reachable */
	char *taken; /* "A, B": requested labels that exist already */
	size_t ntags;
	char (*tag_ids)[UUID_STRLEN]; /* the new tags, for the logs */
	struct jsonw json;
};

static const struct record_delete tag_delete = { "tag_id", sql_delete,
	"Tag not found" };

static enum op_next create_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next create_single_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next create_checks(struct http_request *, struct ctx *,
    struct op_query *, int);
static void insert_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next insert_done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next list_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next delete_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void insert_query(struct ctx *, struct tags_insert *, struct op_query *);
static void insert_free(void *);
static void log_tagged(struct ctx *, struct tags_insert *);

static const struct op op_create = { create_prepare, NULL, insert_rows,
	insert_done };
const struct op tags_create_single = { create_single_prepare, NULL, insert_rows,
	insert_done };
static const struct op op_list = { list_prepare, NULL, tags_list_rows,
	customer_page_done };
static const struct op op_delete = { delete_prepare, NULL, records_delete_rows,
	records_delete_done };

int
h_tags(struct http_request *req)
{
	return (records_collection(req, &op_create, &op_list));
}

int
h_tag(struct http_request *req)
{
	return (records_item(req, &op_delete));
}

/* ---- create ---- */

static void
insert_free(void *arg)
{
	struct tags_insert *st = arg;

	tag_input_free(&st->in);
	free(st->taken);
	free(st->tag_ids);
	jsonw_free(&st->json);
	free(st);
}

static enum op_next
create_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (create_checks(req, c, q, 0));
}

static enum op_next
create_single_prepare(struct http_request *req, struct ctx *c,
    struct op_query *q)
{
	return (create_checks(req, c, q, 1));
}

/*
 * The body (a list of labels or, single, the original's one tag, whose
 * customer_id is in the body rather than the path), the roles, then the
 * statement.
 */
static enum op_next
create_checks(struct http_request *req, struct ctx *c, struct op_query *q,
    int single)
{
	struct tags_insert *st;
	struct problems p;
	json_t *body;

	/* The original's route has no customer in its path. */
	if (!body_read(req, single ? NULL : c, &p, &body))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	jsonw_init(&st->json);
	c->state = st;
	c->state_free = insert_free;
	st->single = single;
	if (body != NULL && single)
		(void)tag_input_single(body, &p, &st->in);
	else if (body != NULL)
		(void)tag_input_batch(body, &p, &st->in);
	json_decref(body);
	if (!request_checked(req, &p))
		return (OP_REPLIED);
	if (single)
		(void)memcpy(c->customer_id, st->in.customer_id, UUID_STRLEN);
	if (!admin_only(req, c))
		return (OP_REPLIED);
	if (st->in.duplicate) {
		(void)reply_detail(req, 400, "Duplicate labels provided");
		return (OP_REPLIED);
	}
	/*
	 * The author is the caller, as on every write and as notes record
	 * theirs: the original stored the body's created_by, which let
	 * anyone sign as someone else. On its route the field is still
	 * checked (a UUID) for the original's clients.
	 */
	(void)memcpy(st->in.created_by, c->claims.sub, UUID_STRLEN);
	insert_query(c, st, q);
	return (OP_QUERY);
}

static void
insert_query(struct ctx *c, struct tags_insert *st, struct op_query *q)
{
	access_scope(&c->claims, &st->scope);
	c->unique_retry = 1;
	st->attempts++;
	q->sql = sql_insert;
	q->nparams = 9;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->in.labels;
	q->values[5] = st->in.color;
	q->values[6] = st->in.priority;
	q->values[7] = st->in.created_by[0] != '\0' ? st->in.created_by : NULL;
	q->values[8] = c->trace_id;
}

static void
insert_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct tags_insert *st = c->state;
	int i, n;

	n = PQntuples(res);
	if (n == 0 || st->found)
		return;
	st->found = 1;
	if (!PQgetisnull(res, 0, 0)) {
		st->taken = xstrdup(PQgetvalue(res, 0, 0));
		return;
	}
	st->tag_ids = xcalloc((size_t)n, UUID_STRLEN);
	if (!st->single)
		jsonw_open(&st->json, '[');
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 5))
			continue;
		(void)kore_strlcpy(st->tag_ids[st->ntags++],
		    PQgetvalue(res, i, 5), UUID_STRLEN);
		jsonw_next(&st->json);
		row_object_json(res, i, 1, tag_fields, TAG_NCOLUMNS, &st->json);
	}
	if (!st->single)
		jsonw_close(&st->json, ']');
}

static enum op_next
insert_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct tags_insert *st = c->state;
	struct kore_buf buf;

	if (c->unique_violated) {
		c->unique_violated = 0;
		if (st->attempts < INSERT_ATTEMPTS) {
			insert_query(c, st, q);
			return (OP_QUERY);
		}
		log_error(c->trace_id, "tags: unique index races persist");
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	c->unique_retry = 0;
	if (!st->found) {
		(void)reply_detail(req, 404, "Customer not found");
		return (OP_REPLIED);
	}
	if (st->taken != NULL) {
		kore_buf_init(&buf, 128);
		kore_buf_appendf(&buf, "Tag(s) already exist: %s", st->taken);
		(void)reply_detail(req, 400, kore_buf_stringify(&buf, NULL));
		kore_buf_cleanup(&buf);
		return (OP_REPLIED);
	}
	if (st->ntags == 0 || st->json.failed) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	if (!c->replayed)
		log_tagged(c, st);
	(void)reply_json(req, 201, st->json.buf, st->json.len);
	return (OP_REPLIED);
}

/* "Customer tagged", once per tag, as the original logged it. */
static void
log_tagged(struct ctx *c, struct tags_insert *st)
{
	struct log_field f[2];
	size_t i;

	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "tag_id";
	for (i = 0; i < st->ntags; i++) {
		f[1].str = st->tag_ids[i];
		log_write(LOG_LEVEL_INFO, c->trace_id, "Customer tagged", f, 2);
	}
}

/* ---- list ---- */

static enum op_next
list_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (records_page_query(req, c, q, sql_list));
}

enum op_next
tags_list_query(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (customer_page_query(req, c, q, sql_list));
}

void
tags_list_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	/* id: NULL in the one row of a customer without tags */
	records_page_rows(c->state, res, 4, tag_fields, TAG_NCOLUMNS);
}

/* ---- delete ---- */

static enum op_next
delete_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (records_delete_query(req, c, q, &tag_delete));
}
