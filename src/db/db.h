/*
 * The database path of a request: each worker's own pool of non-blocking
 * libpq connections in pipeline mode, registered once on the worker's
 * event loop; a per-worker circuit breaker (requests turned away at once
 * while PostgreSQL is unreachable, instead of a blocking reconnect per
 * request).
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
 *
 * The pool answers no request: it reports a status (enum db_status) and
 * the request's state machine (http/op.c) replies. It reaches its callers
 * only through the function pointers of their struct db_client.
 */
#ifndef BEE_DB_H
#define BEE_DB_H

#include <libpq-fe.h>

#define OP_PARAMS_MAX 20

struct db_wait;

/* The statement a handler runs next (http/op.h fills it). */
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
	 * state given to db_send (kept alive for it if the caller leaves
	 * first: db_release) and the result: committed when its status is
	 * PGRES_TUPLES_OK or PGRES_COMMAND_OK, rolled back on an error status,
	 * NULL when the connection was lost after sending (unknown). Never
	 * for a statement that was not sent. No reply from here: the request
	 * may be gone; rows() and done() follow when it is not.
	 */
	void (*settle)(void *state, const PGresult *res, const char *trace_id);
	/*
	 * A write sent with an Idempotency-Key (http/idem.h): the leading
	 * columns its stored answer keeps, those rows() reads (0: all); the
	 * others (personal data only the settle hook needs) are not stored.
	 */
	int stored_columns;
};

/*
 * The caller of one statement at a time, a request (http/ctx.h embeds
 * one): the pool knows it only through these fields, so that db/ needs
 * nothing of the layers above. The caller fills the first four; the rest
 * is the pool's.
 */
struct db_client {
	void *waiter; /* the request */
	/* asleep while the statement runs; woken once its outcome is in */
	void (*sleep)(void *waiter);
	void (*wake)(void *waiter);
	const char *trace_id; /* for the log lines (and a settle hook) */
	/*
	 * The statement may fail on a unique index (which rolls it back
	 * whole): that failure is then DB_UNIQUE, an outcome, instead of a
	 * logged DB_ERROR.
	 */
	int unique_ok;
	struct db_wait *wait; /* the statement in flight */
	PGresult *result; /* its rows after DB_ROWS, until db_release */
};

/*
 * What became of a statement. The pool logs why where it knows more than
 * the status says (a full queue, a timeout, PostgreSQL's error); the
 * caller answers (http/op.c: 503 for DB_UNAVAILABLE and DB_TIMEOUT, 500
 * for DB_ERROR). Out of memory stops the worker (model/xalloc.h).
 */
enum db_status {
	DB_WAIT, /* sent: the caller sleeps until the pool wakes it */
	DB_ROWS, /* rows are in the client's result */
	DB_DONE, /* finished without rows */
	DB_UNIQUE, /* rolled back by a unique index (unique_ok only) */
	DB_UNAVAILABLE, /* not sent (breaker open, queue full, no
			   connection), or its connection was lost */
	DB_TIMEOUT, /* statement_timeout or lock_timeout */
	DB_ERROR /* PostgreSQL refused it */
};

/* In the parent: where to connect, and connections per worker. */
void db_register(const char *conninfo, int pool_size);
/*
 * In the parent: fn runs on the event loop after every write that
 * committed (its result is in), the client there or not; service.c hands
 * the outbox publisher's wake-up down here.
 */
void db_on_commit(void (*fn)(void));

/*
 * Sends the statement q (text parameters; a NULL value is SQL NULL) and
 * puts the client to sleep: DB_WAIT, or why it was not sent. q (and
 * state, for q's settle hook) must outlive the wait.
 */
enum db_status db_send(struct db_client *d, const struct op_query *q,
    void *state);
/* Once woken: DB_WAIT while the outcome is still due, else the outcome. */
enum db_status db_poll(struct db_client *d);
/*
 * The client goes away: its rows are freed and its statement's results,
 * if still due, dropped. 1 when the pool took state (and state_free) for
 * the statement's settle hook, which has yet to run: the caller forgets
 * them.
 */
int db_release(struct db_client *d, void *state, void (*state_free)(void *));
/* A stopping worker: close the connections properly. */
void db_close_all(void);

/*
 * PostgreSQL as this worker sees it, for /ready and /metrics: its port
 * answers (deps.h) and the breaker is closed.
 */
int db_up(void);

#endif
