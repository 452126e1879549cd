/*
 * POST /gdpr/delete, the original's form of erasure: body {user_id,
 * business_id}, the customer found by that pair within the caller's reach
 * (self, admin, superadmin), then exactly DELETE /customers/{id}'s erasure
 * (customer_erase_sql: profile, tags, notes, customer_history, the order
 * and appointment history, the personal fields of earlier events, the
 * `deleted` event; the avatar file and the mirror items after the commit,
 * client there or not). 204, or 404 "Customer not found" when out of
 * reach.
 */
#include <stdlib.h>

#include "http/access.h"
#include "http/idem.h"
#include "api/customer_delete.h"
#include "api/gdpr.h"
#include "http/op.h"
#include "http/route.h"
#include "model/xalloc.h"

struct erase_state {
	struct scope scope;
	struct gdpr_request body;
	int found;
};

int h_gdpr_delete(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);

static const struct op op_gdpr_delete = { prepare, NULL, rows, done };

int
h_gdpr_delete(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (op_run_write(req, &op_gdpr_delete));
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct gdpr_request body;
	struct erase_state *st;

	if (!gdpr_request_read(req, &body) || !gdpr_role_check(req, c))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = free;
	st->body = body;
	access_scope(&c->claims, &st->scope);
	q->sql = customer_erase_sql;
	q->nparams = 9;
	q->stored_columns = ERASE_STORED_COLUMNS;
	q->values[0] = NULL; /* by (user_id, business_id) */
	q->values[1] = st->body.user_id;
	q->values[2] = st->body.business_id;
	access_params(&st->scope, &q->values[3]);
	q->values[6] = c->trace_id;
	q->values[7] = NULL; /* no If-Match: any version */
	q->values[8] = idem_token(c);
	q->settle = customer_erase_settle;
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct erase_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	(void)kore_strlcpy(c->customer_id, PQgetvalue(res, 0, 0),
	    sizeof(c->customer_id));
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct erase_state *st = c->state;

	return (customer_erase_reply(req, c, st->found, st->body.business_id));
}
