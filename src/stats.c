/*
 * GET /customers/{id}/stats (and the original's /statistics alias): the
 * statistics of a customer the caller reaches (self, admin, superadmin,
 * internal). Out of reach and nonexistent are the same 404.
 */
#include <stdlib.h>

#include "access.h"
#include "customer_row.h"
#include "customers.h"
#include "op.h"
#include "reply.h"
#include "route.h"
#include "stats.h"

static const char sql_stats[] =
    "SELECT " CUSTOMER_COLUMNS " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

/* total_orders is column 8 of CUSTOMER_COLUMNS; the other four follow. */
#define STATS_FIRST_COLUMN 8

/* the values, written as customer_row.c writes them in a customer */
static const char *fields[] = { "total_orders", "total_appointments",
	"last_order_date", "last_appointment_date", "lifetime_value" };

struct stats_state {
	struct scope scope;
	struct jsonw json; /* the stats, once found */
	int found;
};

int h_stats(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static void state_free(void *);

static const struct op op_stats = { prepare, NULL, rows, done };

int
h_stats(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/stats", HTTP_METHOD_GET,
		"GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_stats));
}

void
stats_json(const PGresult *res, int row, int col, struct jsonw *w)
{
	size_t i;
	int at;

	jsonw_open(w, '{');
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		at = STATS_FIRST_COLUMN + (int)i;
		jsonw_key(w, fields[i]);
		customer_row_value(res, row, col, at, w);
	}
	jsonw_close(w, '}');
}

static void
state_free(void *arg)
{
	struct stats_state *st = arg;

	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct stats_state *st;

	if (!customer_path_id(req, c) || !customer_role_check(req, c))
		return (OP_REPLIED);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("stats: out of memory");
	c->state = st;
	c->state_free = state_free;
	customer_query(c, &st->scope, q, sql_stats);
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct stats_state *st = c->state;

	if (PQntuples(res) == 1 && !st->found) {
		st->found = 1;
		stats_json(res, 0, 0, &st->json);
	}
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct stats_state *st = c->state;

	return (customer_reply(req, st->found, &st->json));
}
