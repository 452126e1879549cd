/*
 * Idempotency-Key on the writes (idem.c): a request that carries one
 * claims (caller's sub, key) before its statements run; its write stores
 * its own result rows under the claim in the same transaction; a retry
 * gets those rows rendered again by the same handler, with
 * Idempotent-Replayed: true. op.c drives it; a handler only says that it
 * writes (struct op's `writes`) and skips its side effects on a replay
 * (ctx's `replayed`).
 */
#ifndef BEE_IDEM_H
#define BEE_IDEM_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "db/db.h"
#include "http/ctx.h"

enum idem_claim {
	IDEM_CLAIMED, /* the request runs, its write stores its rows */
	IDEM_REPLAY, /* answered from the stored rows (idem_replay_rows) */
	IDEM_REPLIED /* 409 in progress or 422 reused: sent */
};

/*
 * Before the handler: with no Idempotency-Key, 1 and nothing to do; a
 * valid one is kept in c->idem with the request's fingerprint (1); an
 * invalid one gets 400 "Invalid Idempotency-Key" (0).
 */
int idem_begin(struct http_request *req, struct ctx *c);
/* The claim statement, once the handler has checked the request. */
const struct op_query *idem_claim_query(struct ctx *c);
/* The claim's rows: what to do next (a 409 or 422 is sent here). */
enum idem_claim idem_claimed(struct http_request *req, struct ctx *c,
    const PGresult *res);
/*
 * After IDEM_REPLAY: the stored rows as the write returned them, for the
 * handler's rows(); the caller clears it.
 */
PGresult *idem_replay_rows(struct ctx *c);
/* Before a statement is sent: a write is rewritten to store its rows. */
void idem_wrap(struct ctx *c, struct op_query *q);
/*
 * The state to give db_send with q: the claim and the rewritten write
 * carry the request's claim (their settle hook releases it when the
 * request is gone), any other statement the handler's c->state.
 */
void *idem_send_state(struct ctx *c, const struct op_query *q);
/*
 * The claim's token, or NULL without an Idempotency-Key: an erasure
 * deletes the stored answers about its customer but its own.
 */
const char *idem_token(const struct ctx *c);
/*
 * That statement's outcome (committed, rolled back, unknown); DB_WAIT
 * while it runs. When db_send refused it, it was never sent: pass what
 * db_send returned with sent 0.
 */
void idem_outcome(struct ctx *c, enum db_status st, int sent);
/*
 * The request ends: a claim whose write never committed is released
 * (sent without waiting; a claim left running is taken over once stale).
 * With the claim or the write still in flight, the pool keeps the claim
 * until its outcome, which releases it if need be. Before db_release of
 * the request's statement (ctx.c).
 */
void idem_end(struct ctx *c);

#endif
