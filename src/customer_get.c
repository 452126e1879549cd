/*
 * GET /customers/{id}: one customer, if the caller reaches it. Out of
 * reach and nonexistent are the same 404, so ids reveal nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "customer_row.h"
#include "customers.h"
#include "db.h"
#include "reply.h"
#include "route.h"

static const char sql_get[] =
    "SELECT " CUSTOMER_COLUMNS " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

enum { S_INIT, S_SEND, S_WAIT, S_REPLY };

struct get_state {
	struct scope scope;
	struct jsonw json; /* the customer, once found */
	int found;
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
customer_get(struct http_request *req)
{
	return (
	    http_state_run(states, sizeof(states) / sizeof(states[0]), req));
}

static void
state_free(void *arg)
{
	struct get_state *st = arg;

	jsonw_free(&st->json);
	free(st);
}

static int
state_init(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct get_state *st;
	struct problems p;
	struct path path;

	if (path_split(req->path, &path) == -1 || path.count != 2) {
		(void)reply_detail(req, 404, "Not Found");
		return (HTTP_STATE_ERROR);
	}
	problems_init(&p);
	if (!check_uuid(&p, "path", "customer_id", path.seg[1],
		c->customer_id)) {
		(void)reply_problems(req, &p);
		problems_free(&p);
		return (HTTP_STATE_ERROR);
	}
	problems_free(&p);

	if (!access_customer_role(&c->claims)) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (HTTP_STATE_ERROR);
	}
	if (!auth_require_business(req, c))
		return (HTTP_STATE_ERROR);

	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("customer_get: out of memory");
	c->state = st;
	c->state_free = state_free;
	access_scope(&c->claims, &st->scope);
	req->fsm_state = S_SEND;
	return (HTTP_STATE_CONTINUE);
}

static int
state_send(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct get_state *st = c->state;
	const char *v[4];
	int rc;

	v[0] = c->customer_id;
	v[1] = st->scope.kind;
	v[2] = st->scope.list;
	v[3] = st->scope.user;
	rc = db_send(req, c, sql_get, 4, v);
	if (rc == HTTP_STATE_CONTINUE)
		req->fsm_state = S_WAIT;
	return (rc);
}

static int
state_wait(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct get_state *st = c->state;

	switch (db_poll(req, c)) {
	case DB_POLL_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_POLL_ROWS:
		if (kore_pgsql_ntuples(&c->sql) == 1 && !st->found) {
			st->found = 1;
			customer_row_json(&c->sql, 0, 0, &st->json);
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
	struct get_state *st = c->state;

	if (!st->found)
		(void)reply_detail(req, 404, "Customer not found");
	else if (st->json.failed)
		(void)reply_detail(req, 500, "Internal Server Error");
	else
		(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (HTTP_STATE_COMPLETE);
}
