/*
 * The shape of every database-backed handler: check the request and
 * prepare one SQL statement, optionally pass a gate (the rate limit), run
 * the statement asynchronously, take its rows, then reply or prepare the
 * next statement. A handler is a `struct op` of three or four functions;
 * op.c owns the state machine, the connection and the error replies.
 */
#ifndef BEE_OP_H
#define BEE_OP_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/ctx.h"

enum op_next {
	OP_QUERY, /* run the prepared query */
	OP_REPLIED, /* a reply was sent: the request is over */
	OP_SLEEP /* gate or done: asleep until woken, then asked again */
};

struct op {
	/*
	 * Validation, roles, per-request state (ctx->state); fills q.
	 * Returns OP_QUERY or OP_REPLIED.
	 */
	enum op_next (
	    *prepare)(struct http_request *, struct ctx *, struct op_query *);
	/* Optional, after prepare: OP_QUERY to go on, OP_SLEEP, OP_REPLIED. */
	enum op_next (*gate)(struct http_request *, struct ctx *);
	/* The statement's rows (zero or more), when it returns rows. */
	void (*rows)(struct http_request *, struct ctx *, const PGresult *);
	/*
	 * The statement finished: reply (OP_REPLIED), fill q (OP_QUERY), or
	 * OP_SLEEP until something wakes the request (a streamed chunk sent:
	 * stream.h), then be called again.
	 */
	enum op_next (
	    *done)(struct http_request *, struct ctx *, struct op_query *);
};

/* Runs `op` for the request: the handler's whole body after route_begin. */
int op_run(struct http_request *req, const struct op *op);
/*
 * op_run for a write: it takes an Idempotency-Key (http/idem.h). Its
 * statements other than plain SELECTs store their result rows under the
 * claim; a replay gives the stored rows to rows() and done(), with
 * ctx->replayed set, and runs no statement.
 */
int op_run_write(struct http_request *req, const struct op *op);

#endif
