/*
 * POST /customers: create a customer and its `created` event in one
 * statement. A duplicate (user_id, business_id) is a 409 naming the
 * existing id. Roles: internal, superadmin, admins of the business.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/auth.h"
#include "http/body.h"
#include "model/customer_input.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "api/customer_create.h"
#include "model/history_stats.h"
#include "infra/log.h"
#include "http/reply.h"
#include "http/op.h"
#include "http/precond.h"
#include "model/xalloc.h"

/*
 * The statistics of the new row ($1 user_id, $2 business_id): from the
 * history already recorded for them, since history may arrive before the
 * profile and the consumer recomputes them only on the next event.
 */
#define STATS_OF_NEW HISTORY_STATS_VALUES("$2::uuid", "$1::uuid")

/*
 * The row and its outbox event, atomically.
 * Returns (created, id, customer, version): created is false with the
 * existing id when the pair already exists.
 */
static const char sql_create[] =
    "WITH ins AS ("
    " INSERT INTO customers (user_id, business_id, full_name, email,"
    "  phone, gender, avatar_url, preferences, " HISTORY_STATS_COLUMNS ","
    "  created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6::gender_enum, $7, $8::jsonb, " STATS_OF_NEW
    ", now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc')"
    " ON CONFLICT ON CONSTRAINT uq_user_per_business DO NOTHING"
    " RETURNING *),"
    " ev AS ("
    " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
    "  trace_id)"
    " SELECT 'v1.customer.created', business_id, id,"
    "  jsonb_build_object('id', id, 'user_id', user_id,"
    "  'full_name', full_name, 'email', email, 'version', version,"
    "  'trace_id', $9::text),"
    "  $9 FROM ins RETURNING id)"
    " SELECT true, c.id, " CUSTOMER_COLUMNS ", c.version FROM ins c"
    " UNION ALL"
    " SELECT false, c.id, " CUSTOMER_COLUMNS ", c.version FROM customers c"
    " WHERE NOT EXISTS (SELECT 1 FROM ins)"
    "  AND c.user_id = $1 AND c.business_id = $2";

struct create_state {
	struct customer_input in;
	int found;
	int created;
	char id[UUID_STRLEN];
	char etag[ETAG_MAX];
	struct jsonw json; /* the created customer */
};

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static int may_create(struct http_request *, struct ctx *, const char *);
static void state_free(void *);

static const struct op op_create = { prepare, NULL, rows, done };

int
customer_create(struct http_request *req)
{
	return (op_run_write(req, &op_create));
}

static void
state_free(void *arg)
{
	struct create_state *st = arg;

	customer_input_free(&st->in);
	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct create_state *st;
	struct problems p;
	json_t *body;

	if (!body_read(req, NULL, &p, &body))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = state_free;

	if (body != NULL && !json_is_object(body))
		customer_input_not_object(body, &p);
	else if (body != NULL)
		(void)customer_input_create(body, &customer_phone_rule, &p,
		    &st->in);
	json_decref(body);
	if (!request_checked(req, &p) ||
	    !may_create(req, c, st->in.business_id))
		return (OP_REPLIED);

	q->sql = sql_create;
	q->nparams = 9;
	q->values[0] = st->in.user_id;
	q->values[1] = st->in.business_id;
	q->values[2] = st->in.full_name;
	q->values[3] = st->in.email;
	q->values[4] = st->in.phone;
	q->values[5] = st->in.gender;
	q->values[6] = st->in.avatar_url;
	q->values[7] = st->in.preferences;
	q->values[8] = c->trace_id;
	return (OP_QUERY);
}

/* internal, superadmin, or an admin of the business. */
static int
may_create(struct http_request *req, struct ctx *c, const char *business)
{
	switch (c->claims.role) {
	case ROLE_INTERNAL:
	case ROLE_SUPERADMIN:
		return (1);
	case ROLE_ADMIN:
		if (!auth_require_business(req, c))
			return (0);
		if (claims_has_business(&c->claims, business))
			return (1);
		(void)reply_detail(req, 403, "Admin privileges required");
		return (0);
	default:
		(void)reply_detail(req, 403,
		    "Internal service or admin role required");
		return (0);
	}
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct create_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	st->created = *PQgetvalue(res, 0, 0) == 't';
	(void)kore_strlcpy(st->id, PQgetvalue(res, 0, 1), sizeof(st->id));
	if (!st->created)
		return;
	customer_row_json(res, 0, 2, &st->json);
	(void)etag_format(PQgetvalue(res, 0, 2 + CUSTOMER_NCOLUMNS), st->etag);
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct create_state *st = c->state;
	struct log_field f[2];
	char location[64];

	if (!st->found) {
		/* the other insert had not committed when we looked */
		(void)reply_detail(req, 409, "Customer already exists");
		return (OP_REPLIED);
	}
	(void)kore_strlcpy(c->customer_id, st->id, sizeof(c->customer_id));
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = st->id;
	f[1].key = "business_id";
	f[1].str = st->in.business_id;
	if (!st->created) {
		if (!c->replayed)
			log_write(LOG_LEVEL_WARNING, c->trace_id,
			    "Customer already exists", f, 2);
		(void)reply_doc(req, 409,
		    xjson(json_pack("{s:s, s:s}", "detail",
			"Customer already exists", "id", st->id)));
		return (OP_REPLIED);
	}
	if (st->json.failed || st->json.buf == NULL) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	if (!c->replayed)
		log_write(LOG_LEVEL_INFO, c->trace_id, "Customer created", f,
		    2);
	(void)snprintf(location, sizeof(location), "%s/customers/%s",
	    strncmp(req->path, "/api/", 5) ? "" : "/api", st->id);
	http_response_header(req, "location", location);
	precond_etag(req, st->etag);
	(void)reply_json(req, 201, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
