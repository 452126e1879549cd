/*
 * The database path of a request: Kore's per-worker async pool, a
 * per-worker circuit breaker (503 at once while PostgreSQL is unreachable,
 * instead of a blocking reconnect per request), and the wait loop.
 */
#ifndef BEE_DB_H
#define BEE_DB_H

#include "ctx.h"

#define DB_NAME "db"

enum db_poll {
	DB_POLL_WAIT, /* asleep until PostgreSQL answers */
	DB_POLL_ROWS, /* a result is in c->sql: read it, then poll */
	DB_POLL_DONE, /* finished; the connection went back */
	DB_POLL_FAILED /* a reply was sent */
};

/* In the parent: the pool for every worker. */
void db_register(const char *conninfo, int pool_size);

/*
 * Starts `query` with text parameters (a NULL value is SQL NULL).
 * Returns HTTP_STATE_CONTINUE once sent (next: the wait state),
 * HTTP_STATE_RETRY while queued for a connection, or HTTP_STATE_ERROR
 * after replying 503.
 */
int db_send(struct http_request *req, struct ctx *c, const char *query,
    int nparams, const char *const *values);
enum db_poll db_poll(struct http_request *req, struct ctx *c);

/* For /ready: has this worker reached PostgreSQL lately? */
int db_breaker_open(void);

#endif
