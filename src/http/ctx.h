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

#include "db/db.h"
#include "infra/log.h"
#include "model/token.h"

struct op;
struct idem;

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
	 * without rows and sets unique_violated, instead of a 500 (op.c).
	 */
	int unique_retry;
	int unique_violated;
	const struct op *op; /* the handler's operation */
	struct op_query q; /* the statement it runs next (db.h) */
	struct db_client db; /* the request as the pool sees it (op.c) */
	void *state; /* handler's, owned */
	void (*state_free)(void *);
	void *gate; /* the gate's (rate limit), owned */
	void (*gate_free)(void *);
	int writes; /* op_run_write: an Idempotency-Key may come */
	/*
	 * Idempotency-Key (http/idem.h): the claim, owned, and what lets it
	 * go when the request ends (set with it, so that ctx needs no idem)
	 */
	struct idem *idem;
	void (*idem_end)(struct ctx *);
	/*
	 * The reply is a replay of stored rows: the handler's done() skips
	 * what the first response did besides replying (its log line).
	 */
	int replayed;
	int replied;
	int streaming; /* headers sent, body in parts (stream.c) */
};

struct ctx *ctx_get(struct http_request *req);
uint64_t ctx_now_us(void);
/* Is the client's X-Trace-Id usable as is? [A-Za-z0-9._:-]{1,128} */
int trace_id_valid(const char *s);

#endif
