/*
 * The GDPR export (Art. 15, the person's own data), in one shape for both
 * forms: GET /customers/{id}/export and the original's POST /gdpr/export
 * (body {user_id, business_id}). The original's export plus the history
 * and statistics:
 *
 *   {"customer":{...as GET /customers/{id}...},
 *    "tags":[{"id","label"}],       in GET .../tags' order (label bytewise, id)
 *    "notes":[{"id","content","created_by","created_at"}],
 *                                   in GET .../notes' order (newest first)
 *    "history":{"id","first_order_date","first_appointment_date",
 *               "returned_orders","cancelled_appointments"},
 *                                  only when a customer_history row exists
 *    "orders":[...], "appointments":[...],        as their routes (history.h)
 *    "stats":{...}}                               as /stats
 *
 * One statement reads it all; the lists come back as PostgreSQL json text
 * and are written compactly. Out of reach and nonexistent are the same 404.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "body.h"
#include "customer_input.h"
#include "customer_row.h"
#include "customers.h"
#include "gdpr.h"
#include "history.h"
#include "json_compact.h"
#include "log.h"
#include "op.h"
#include "reply.h"
#include "route.h"
#include "stats.h"

/* Columns after CUSTOMER_COLUMNS: tags, notes, history (NULL: none), ... */
#define EXPORT_SELECT \
	"SELECT " CUSTOMER_COLUMNS ", " \
	"(SELECT coalesce(json_agg(json_build_object(" \
	"'id', t.id, 'label', t.label)" \
	" ORDER BY t.label COLLATE \"C\", t.id), '[]')" \
	" FROM customer_tags t WHERE t.customer_id = c.id), " \
	"(SELECT coalesce(json_agg(json_build_object(" \
	"'id', n.id, 'content', n.content, 'created_by', n.created_by, " \
	"'created_at', to_char(n.created_at, " SQL_TS_FORMAT "))" \
	" ORDER BY n.created_at DESC NULLS LAST, n.id DESC), '[]')" \
	" FROM customer_notes n WHERE n.customer_id = c.id), " \
	"(SELECT json_build_object('id', h.id, " \
	"'first_order_date', to_char(h.first_order_date, 'YYYY-MM-DD'), " \
	"'first_appointment_date', " \
	"to_char(h.first_appointment_date, 'YYYY-MM-DD'), " \
	"'returned_orders', h.returned_orders, " \
	"'cancelled_appointments', h.cancelled_appointments)" \
	" FROM customer_history h WHERE h.customer_id = c.id" \
	" ORDER BY h.id LIMIT 1), " HISTORY_ORDERS_JSON \
	", " HISTORY_APPOINTMENTS_JSON " FROM customers c"

/* $2, $3, $4: the caller's scope (access.h) */
#define EXPORT_SCOPE CUSTOMER_SCOPE("$2", "$3", "$4")

static const char sql_export_id[] =
    EXPORT_SELECT " WHERE c.id = $1 AND " EXPORT_SCOPE;

static const char sql_export_pair[] = EXPORT_SELECT
    " WHERE c.user_id = $1 AND c.business_id = $5 AND " EXPORT_SCOPE;

enum {
	COL_ID = 5, /* in CUSTOMER_COLUMNS */
	COL_BUSINESS = 7,
	COL_TAGS = CUSTOMER_NCOLUMNS,
	COL_NOTES,
	COL_HISTORY,
	COL_ORDERS,
	COL_APPOINTMENTS
};

struct export_state {
	struct scope scope;
	struct gdpr_request body; /* the /gdpr form */
	struct jsonw json; /* the export, once found */
	char business_id[UUID_STRLEN];
	int found;
};

int h_export(struct http_request *);
int h_gdpr_export(struct http_request *);

static enum op_next prepare_path(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next prepare_body(struct http_request *, struct ctx *,
    struct op_query *);
static struct export_state *state_new(struct ctx *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static void write_json(struct jsonw *, const char *, const PGresult *, int);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static void state_free(void *);

static const struct op op_export_path = { prepare_path, NULL, rows, done };
static const struct op op_export_body = { prepare_body, NULL, rows, done };

int
h_export(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/export",
		HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_export_path));
}

int
h_gdpr_export(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/gdpr/export", HTTP_METHOD_POST, "POST", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_export_body));
}

int
gdpr_role_check(struct http_request *req, struct ctx *c)
{
	if (c->claims.role == ROLE_INTERNAL) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (0);
	}
	return (customer_role_check(req, c));
}

int
gdpr_request_read(struct http_request *req, struct gdpr_request *out)
{
	struct problems p;
	json_t *body;
	int ok;

	problems_init(&p);
	if (!body_json(req, &p, &body)) {
		problems_free(&p);
		return (0);
	}
	if (body != NULL && !json_is_object(body)) {
		customer_input_not_object(body, &p);
	} else if (body != NULL) {
		(void)check_body_uuid(&p, body, "user_id", out->user_id);
		(void)check_body_uuid(&p, body, "business_id",
		    out->business_id);
	}
	json_decref(body);
	ok = problems_count(&p) == 0;
	if (!ok)
		(void)reply_problems(req, &p);
	problems_free(&p);
	return (ok);
}

static struct export_state *
state_new(struct ctx *c)
{
	struct export_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("export: out of memory");
	c->state = st;
	c->state_free = state_free;
	access_scope(&c->claims, &st->scope);
	return (st);
}

static void
state_free(void *arg)
{
	struct export_state *st = arg;

	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare_path(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct export_state *st;

	if (!customer_path_id(req, c) || !gdpr_role_check(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	q->sql = sql_export_id;
	q->long_read = 1; /* the whole history */
	q->nparams = 4;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	return (OP_QUERY);
}

static enum op_next
prepare_body(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct gdpr_request body;
	struct export_state *st;

	if (!gdpr_request_read(req, &body) || !gdpr_role_check(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	st->body = body;
	q->sql = sql_export_pair;
	q->long_read = 1; /* the whole history */
	q->nparams = 5;
	q->values[0] = st->body.user_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->body.business_id;
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct export_state *st = c->state;
	struct jsonw *w = &st->json;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	(void)kore_strlcpy(c->customer_id, PQgetvalue(res, 0, COL_ID),
	    sizeof(c->customer_id));
	(void)kore_strlcpy(st->business_id, PQgetvalue(res, 0, COL_BUSINESS),
	    sizeof(st->business_id));

	jsonw_open(w, '{');
	jsonw_key(w, "customer");
	customer_row_json(res, 0, 0, w);
	write_json(w, "tags", res, COL_TAGS);
	write_json(w, "notes", res, COL_NOTES);
	if (!PQgetisnull(res, 0, COL_HISTORY))
		write_json(w, "history", res, COL_HISTORY);
	write_json(w, "orders", res, COL_ORDERS);
	write_json(w, "appointments", res, COL_APPOINTMENTS);
	jsonw_key(w, "stats");
	stats_json(res, 0, 0, w);
	jsonw_close(w, '}');
}

/* "key": and the json text of column col, written compactly. */
static void
write_json(struct jsonw *w, const char *key, const PGresult *res, int col)
{
	jsonw_key(w, key);
	(void)jsonw_compact(w, PQgetvalue(res, 0, col));
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct export_state *st = c->state;
	struct log_field f[2];

	if (!st->found) {
		(void)reply_detail(req, 404, "Customer not found");
		return (OP_REPLIED);
	}
	if (st->json.failed || st->json.buf == NULL) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "business_id";
	f[1].str = st->business_id;
	log_write(LOG_LEVEL_INFO, c->trace_id, "Customer exported", f, 2);
	(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
