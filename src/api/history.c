/*
 * GET /customers/{id}/orders and /appointments: the order and appointment
 * history of a customer the caller reaches (self, admin, superadmin,
 * internal), newest first (shapes and order in history.h), a page at a
 * time (skip, limit: query.h; or a cursor: a page followed by more rows
 * has a Link to the next, customer_page.h; the export has it all). The
 * history is
 * found by the customer's (business_id, user_id), so rows consumed before
 * the profile existed show too; out of reach and nonexistent customers are
 * the same 404.
 */
#include <string.h>

#include "api/customer_page.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "api/history.h"
#include "model/json_compact.h"
#include "http/op.h"
#include "http/reply.h"
#include "http/route.h"
#include "model/xalloc.h"

/*
 * One page: its JSON, whether a row follows, the last row's keys; no row
 * when the customer is out of reach. `lim` the page's limit, one less
 * than the rows asks for.
 */
#define PAGE_SQL(json, next, a, rows, lim) \
	"SELECT p.* FROM customers c CROSS JOIN LATERAL (SELECT " json \
	"," next " FROM " HISTORY_PAGE_CUT(a, rows, \
	    lim) ") p" \
		 " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4")

/* $5 skip, $6 the rows fetched. */
#define FIRST_LIMIT "($6::bigint - 1)"
/* $5-$7 the cursor's keys, $8 the rows fetched. */
#define NEXT_LIMIT "($8::bigint - 1)"

#define ORDERS_PAGE(rows, lim) \
	PAGE_SQL(HISTORY_ORDERS_PAGE_JSON, \
	    HISTORY_PAGE_NEXT("o", "created_at", "order_id", lim), "o", rows, \
	    lim)
#define APPOINTMENTS_PAGE(rows, lim) \
	PAGE_SQL(HISTORY_APPOINTMENTS_PAGE_JSON, \
	    HISTORY_PAGE_NEXT("a", "starts_at", "appointment_id", lim), "a", \
	    rows, lim)

static const char sql_orders[] =
    ORDERS_PAGE(HISTORY_ORDERS_ROWS("c.business_id", "c.user_id", "$5::bigint",
		    "$6::bigint"),
	FIRST_LIMIT);

static const char sql_orders_next[] =
    ORDERS_PAGE(HISTORY_ORDERS_AFTER("c.business_id", "c.user_id",
		    HISTORY_KEY_TIME("$5"), HISTORY_KEY_TIME("$6"), "$7::text",
		    "$8::bigint"),
	NEXT_LIMIT);

static const char sql_appointments[] =
    APPOINTMENTS_PAGE(HISTORY_APPOINTMENTS_ROWS("c.business_id", "c.user_id",
			  "$5::bigint", "$6::bigint"),
	FIRST_LIMIT);

static const char sql_appointments_next[] =
    APPOINTMENTS_PAGE(HISTORY_APPOINTMENTS_AFTER("c.business_id", "c.user_id",
			  HISTORY_KEY_TIME("$5"), HISTORY_KEY_TIME("$6"),
			  "$7::text", "$8::bigint"),
	NEXT_LIMIT);

static const struct customer_keyset orders = { CURSOR_ORDERS, sql_orders,
	sql_orders_next };
static const struct customer_keyset appointments = { CURSOR_APPOINTMENTS,
	sql_appointments, sql_appointments_next };

int h_orders(struct http_request *);
int h_appointments(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *, const struct customer_keyset *);
static enum op_next prepare_orders(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next prepare_appointments(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);

static const struct op op_orders = { prepare_orders, NULL, rows,
	customer_page_done };
static const struct op op_appointments = { prepare_appointments, NULL, rows,
	customer_page_done };

int
h_orders(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_orders));
}

int
h_appointments(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_appointments));
}

static enum op_next
prepare_orders(struct http_request *req, struct ctx *c, struct op_query *q)
{
	return (prepare(req, c, q, &orders));
}

static enum op_next
prepare_appointments(struct http_request *req, struct ctx *c,
    struct op_query *q)
{
	return (prepare(req, c, q, &appointments));
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q,
    const struct customer_keyset *list)
{
	if (!customer_path_id(req, c) || !customer_role_check(req, c))
		return (OP_REPLIED);
	return (customer_page_keyset(req, c, q, list));
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct customer_page *st = c->state;

	const char *keys[3];
	int i;

	if (PQntuples(res) != 1 || PQnfields(res) != 5 || st->found)
		return;
	st->found = 1;
	(void)jsonw_compact(&st->json, PQgetvalue(res, 0, 0));
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		return;
	for (i = 0; i < 3; i++)
		keys[i] = PQgetisnull(res, 0, 2 + i) ?
		    NULL :
		    PQgetvalue(res, 0, 2 + i);
	customer_page_next(st, keys);
}
