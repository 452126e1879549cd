/*
 * The database path of a request: each worker's own pool of non-blocking
 * libpq connections in pipeline mode, registered once on the worker's
 * event loop; a per-worker circuit breaker (503 at once while PostgreSQL
 * is unreachable, instead of a blocking reconnect per request).
 *
 * Why not Kore's pgsql: it sends every query unnamed (parsed and planned
 * each time), gives a connection to one request at a time, and adds and
 * removes the socket from epoll around every query. Here a request's
 * statement is prepared once per connection and executed by name, and
 * under load the statements of many requests travel on one connection
 * back to back (libpq pipeline mode). Every write and every long read
 * has a Sync of its own, so it is its own transaction; the quick reads of
 * one loop turn share one Sync, and a read aborted by a failing neighbour
 * is sent again alone, so one failure fails no other request.
 */
#ifndef BEE_DB_H
#define BEE_DB_H

#include "http/ctx.h"

enum db_poll {
	DB_POLL_WAIT, /* asleep until PostgreSQL answers */
	DB_POLL_ROWS, /* rows are in c->result, owned by the context */
	DB_POLL_DONE, /* finished without rows (or a tolerated failure) */
	DB_POLL_FAILED /* a reply was sent */
};

/* In the parent: where to connect, and connections per worker. */
void db_register(const char *conninfo, int pool_size);

/*
 * Sends the statement q (text parameters; a NULL value is SQL NULL) and
 * puts the request to sleep. HTTP_STATE_CONTINUE once sent, or
 * HTTP_STATE_ERROR after replying 503. q must outlive the request's wait.
 */
int db_send(struct http_request *req, struct ctx *c, const struct op_query *q);
enum db_poll db_poll(struct http_request *req, struct ctx *c);
/* The request ends: its statement's results, if still due, are dropped. */
void db_release(struct ctx *c);
/* A stopping worker: close the connections properly. */
void db_close_all(void);

/*
 * PostgreSQL as this worker sees it, for /ready and /metrics: its port
 * answers (deps.h) and the breaker is closed.
 */
int db_up(void);

#endif
