/*
 * GET /customers/{id}: one customer, if the caller reaches it. Out of
 * reach and nonexistent are the same 404, so ids reveal nothing. Its
 * steps serve every GET of one customer's row (customers.h), such as
 * stats.c's.
 */
#include <stdlib.h>

#include "http/access.h"
#include "model/customer_row.h"
#include "api/customers.h"
#include "http/op.h"
#include "http/reply.h"

static const char sql_get[] =
    "SELECT " CUSTOMER_COLUMNS " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

struct one_state {
	struct scope scope;
	customer_writer write;
	struct jsonw json; /* the customer, once found */
	int found;
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
	return (customer_one_prepare(req, c, q, customer_row_json));
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
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("customer_get: out of memory");
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
	}
}

enum op_next
customer_one_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct one_state *st = c->state;

	return (customer_reply(req, st->found, &st->json));
}
