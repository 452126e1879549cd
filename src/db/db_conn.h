/*
 * The database pool's insides, shared by db.c (requests, batches, the
 * choice of a connection: the pool) and db_conn.c (a connection's life).
 * Not for other files: they use db.h.
 */
#ifndef BEE_DB_CONN_H
#define BEE_DB_CONN_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/ctx.h"

struct db_wait {
	struct db_wait *next;
	struct http_request *req; /* NULL: the request went away */
	/* the statement, borrowed from the request (c->q), for a retry */
	const char *query;
	int nparams;
	const char *const *values;
	PGresult *result; /* the statement's result (or its first error) */
	int stmt; /* its statement number (stmt.h), or -1: unnamed */
	int preparing; /* a PREPARE of it goes first */
	int commands; /* commands sent: the PREPARE and the statement */
	int ended; /* of those, finished (each ends with a NULL result) */
	int aborted; /* skipped: an earlier read of its batch failed */
	int retried;
	int long_read; /* alone in its batch (struct op_query) */
	int done;
	int lost; /* the connection broke before the results came */
	int sent; /* on the wire: it may commit whatever we do */
	/* struct op_query's settle, the handler's state and the trace id */
	void (*settle)(void *, const PGresult *, const char *);
	void *state; /* borrowed from the request while it lives */
	void (*state_free)(void *); /* set once the wait owns state */
	char trace_id[TRACE_ID_MAX + 1];
};

struct conn {
	struct kore_event evt; /* first: epoll's udata points here */
	PGconn *db; /* NULL: empty slot */
	int connecting; /* statements wait unsent in the FIFO */
	struct kore_timer
	    *connect_timer; /* connect_timeout, while connecting */
	int fd; /* the socket registered with epoll, or -1 */
	int writing; /* EPOLLOUT wanted: libpq has unsent bytes */
	unsigned long long prepared; /* bit n: statement n (stmt.h) */
	struct db_wait *head, *tail;
	int inflight;
	int long_reads; /* of those, long reads (struct op_query) */
	int unsynced; /* reads sent since the last Sync */
};

/* db_conn.c: a connection. */

/* In the parent: where to connect (and connect_timeout). */
void conn_configure(const char *conninfo);
/*
 * Starts connecting in the empty slot cn, without blocking; the pool
 * hears of the end (pool_connected, pool_connect_failed). 0 when it
 * failed at once: the pool has heard of it already.
 */
int conn_start(struct conn *cn, const char *trace_id);
/* Hands out every complete result libpq holds (no socket read). */
void conn_drain(struct conn *cn);
/* What the socket takes now; the rest on EPOLLOUT. 0: broken. */
int conn_flush(struct conn *cn);
/* The connection broke: closed, its statements fail (pool_fail_waits). */
void conn_lost(struct conn *cn, const char *trace_id);
int conn_sqlstate_is(const PGresult *r, const char *code);

/* db.c: the pool, told by a connection. */

/* cn is up: the statements that waited for it are sent. */
void pool_connected(struct conn *cn);
/* Connecting failed (cn is an empty slot again): why, in one line. */
void pool_connect_failed(struct conn *cn, const char *trace_id,
    const char *why);
/* The oldest statement of cn has all its results. */
void pool_deliver(struct conn *cn);
/* None of cn's statements will be answered: each gets a 503. */
void pool_fail_waits(struct conn *cn);

#endif
