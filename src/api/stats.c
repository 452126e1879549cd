/*
 * GET /customers/{id}/stats (and the original's /statistics alias): the
 * statistics of a customer the caller reaches (self, admin, superadmin,
 * internal). Out of reach and nonexistent are the same 404.
 */

#include "model/customer_row.h"
#include "api/customers.h"
#include "http/op.h"
#include "http/route.h"
#include "api/stats.h"

/* total_orders is column 8 of CUSTOMER_COLUMNS; the other four follow. */
#define STATS_FIRST_COLUMN 8

/* the values, written as customer_row.c writes them in a customer */
static const char *fields[] = { "total_orders", "total_appointments",
	"last_order_date", "last_appointment_date", "lifetime_value" };

int h_stats(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);

/* customer_get's steps: the same row and 404, written as the stats */
static const struct op op_stats = { prepare, NULL, customer_one_rows,
	customer_one_done };

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

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (customer_one_prepare(req, c, q, stats_json));
}
