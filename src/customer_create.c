/*
 * POST /customers: create a customer and its `created` event in one
 * statement. A duplicate (user_id, business_id) is a 409 naming the
 * existing id. Roles: internal, superadmin, admins of the business.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "body.h"
#include "customer_input.h"
#include "customer_row.h"
#include "customers.h"
#include "db.h"
#include "log.h"
#include "reply.h"
#include "route.h"

/*
 * The row, its outbox event and the publisher's wake-up, atomically.
 * Returns (created, id, customer JSON): created is false with the existing
 * id when the pair already exists.
 */
static const char sql_create[] =
    "WITH ins AS ("
    " INSERT INTO customers (user_id, business_id, full_name, email,"
    "  phone, gender, avatar_url, preferences, total_orders,"
    "  total_appointments, lifetime_value, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6::gender_enum, $7, $8::jsonb, 0, 0,"
    "  0, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc')"
    " ON CONFLICT ON CONSTRAINT uq_user_per_business DO NOTHING"
    " RETURNING *),"
    " ev AS ("
    " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
    "  trace_id)"
    " SELECT 'v1.customer.created', business_id, id,"
    "  jsonb_build_object('id', id, 'user_id', user_id,"
    "  'full_name', full_name, 'email', email, 'trace_id', $9::text),"
    "  $9 FROM ins RETURNING id),"
    " wake AS (SELECT count(pg_notify('bee_outbox', '')) AS n FROM ev)"
    " SELECT true, c.id, " CUSTOMER_COLUMNS " FROM ins c, wake"
    " UNION ALL"
    " SELECT false, c.id, " CUSTOMER_COLUMNS " FROM customers c"
    " WHERE NOT EXISTS (SELECT 1 FROM ins)"
    "  AND c.user_id = $1 AND c.business_id = $2";

enum { S_INIT, S_SEND, S_WAIT, S_REPLY };

struct create_state {
	struct customer_input in;
	int found;
	int created;
	char id[UUID_STRLEN];
	struct jsonw json; /* the created customer */
};

static int state_init(struct http_request *);
static int state_send(struct http_request *);
static int state_wait(struct http_request *);
static int state_reply(struct http_request *);
static void state_free(void *);

static struct http_state states[] = {
	KORE_HTTP_STATE(state_init),
	KORE_HTTP_STATE(state_send),
	KORE_HTTP_STATE(state_wait),
	KORE_HTTP_STATE(state_reply),
};

int
customer_create(struct http_request *req)
{
	return (
	    http_state_run(states, sizeof(states) / sizeof(states[0]), req));
}

static void
state_free(void *arg)
{
	struct create_state *st = arg;

	customer_input_free(&st->in);
	jsonw_free(&st->json);
	free(st);
}

static int
state_init(struct http_request *req)
{
	struct ctx *c;
	struct create_state *st;
	struct problems p;
	json_t *body;
	int ok;

	c = ctx_get(req);
	problems_init(&p);
	if (!body_json(req, &p, &body)) {
		problems_free(&p);
		return (HTTP_STATE_ERROR);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("customer_create: out of memory");
	c->state = st;
	c->state_free = state_free;

	ok = 0;
	if (body != NULL && !json_is_object(body))
		customer_input_not_object(body, &p);
	else if (body != NULL)
		ok = customer_input_create(body, &customer_phone_rule, &p,
		    &st->in);
	if (!ok) {
		(void)reply_problems(req, &p);
		problems_free(&p);
		json_decref(body);
		return (HTTP_STATE_ERROR);
	}
	problems_free(&p);
	json_decref(body);

	switch (c->claims.role) {
	case ROLE_INTERNAL:
	case ROLE_SUPERADMIN:
		break;
	case ROLE_ADMIN:
		if (!auth_require_business(req, c))
			return (HTTP_STATE_ERROR);
		if (!claims_has_business(&c->claims, st->in.business_id)) {
			(void)reply_detail(req, 403,
			    "Admin privileges required");
			return (HTTP_STATE_ERROR);
		}
		break;
	default:
		(void)reply_detail(req, 403,
		    "Internal service or admin role required");
		return (HTTP_STATE_ERROR);
	}

	req->fsm_state = S_SEND;
	return (HTTP_STATE_CONTINUE);
}

static int
state_send(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct create_state *st = c->state;
	const char *v[9];
	int rc;

	v[0] = st->in.user_id;
	v[1] = st->in.business_id;
	v[2] = st->in.full_name;
	v[3] = st->in.email;
	v[4] = st->in.phone;
	v[5] = st->in.gender;
	v[6] = st->in.avatar_url;
	v[7] = st->in.preferences;
	v[8] = c->trace_id;
	rc = db_send(req, c, sql_create, 9, v);
	if (rc == HTTP_STATE_CONTINUE)
		req->fsm_state = S_WAIT;
	return (rc);
}

static int
state_wait(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct create_state *st = c->state;

	switch (db_poll(req, c)) {
	case DB_POLL_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_POLL_ROWS:
		if (kore_pgsql_ntuples(&c->sql) == 1) {
			st->found = 1;
			st->created =
			    *kore_pgsql_getvalue(&c->sql, 0, 0) == 't';
			(void)kore_strlcpy(st->id,
			    kore_pgsql_getvalue(&c->sql, 0, 1), sizeof(st->id));
			if (st->created)
				customer_row_json(&c->sql, 0, 2, &st->json);
		}
		kore_pgsql_continue(&c->sql);
		return (HTTP_STATE_CONTINUE);
	case DB_POLL_DONE:
		req->fsm_state = S_REPLY;
		return (HTTP_STATE_CONTINUE);
	case DB_POLL_FAILED:
	default:
		return (HTTP_STATE_ERROR);
	}
}

static int
state_reply(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct create_state *st = c->state;
	struct log_field f[2];
	char location[64];

	if (!st->found) {
		/* the other insert had not committed when we looked */
		(void)reply_detail(req, 409, "Customer already exists");
		return (HTTP_STATE_COMPLETE);
	}
	(void)kore_strlcpy(c->customer_id, st->id, sizeof(c->customer_id));
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = st->id;
	f[1].key = "business_id";
	f[1].str = st->in.business_id;
	if (!st->created) {
		log_write(LOG_LEVEL_WARNING, c->trace_id,
		    "Customer already exists", f, 2);
		(void)reply_doc(req, 409,
		    json_pack("{s:s, s:s}", "detail", "Customer already exists",
			"id", st->id));
		return (HTTP_STATE_COMPLETE);
	}
	if (st->json.failed || st->json.buf == NULL) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (HTTP_STATE_COMPLETE);
	}
	log_write(LOG_LEVEL_INFO, c->trace_id, "Customer created", f, 2);
	(void)snprintf(location, sizeof(location), "%s/customers/%s",
	    strncmp(req->path, "/api/", 5) ? "" : "/api", st->id);
	http_response_header(req, "location", location);
	(void)reply_json(req, 201, st->json.buf, st->json.len);
	return (HTTP_STATE_COMPLETE);
}
