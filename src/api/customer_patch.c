/*
 * PATCH /customers/{id}: the keys present change (docs/api.md),
 * rate limited per caller and customer. One statement locks the row,
 * checks If-Match against its version, compares, updates only what
 * differs, and adds the `updated` event with fields_changed in schema
 * order when something changed.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/body.h"
#include "model/customer_input.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "api/customer_patch.h"
#include "infra/log.h"
#include "http/op.h"
#include "http/precond.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "http/route.h"
#include "model/xalloc.h"

#define SET(k) "'" k "' = ANY($5::text[])"

/* clang-format off */
static const char sql_patch[] =
    "WITH old AS ("
    /* If-Match ($13: NULL for none or "*"), on the locked row */
    " SELECT c.*, " ETAG_SQL_IF_MATCH("$13", "c.version") " AS matched"
    " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4") " FOR UPDATE),"
    " new AS ("
    " SELECT o.id, o.business_id, o.avatar_file,"
    "  CASE WHEN " SET("full_name") " THEN $6 ELSE o.full_name END"
    "   AS full_name,"
    "  CASE WHEN " SET("email") " THEN $7 ELSE o.email END AS email,"
    "  CASE WHEN " SET("phone") " THEN $8 ELSE o.phone END AS phone,"
    "  CASE WHEN " SET("gender") " THEN $9::gender_enum ELSE o.gender END"
    "   AS gender,"
    "  CASE WHEN " SET("avatar_url") " THEN $10 ELSE o.avatar_url END"
    "   AS avatar_url,"
    "  CASE WHEN " SET("preferences") " THEN $11::jsonb"
    "   ELSE o.preferences END AS preferences"
    " FROM old o WHERE o.matched),"
    " diff AS ("
    " SELECT n.*, array_remove(ARRAY["
    "  CASE WHEN n.full_name IS DISTINCT FROM o.full_name"
    "   THEN 'full_name' END,"
    "  CASE WHEN n.email IS DISTINCT FROM o.email THEN 'email' END,"
    "  CASE WHEN n.phone IS DISTINCT FROM o.phone THEN 'phone' END,"
    "  CASE WHEN n.gender IS DISTINCT FROM o.gender THEN 'gender' END,"
    "  CASE WHEN n.avatar_url IS DISTINCT FROM o.avatar_url"
    "   THEN 'avatar_url' END,"
    "  CASE WHEN n.preferences IS DISTINCT FROM o.preferences"
    "   THEN 'preferences' END], NULL) AS changed"
    " FROM new n JOIN old o USING (id)),"
    /* a new avatar_url detaches the uploaded file (never deleted by URL) */
    " upd AS ("
    " UPDATE customers c SET version = c.version + 1,"
    "  full_name = d.full_name, email = d.email,"
    "  phone = d.phone, gender = d.gender, avatar_url = d.avatar_url,"
    "  preferences = d.preferences,"
    "  avatar_file = CASE WHEN 'avatar_url' = ANY(d.changed) THEN NULL"
    "   ELSE c.avatar_file END,"
    "  updated_at = now() AT TIME ZONE 'utc'"
    " FROM diff d WHERE c.id = d.id AND cardinality(d.changed) > 0"
    " RETURNING c.*),"
    " ev AS ("
    " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
    "  trace_id)"
    " SELECT 'v1.customer.updated', d.business_id, d.id,"
    "  jsonb_build_object('id', d.id, 'fields_changed', to_jsonb(d.changed),"
    "  'version', u.version, 'trace_id', $12::text), $12"
    " FROM diff d JOIN upd u ON u.id = d.id"
    " WHERE cardinality(d.changed) > 0 RETURNING 1)"
        " SELECT (SELECT array_to_string(changed, ',') FROM diff),"
    "  (SELECT CASE WHEN 'avatar_url' = ANY(changed) THEN avatar_file END"
    "  FROM diff), " CUSTOMER_COLUMNS ", c.version, true"
    " FROM upd c"
    " UNION ALL"
    " SELECT '', NULL, " CUSTOMER_COLUMNS ", c.version, c.matched"
    " FROM old c"
    " WHERE NOT EXISTS (SELECT 1 FROM upd)";
