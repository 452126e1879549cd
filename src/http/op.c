/*
 * The handler state machine shared by every database-backed route:
 * prepare -> gate -> send -> wait (rows) -> done, with done free to start
 * another statement on the way. The pool (db.h) answers with a status;
 * the replies to its failures are here: 503 "database unavailable" when
 * PostgreSQL cannot be reached or timed out, 500 otherwise. A write sent
 * with an Idempotency-Key claims it between gate and send (http/idem.h).
 */
#include <string.h>

#include "db/db.h"
#include "http/idem.h"
#include "http/op.h"
#include "http/reply.h"

enum { S_PREPARE, S_GATE, S_CLAIM, S_CLAIM_WAIT, S_SEND, S_WAIT, S_DONE };

static int state_prepare(struct http_request *);
static int state_gate(struct http_request *);
static int state_claim(struct http_request *);
static int state_claim_wait(struct http_request *);
static int state_send(struct http_request *);
static int state_wait(struct http_request *);
static int state_done(struct http_request *);
static int db_failed(struct http_request *, enum db_status);
static int after_gate(struct ctx *);
static enum db_status query_send(struct http_request *, struct ctx *,
    const struct op_query *);
static int replay(struct http_request *, struct ctx *);
static void request_sleep(void *);
static void request_wakeup(void *);

static struct http_state states[] = {
	KORE_HTTP_STATE(state_prepare),
	KORE_HTTP_STATE(state_gate),
	KORE_HTTP_STATE(state_claim),
	KORE_HTTP_STATE(state_claim_wait),
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

int
op_run_write(struct http_request *req, const struct op *op)
{
	ctx_get(req)->writes = 1;
	return (op_run(req, op));
}

static int
state_prepare(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->writes && !idem_begin(req, c))
		return (HTTP_STATE_ERROR);
	if (c->op->prepare(req, c, &c->q) != OP_QUERY)
		return (HTTP_STATE_ERROR);
	req->fsm_state = c->op->gate != NULL ? S_GATE : after_gate(c);
	return (HTTP_STATE_CONTINUE);
}

/* The claim of an Idempotency-Key, if any, comes before any statement. */
static int
after_gate(struct ctx *c)
{
	return (c->idem != NULL ? S_CLAIM : S_SEND);
}

static int
state_gate(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	switch (c->op->gate(req, c)) {
	case OP_QUERY:
		req->fsm_state = after_gate(c);
		return (HTTP_STATE_CONTINUE);
	case OP_SLEEP:
		return (HTTP_STATE_RETRY);
	case OP_REPLIED:
	default:
		return (HTTP_STATE_ERROR);
	}
}

static int
state_claim(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	enum db_status st;

	if ((st = query_send(req, c, idem_claim_query(c))) != DB_WAIT)
		return (db_failed(req, st));
	req->fsm_state = S_CLAIM_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
state_claim_wait(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	enum idem_claim claim;
	enum db_status st;

	c->db.unique_ok = 0;
	switch ((st = db_poll(&c->db))) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		claim = idem_claimed(req, c, c->db.result);
		PQclear(c->db.result);
		c->db.result = NULL;
		break;
	default:
		return (db_failed(req, st));
	}
	switch (claim) {
	case IDEM_CLAIMED:
		req->fsm_state = S_SEND;
		return (HTTP_STATE_CONTINUE);
	case IDEM_REPLAY:
		return (replay(req, c));
	case IDEM_REPLIED:
	default:
		return (HTTP_STATE_ERROR);
	}
}

/* The stored rows, through the handler's rows() and done(). */
static int
replay(struct http_request *req, struct ctx *c)
{
	PGresult *res;

	c->replayed = 1;
	http_response_header(req, "idempotent-replayed", "true");
	res = idem_replay_rows(c);
	if (c->op->rows != NULL)
		c->op->rows(req, c, res);
	PQclear(res);
	req->fsm_state = S_DONE;
	return (HTTP_STATE_CONTINUE);
}

static int
state_send(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	enum db_status st;

	idem_wrap(c, &c->q);
	if ((st = query_send(req, c, &c->q)) != DB_WAIT) {
		idem_outcome(c, st, 0);
		return (db_failed(req, st));
	}
	req->fsm_state = S_WAIT;
	return (HTTP_STATE_CONTINUE);
}

/* q (and the handler's state, for q's settle hook) on its way: DB_WAIT. */
static enum db_status
query_send(struct http_request *req, struct ctx *c, const struct op_query *q)
{
	c->db.waiter = req;
	c->db.sleep = request_sleep;
	c->db.wake = request_wakeup;
	c->db.trace_id = c->trace_id;
	return (db_send(&c->db, q, idem_send_state(c, q)));
}

static int
state_wait(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	enum db_status st;

	c->db.unique_ok = c->unique_retry;
	st = db_poll(&c->db);
	idem_outcome(c, st, 1);
	switch (st) {
	case DB_WAIT:
		return (HTTP_STATE_RETRY);
	case DB_ROWS:
		if (c->op->rows != NULL)
			c->op->rows(req, c, c->db.result);
		PQclear(c->db.result);
		c->db.result = NULL;
		req->fsm_state = S_DONE;
		return (HTTP_STATE_CONTINUE);
	case DB_UNIQUE:
		c->unique_violated = 1;
		req->fsm_state = S_DONE;
		return (HTTP_STATE_CONTINUE);
	case DB_DONE:
		req->fsm_state = S_DONE;
		return (HTTP_STATE_CONTINUE);
	default:
		return (db_failed(req, st));
	}
}

/* The statement failed or was never sent (the pool logged why). */
static int
db_failed(struct http_request *req, enum db_status st)
{
	switch (st) {
	case DB_UNAVAILABLE:
	case DB_TIMEOUT:
		(void)reply_detail(req, 503, "database unavailable");
		break;
	default:
		(void)reply_detail(req, 500, "Internal Server Error");
		break;
	}
	return (HTTP_STATE_ERROR);
}

static void
request_sleep(void *req)
{
	http_request_sleep(req);
}

static void
request_wakeup(void *req)
{
	http_request_wakeup(req);
}

static int
state_done(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	memset(&c->q, 0, sizeof(c->q));
	switch (c->op->done(req, c, &c->q)) {
	case OP_QUERY:
		if (c->replayed) {
			/* a replay runs no statement */
			(void)reply_detail(req, 500, "Internal Server Error");
			return (HTTP_STATE_COMPLETE);
		}
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
