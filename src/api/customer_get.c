/*
 * GET /customers/{id}: one customer, if the caller reaches it. Out of
 * reach and nonexistent are the same 404, so ids reveal nothing. Its
 * ETag is the row's version; an If-None-Match that names it gets a 304.
 * Its steps serve every GET of one customer's row (customer_get.h), such
 * as stats.c's, which sends no ETag.
 */
#include <stdlib.h>

#include "http/access.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "api/customer_get.h"
#include "http/op.h"
#include "http/precond.h"
#include "http/reply.h"
#include "model/xalloc.h"

static const char sql_get[] =
    "SELECT " CUSTOMER_COLUMNS ", c.version FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

struct one_state {
	struct scope scope;
	customer_writer write;
	struct jsonw json; /* the customer, once found */
	int found;
	int tagged; /* a customer's representation: ETag, If-None-Match */
	struct etag_cond if_none_match;
	char version[ETAG_DIGITS + 1];
	char etag[ETAG_MAX];
};

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void state_free(void *);

static const struct op op_get = { prepare, NULL, customer_one_rows,
	customer_one_done };

int
customer_get(struct http_request *req)
{
	return (op_run(req, &op_get));
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct one_state *st;

	if (customer_one_prepare(req, c, q, customer_row_json) != OP_QUERY)
		return (OP_REPLIED);
	st = c->state;
	st->tagged = 1;
	precond_if_none_match(req, &st->if_none_match);
	return (OP_QUERY);
}

static void
state_free(void *arg)
{
	struct one_state *st = arg;

	jsonw_free(&st->json);
	free(st);
}

enum op_next
customer_one_prepare(struct http_request *req, struct ctx *c,
    struct op_query *q, customer_writer write)
{
	struct one_state *st;

	if (!customer_path_id(req, c) || !customer_role_check(req, c))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	st->write = write;
	c->state = st;
	c->state_free = state_free;
	customer_query(c, &st->scope, q, sql_get);
	return (OP_QUERY);
}

void
customer_one_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct one_state *st = c->state;

	if (PQntuples(res) == 1 && !st->found) {
		st->found = 1;
		st->write(res, 0, 0, &st->json);
		(void)kore_strlcpy(st->version,
		    PQgetvalue(res, 0, CUSTOMER_NCOLUMNS), sizeof(st->version));
		(void)etag_format(st->version, st->etag);
	}
}

enum op_next
customer_one_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct one_state *st = c->state;

	if (!st->tagged)
		return (customer_reply(req, st->found, &st->json));
	if (customer_write_failed(req, st->found, &st->json) ||
	    precond_not_modified(req, &st->if_none_match, st->version,
		st->etag))
		return (OP_REPLIED);
	precond_etag(req, st->etag);
	(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
