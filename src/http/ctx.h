/*
 * Per-request context: trace id, start time, the caller's claims, the
 * route template for logs, and the request's database query. Created on
 * first use (the auth check or the handler), freed by Kore with the request.
 */
#ifndef BEE_CTX_H
#define BEE_CTX_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "model/token.h"

#define OP_PARAMS_MAX 16

struct op;
struct db_wait;

/* The statement a handler runs next (see op.h). */
struct op_query {
	const char *sql;
	int nparams;
	const char *values[OP_PARAMS_MAX]; /* NULL is SQL NULL */
	/*
	 * A read that may take long (many rows, a search): it never shares
	 * a batch, so that quick reads never queue behind it (db.c).
	 */
	int long_read;
	/*
	 * Optional, for a write: what must follow its outcome whether or not
	 * the client is still there (unlink a replaced file, clean the Redis
	 * mirror). db.c calls it once, as the result arrives, with the
	 * handler's state (c->state, kept alive for it if the request ends
	 * first) and the result: committed when its status is
	 * PGRES_TUPLES_OK or PGRES_COMMAND_OK, rolled back on an error status,
	 * NULL when the connection was lost after sending (unknown). Never
	 * for a statement that was not sent. No reply from here: the request
	 * may be gone; rows() and done() follow when it is not.
	 */
	void (*settle)(void *state, const PGresult *res, const char *trace_id);
};

#define TRACE_ID_MAX 128

struct ctx {
	uint64_t start_us;
	char trace_id[TRACE_ID_MAX + 1];
	const char *route; /* template, for logs */
	char customer_id[UUID_STRLEN];
	int authed;
	struct claims claims;
	/*
	 * Set by a handler whose statement may fail on a unique index (which
	 * rolls it back whole): the failure then ends the query like one
	 * without rows and sets unique_violated, instead of a 500 (db.c).
	 */
	int unique_retry;
	int unique_violated;
	const struct op *op; /* the handler's operation */
	struct op_query q;
	struct db_wait *wait; /* the statement in flight (db.c) */
	PGresult *result; /* its rows, while op.c hands them over */
	void *state; /* handler's, owned */
	void (*state_free)(void *);
	void *gate; /* the gate's (rate limit), owned */
	void (*gate_free)(void *);
	int replied;
	int streaming; /* headers sent, body in parts (stream.c) */
};

struct ctx *ctx_get(struct http_request *req);
uint64_t ctx_now_us(void);
/* Is the client's X-Trace-Id usable as is? [A-Za-z0-9._:-]{1,128} */
int trace_id_valid(const char *s);

#endif
