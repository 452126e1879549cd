/*
 * GET /customers/{id}/orders and /appointments: the order and appointment
 * history of a customer the caller reaches (self, admin, superadmin,
 * internal), newest first (shapes and order in history.h), a page at a
 * time (skip, limit: query.h; a page shorter than limit is the last; the
 * export has it all). The history is
 * found by the customer's (business_id, user_id), so rows consumed before
 * the profile existed show too; out of reach and nonexistent customers are
 * the same 404.
 */
#include <stdlib.h>

#include "http/access.h"
#include "model/customer_row.h"
#include "api/customers.h"
#include "api/history.h"
#include "model/json_compact.h"
#include "http/op.h"
#include "http/reply.h"
#include "http/route.h"

static const char sql_orders[] =
    "SELECT (SELECT " HISTORY_ORDERS_PAGE_JSON
    " FROM " HISTORY_ORDERS_ROWS("c.business_id", "c.user_id", "$5::bigint",
	"$6::bigint") ")"
		      " FROM customers c"
		      " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

static const char sql_appointments[] =
    "SELECT (SELECT " HISTORY_APPOINTMENTS_PAGE_JSON
    " FROM " HISTORY_APPOINTMENTS_ROWS("c.business_id", "c.user_id",
	"$5::bigint",
	"$6::bigint") ")"
		      " FROM customers c"
		      " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

struct history_state {
	struct scope scope;
	struct query_page page;
	struct jsonw json; /* the array, once found */
	int found;
};

int h_orders(struct http_request *);
int h_appointments(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *, const char *);
static enum op_next prepare_orders(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next prepare_appointments(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static void state_free(void *);

static const struct op op_orders = { prepare_orders, NULL, rows, done };
static const struct op op_appointments = { prepare_appointments, NULL, rows,
	done };

int
h_orders(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/orders",
		HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_orders));
}

int
h_appointments(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/appointments",
		HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_appointments));
}

static void
state_free(void *arg)
{
	struct history_state *st = arg;

	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare_orders(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (prepare(req, c, q, sql_orders));
}

static enum op_next
prepare_appointments(struct http_request *req, struct ctx *c,
    struct op_query *q)
{
	return (prepare(req, c, q, sql_appointments));
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q,
    const char *sql)
{
	struct history_state *st;

	if (!customer_path_id(req, c) || !customer_role_check(req, c))
		return (OP_REPLIED);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("history: out of memory");
	c->state = st;
	c->state_free = state_free;
	if (!route_page(req, &st->page))
		return (OP_REPLIED);
	access_scope(&c->claims, &st->scope);
	q->sql = sql;
	q->long_read = 1; /* up to QUERY_LIMIT_MAX rows, past skip ones */
	q->nparams = 6;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->page.skip;
	q->values[5] = st->page.limit;
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct history_state *st = c->state;

	if (PQntuples(res) == 1 && !st->found) {
		st->found = 1;
		(void)jsonw_compact(&st->json, PQgetvalue(res, 0, 0));
	}
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct history_state *st = c->state;

	return (customer_reply(req, st->found, &st->json));
}