/* clang-format on */

struct patch_state {
	struct scope scope;
	struct customer_input in;
	char present[CUSTOMER_PRESENT_MAX];
	int found;
	int matched; /* If-Match named the row's version (or was absent) */
	struct etag_cond if_match;
	char etag[ETAG_MAX];
	char *changed; /* "full_name,email", owned */
	struct jsonw json;
};

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static int read_request(struct http_request *, struct ctx *,
    struct patch_state *);
static void state_free(void *);
static void settle(void *, const PGresult *, const char *);

static const struct op op_patch = { prepare, ratelimit_patch_gate, rows, done };

int
customer_patch(struct http_request *req)
{
	return (op_run_write(req, &op_patch));
}

static void
state_free(void *arg)
{
	struct patch_state *st = arg;

	customer_input_free(&st->in);
	free(st->changed);
	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct patch_state *st;

	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = state_free;
	jsonw_init(&st->json);
	if (!read_request(req, c, st) || !customer_role_check(req, c))
		return (OP_REPLIED);
	if (c->claims.role == ROLE_INTERNAL) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (OP_REPLIED);
	}
	if (!precond_if_match(req, &st->if_match))
		return (OP_REPLIED);

	access_scope(&c->claims, &st->scope);
	q->sql = sql_patch;
	q->nparams = 13;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->present;
	q->values[5] = st->in.full_name;
	q->values[6] = st->in.email[0] != '\0' ? st->in.email : NULL;
	q->values[7] = st->in.phone;
	q->values[8] = st->in.gender;
	q->values[9] = st->in.avatar_url;
	q->values[10] = st->in.preferences;
	q->values[11] = c->trace_id;
	q->values[12] = etag_cond_param(&st->if_match);
	q->settle = settle;
	return (OP_QUERY);
}

/* Committed, client there or not: the upload a new avatar_url detached. */
static void
settle(void *arg, const PGresult *res, const char *trace_id)
{
	(void)arg;
	customer_file_detached(res, 1, trace_id);
}

/* The path's id and the body's fields: every 422 item in one reply. */
static int
read_request(struct http_request *req, struct ctx *c, struct patch_state *st)
{
	struct problems p;
	json_t *body;

	if (!body_read(req, c, &p, &body))
		return (0);
	if (body != NULL && !json_is_object(body))
		customer_input_not_object(body, &p);
	else if (body != NULL)
		(void)customer_input_patch(body, &customer_phone_rule, &p,
		    &st->in, st->present, sizeof(st->present));
	json_decref(body);
	return (request_checked(req, &p));
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct patch_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	st->matched = *PQgetvalue(res, 0, 3 + CUSTOMER_NCOLUMNS) == 't';
	if (!st->matched)
		return;
	st->changed = xstrdup(PQgetvalue(res, 0, 0));
	customer_row_json(res, 0, 2, &st->json);
	(void)etag_format(PQgetvalue(res, 0, 2 + CUSTOMER_NCOLUMNS), st->etag);
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct patch_state *st = c->state;
	struct log_field f[2];

	if (st->found && !st->matched) {
		(void)precond_failed(req);
		return (OP_REPLIED);
	}
	if (customer_write_failed(req, st->found, &st->json))
		return (OP_REPLIED);
	if (*st->changed != '\0' && !c->replayed) {
		memset(f, 0, sizeof(f));
		f[0].key = "customer_id";
		f[0].str = c->customer_id;
		f[1].key = "fields_changed";
		f[1].str = st->changed;
		log_write(LOG_LEVEL_INFO, c->trace_id, "Customer updated", f,
		    2);
	}
	precond_etag(req, st->etag);
	(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
