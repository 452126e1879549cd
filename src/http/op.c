/*
 * The handler state machine shared by every database-backed route:
 * prepare -> gate -> send -> wait (rows) -> done, with done free to start
 * another statement on the way.
 */
#include <string.h>

#include "db/db.h"
#include "http/op.h"

enum { S_PREPARE, S_GATE, S_SEND, S_WAIT, S_DONE };

static int state_prepare(struct http_request *);
static int state_gate(struct http_request *);
static int state_send(struct http_request *);
static int state_wait(struct http_request *);
static int state_done(struct http_request *);

static struct http_state states[] = {
	KORE_HTTP_STATE(state_prepare),
	KORE_HTTP_STATE(state_gate),
	KORE_HTTP_STATE(state_send),
	KORE_HTTP_STATE(state_wait),
	KORE_HTTP_STATE(state_done),
};

int
op_run(struct http_request *req, const struct op *op)
{
	struct ctx *c;

	c = ctx_get(req);
	if (c->op == NULL)
		c->op = op;
	return (
	    http_state_run(states, sizeof(states) / sizeof(states[0]), req));
}

static int
state_prepare(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op->prepare(req, c, &c->q) != OP_QUERY)
		return (HTTP_STATE_ERROR);
	req->fsm_state = c->op->gate != NULL ? S_GATE : S_SEND;
	return (HTTP_STATE_CONTINUE);
}

static int
state_gate(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	switch (c->op->gate(req, c)) {
	case OP_QUERY:
		req->fsm_state = S_SEND;
		return (HTTP_STATE_CONTINUE);
	case OP_SLEEP:
		return (HTTP_STATE_RETRY);
	case OP_REPLIED:
	default:
		return (HTTP_STATE_ERROR);
	}
}

static int
state_send(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	int rc;

	rc = db_send(req, c, &c->q);
	if (rc == HTTP_STATE_CONTINUE)
		req->fsm_state = S_WAIT;
	return (rc);
}

static int
state_wait(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	switch (db_poll(req, c)) {
	case DB_POLL_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_POLL_ROWS:
		if (c->op->rows != NULL)
			c->op->rows(req, c, c->result);
		PQclear(c->result);
		c->result = NULL;
		req->fsm_state = S_DONE;
		return (HTTP_STATE_CONTINUE);
	case DB_POLL_DONE:
		req->fsm_state = S_DONE;
		return (HTTP_STATE_CONTINUE);
	case DB_POLL_FAILED:
	default:
		return (HTTP_STATE_ERROR);
	}
}

static int
state_done(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	memset(&c->q, 0, sizeof(c->q));
	switch (c->op->done(req, c, &c->q)) {
	case OP_QUERY:
		req->fsm_state = S_SEND;
		return (HTTP_STATE_CONTINUE);
	case OP_SLEEP:
		/* woken by what it waits for (a chunk sent), then asked again */
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	case OP_REPLIED:
	default:
		return (HTTP_STATE_COMPLETE);
	}
}
