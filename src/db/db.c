/*
 * Pipelined PostgreSQL connections on the worker's loop (db.h): the pool,
 * its requests and their batches. A connection's own life (connecting,
 * events, results, loss) is db_conn.c's.
 *
 * Ownership: a request's `struct db_wait` belongs to its connection while
 * the statement's results are due (queued in the connection's FIFO), and
 * to its client (db.h) once delivered. A client that leaves early (the
 * HTTP client went away) leaves its wait to the connection, which frees it
 * when the results arrive; a write with a settle hook (db.h) takes the
 * handler's state along, so that the hook runs on the outcome all the
 * same (as the result arrives, before the client, if any, reads it), then
 * frees it. Connections are slots of a per-worker array that is never
 * freed, so an epoll event for a closed one finds an empty slot.
 *
 * Connecting is non-blocking, on the loop (PQconnectStart and
 * PQconnectPoll), bounded by the URL's connect_timeout, one connection at
 * a time, and only when every open connection is busy: a worker never
 * stalls on an unreachable server, and meanwhile requests use the open
 * connections, or wait for the new one when none is open. After a failure
 * with none open the breaker turns requests away (DB_UNAVAILABLE) for a
 * back-off period, then lets one request try again (the others are turned
 * away while it waits).
 *
 * No reply from here: a status goes back to the caller, who answers
 * (http/op.c); the pool reaches a waiting caller only through its
 * struct db_client's wake function.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db/breaker.h"
#include "db/db.h"
#include "db/db_conn.h"
#include "infra/deps.h"
#include "infra/log.h"
#include "infra/resolve.h"
#include "infra/settings.h"
#include "db/stmt.h"
#include "model/xalloc.h"

/* statements in flight per worker, as Kore's pgsql_queue_limit */
#define INFLIGHT_MAX 1000
/* after a failed attempt to grow the pool, use the open connections */
#define GROW_RETRY_MS 1000
/* quick reads that may share one Sync (one batch) on one connection */
#define BATCH_MAX 32
/* a stopping worker waits this long for the outcome of its writes */
#define SETTLE_MS 5000

static int pool_size;
static void (*on_commit)(void);
static struct conn *conns; /* this worker's, pool_size of them */
static int inflight;
static int sync_armed; /* sync_tick is due at the next loop turn */
static uint64_t grow_after_ms;
static struct breaker breaker;

static void pool_connected(struct conn *);
static void pool_connect_failed(struct conn *, const char *, const char *);
static void pool_deliver(struct conn *);
static void pool_fail_waits(struct conn *);
static void wait_drop(struct db_wait *);
static void settle(struct db_wait *, const PGresult *);
static int settle_pending(const struct conn *);
static void settle_wait(struct conn *, uint64_t);
static void wait_wake(struct db_wait *, int);
static int timed_out(const PGresult *);
static int server_gone(const PGresult *);
static struct conn *pick(const char *, int);
static int submit(struct conn *, struct db_wait *);
static int send_statement(struct conn *, struct db_wait *);
static int is_read(const char *);
static int committed(const struct db_wait *);
static int load(const struct conn *);
static void enqueue(struct conn *, struct db_wait *);
static void retry(struct db_wait *);
static void sync_tick(void *, u_int64_t);

/* what a connection tells the pool (db_conn.h) */
static const struct conn_pool pool = {
	pool_connected,
	pool_connect_failed,
	pool_deliver,
	pool_fail_waits,
};

void
db_register(const char *info, int size)
{
	conn_configure(info, &pool);
	pool_size = size;
}

void
db_on_commit(void (*fn)(void))
{
	on_commit = fn;
}

int
db_up(void)
{
	return (
	    deps_up(DEP_POSTGRES) && breaker_closed(&breaker, kore_time_ms()));
}

/*
 * statement_timeout (57014; we never cancel otherwise) or lock_timeout
 * (55P03; we never lock with NOWAIT). PostgreSQL answered, so this is no
 * breaker failure: one locked row or slow statement must not turn every
 * other request of the worker away (pool_deliver closes the breaker).
 */
static int
timed_out(const PGresult *r)
{
	return (conn_sqlstate_is(r, "57014") || conn_sqlstate_is(r, "55P03"));
}

/*
 * The server ended the session under the statement: a shutdown (57P01, as
 * a fast shutdown or pg_terminate_backend sends to every backend; 57P02
 * crash; 57P03 not accepting connections) or a connection exception
 * (class 08). As a connection lost with the statement in flight: 503.
 */
static int
server_gone(const PGresult *r)
{
	const char *s;

	s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return (s != NULL && (!strncmp(s, "57P", 3) || !strncmp(s, "08", 2)));
}

enum db_status
db_send(struct db_client *d, const struct op_query *q, void *state)
{
	struct conn *cn;
	struct db_wait *w;

	if (q->nparams > OP_PARAMS_MAX)
		fatal("db_send: too many parameters");
	if (!breaker_allows(&breaker, kore_time_ms()))
		return (DB_UNAVAILABLE);
	if (inflight >= INFLIGHT_MAX) {
		log_error(d->trace_id, "database pool queue is full");
		return (DB_UNAVAILABLE);
	}
	if ((cn = pick(d->trace_id, !q->long_read && is_read(q->sql))) == NULL)
		return (DB_UNAVAILABLE);
	w = xcalloc(1, sizeof(*w));
	w->query = q->sql;
	w->nparams = q->nparams;
	w->values = q->values;
	w->long_read = q->long_read;
	w->client = d;
	if ((w->settle = q->settle) != NULL) {
		w->state = state;
		(void)kore_strlcpy(w->trace_id, d->trace_id,
		    sizeof(w->trace_id));
	}
	if (!submit(cn, w)) {
		free(w);
		conn_lost(cn, d->trace_id);
		return (DB_UNAVAILABLE);
	}
	d->wait = w;
	d->sleep(d->waiter);
	/* sending may have read replies into libpq: no epoll event for them */
	conn_drain(cn);
	return (DB_WAIT);
}

enum db_status
db_poll(struct db_client *d)
{
	struct db_wait *w = d->wait;
	PGresult *r;
	char msg[512];
	int lost;

	if (w == NULL || !w->done)
		return (DB_WAIT);
	d->wait = NULL;
	r = w->result;
	lost = w->lost;
	free(w);
	if (lost) {
		PQclear(r);
		return (DB_UNAVAILABLE);
	}
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		d->result = r;
		return (DB_ROWS);
	case PGRES_COMMAND_OK:
		PQclear(r);
		return (DB_DONE);
	default:
		break;
	}
	/* SQLSTATE 23505: the statement was rolled back whole */
	if (d->unique_ok && r != NULL && conn_sqlstate_is(r, "23505")) {
		PQclear(r);
		return (DB_UNIQUE);
	}
	if (r != NULL && timed_out(r)) {
		(void)snprintf(msg, sizeof(msg),
		    "database statement timed out (statement_timeout %d ms, "
		    "lock_timeout %d ms): %s",
		    settings.db_statement_timeout_ms,
		    settings.db_lock_timeout_ms, PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		log_error(d->trace_id, msg);
		PQclear(r);
		return (DB_TIMEOUT);
	}
	if (r != NULL && server_gone(r)) {
		(void)snprintf(msg, sizeof(msg),
		    "database connection ended by the server: %s",
		    PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		log_error(d->trace_id, msg);
		PQclear(r);
		return (DB_UNAVAILABLE);
	}
	(void)snprintf(msg, sizeof(msg), "query failed: %s",
	    r != NULL ? PQresultErrorMessage(r) : "no result");
	msg[strcspn(msg, "\n")] = '\0';
	log_error(d->trace_id, msg);
	PQclear(r);
	return (DB_ERROR);
}

int
db_release(struct db_client *d, void *state, void (*state_free)(void *))
{
	struct db_wait *w = d->wait;

	PQclear(d->result);
	d->result = NULL;
	d->wait = NULL;
	if (w == NULL)
		return (0);
	if (!w->done) {
		w->client = NULL; /* the connection frees it */
		if (w->settle != NULL) {
			/* the outcome still needs the state: it goes along */
			w->state_free = state_free;
			return (1);
		}
		return (0);
	}
	wait_drop(w);
	return (0);
}

/*
 * The writes in flight may commit on the server whatever happens here:
 * their outcome is awaited (SETTLE_MS at most, blocking: the loop is
 * over) so that their settle hooks run; those still unanswered are
 * settled as unknown.
 */
void
db_close_all(void)
{
	uint64_t deadline;
	int i;

	deadline = kore_time_ms() + SETTLE_MS;
	for (i = 0; conns != NULL && i < pool_size; i++) {
		if (conns[i].db == NULL)
			continue;
		settle_wait(&conns[i], deadline);
		if (conns[i].db == NULL)
			continue;
		if (settle_pending(&conns[i]))
			log_warn(NULL,
			    "database: worker stopping before a write's "
			    "outcome came");
		PQfinish(conns[i].db);
		conns[i].db = NULL;
		pool_fail_waits(&conns[i]);
	}
}

/* A sent write of cn whose outcome its handler still waits for. */
static int
settle_pending(const struct conn *cn)
{
	const struct db_wait *w;

	for (w = cn->head; w != NULL; w = w->next) {
		if (w->sent && w->settle != NULL)
			return (1);
	}
	return (0);
}

/* Reads cn's results until no write awaits its outcome, or deadline. */
static void
settle_wait(struct conn *cn, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now;

	while (cn->db != NULL && !cn->connecting && settle_pending(cn)) {
		if ((now = kore_time_ms()) >= deadline)
			return;
		pfd.fd = PQsocket(cn->db);
		pfd.events = POLLIN;
		pfd.revents = 0;
		switch (PQflush(cn->db)) {
		case 0:
			break;
		case 1:
			pfd.events |= POLLOUT;
			break;
		default:
			conn_lost(cn, NULL);
			return;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		if (!PQconsumeInput(cn->db)) {
			conn_lost(cn, NULL);
			return;
		}
		conn_drain(cn);
	}
}

/*
 * For a quick read, the connection whose batch this loop turn is still
 * open, unless a long read waits there: the turn's reads then cost
 * PostgreSQL one wake-up and one round trip, instead of one per
 * connection (A/B runs: GET 22 000-26 000 -> 30 000-39 000 req/s,
 * PostgreSQL's CPU per GET 33-40 -> 11-20 us). Else an idle connection if
 * there is one; else the open connection with the least work queued, a
 * long read counting as a full batch (only when every connection has one
 * does a quick read queue behind a long read), while a new connection
 * starts if the pool has room; else, when none is open, the connecting
 * one, where the statement waits.
 */
static struct conn *
pick(const char *trace_id, int read)
{
	struct conn *best, *empty, *connecting;
	int i;

	if (conns == NULL)
		conns = xcalloc((size_t)pool_size, sizeof(*conns));
	for (i = 0; read && i < pool_size; i++) {
		if (conns[i].db != NULL && conns[i].unsynced > 0 &&
		    conns[i].long_reads == 0)
			return (&conns[i]);
	}
	best = empty = connecting = NULL;
	for (i = 0; i < pool_size; i++) {
		if (conns[i].db == NULL) {
			if (empty == NULL)
				empty = &conns[i];
		} else if (conns[i].connecting) {
			connecting = &conns[i];
		} else if (conns[i].inflight == 0) {
			return (&conns[i]);
		} else if (best == NULL || load(&conns[i]) < load(best)) {
			best = &conns[i];
		}
	}
	/*
	 * After a failure (the breaker's back-off over), the request that
	 * starts the connect is the one trial: the others are turned away at
	 * once instead of waiting for it too.
	 */
	if (best == NULL && connecting != NULL &&
	    !breaker_closed(&breaker, kore_time_ms()))
		return (NULL);
	/* the new one serves later requests: this one waits only if need be */
	if (connecting == NULL && empty != NULL &&
	    (best == NULL || kore_time_ms() >= grow_after_ms) &&
	    conn_start(empty, trace_id))
		connecting = empty;
	return (best != NULL ? best : connecting);
}

static void
pool_connected(struct conn *cn)
{
	struct db_wait *w, *next;
	int broken;

	breaker_reset(&breaker);
	w = cn->head;
	cn->head = cn->tail = NULL;
	inflight -= cn->inflight;
	cn->inflight = cn->long_reads = 0;
	broken = 0;
	for (; w != NULL; w = next) {
		next = w->next;
		w->next = NULL;
		if (w->client == NULL) {
			wait_drop(w); /* its client went away: never sent */
			continue;
		}
		if (!broken && !send_statement(cn, w))
			broken = 1;
		enqueue(cn, w);
	}
	if (broken)
		conn_lost(cn, NULL);
	else
		conn_drain(cn);
}

/*
 * With no other connection open PostgreSQL is away: the breaker trips.
 * Otherwise the pool just cannot grow now (max_connections reached, say):
 * the open connections carry on, and growing waits a little. The
 * statements that waited are DB_UNAVAILABLE.
 */
static void
pool_connect_failed(struct conn *cn, const char *trace_id, const char *why)
{
	char msg[320];
	int i, only;

	resolve_again(DEP_POSTGRES); /* it may have moved */
	only = 1;
	for (i = 0; i < pool_size; i++) {
		if (conns[i].db != NULL && !conns[i].connecting)
			only = 0;
	}
	if (only) {
		(void)breaker_trip(&breaker, kore_time_ms());
		(void)snprintf(msg, sizeof(msg), "database unavailable: %s",
		    *why != '\0' ? why : "connection lost");
		log_error(trace_id, msg);
	} else {
		grow_after_ms = kore_time_ms() + GROW_RETRY_MS;
		(void)snprintf(msg, sizeof(msg),
		    "database pool cannot grow: %s", why);
		log_warn(trace_id, msg);
	}
	pool_fail_waits(cn);
}

/* The connection's statements will not be answered: DB_UNAVAILABLE. */
static void
pool_fail_waits(struct conn *cn)
{
	struct db_wait *w, *next;

	for (w = cn->head; w != NULL; w = next) {
		next = w->next;
		inflight--;
		if (w->sent)
			settle(w, NULL);
		if (w->client == NULL)
			wait_drop(w);
		else
			wait_wake(w, 1);
	}
	cn->head = cn->tail = NULL;
	cn->inflight = 0;
	cn->long_reads = 0;
}

static void
pool_deliver(struct conn *cn)
{
	struct db_wait *w = cn->head;

	cn->head = w->next;
	if (cn->head == NULL)
		cn->tail = NULL;
	cn->inflight--;
	inflight--;
	if (w->long_read)
		cn->long_reads--;
	breaker_reset(&breaker); /* PostgreSQL answered */
	w->next = NULL;
	if (!w->aborted || w->result != NULL)
		settle(w, w->result);
	if (on_commit != NULL && committed(w))
		on_commit();
	if (w->client == NULL) {
		wait_drop(w);
		return;
	}
	if (w->aborted && w->result == NULL) {
		retry(w);
		return;
	}
	wait_wake(w, 0);
}

/*
 * A wait whose client went away: nobody will read its result. Frees the
 * handler's state when the client left it here.
 */
static void
wait_drop(struct db_wait *w)
{
	PQclear(w->result);
	if (w->state_free != NULL)
		w->state_free(w->state);
	free(w);
}

/* The write's outcome, to its handler's settle hook, once. */
static void
settle(struct db_wait *w, const PGresult *res)
{
	void (*fn)(void *, const PGresult *, const char *);

	if ((fn = w->settle) == NULL)
		return;
	w->settle = NULL;
	fn(w->state, res, w->trace_id);
}

/* The wait is over (lost: no answer will come); its client goes on. */
static void
wait_wake(struct db_wait *w, int lost)
{
	w->lost = lost;
	w->done = 1;
	w->client->wake(w->client->waiter);
}

/*
 * A read skipped because an earlier read of its batch failed (the batch
 * is one implicit transaction): sent again, alone in its segment this
 * time, so that only its own failure can fail it.
 */
static void
retry(struct db_wait *w)
{
	struct conn *cn;

	log_warn(NULL,
	    "database: a read sent again, an earlier read of its "
	    "batch failed");
	if (!w->retried && (cn = pick(NULL, 0)) != NULL) {
		w->retried = 1;
		w->aborted = 0;
		w->ended = 0;
		if (submit(cn, w))
			return;
		conn_lost(cn, NULL);
	}
	wait_wake(w, 1);
}

/* A write whose result says it committed. */
static int
committed(const struct db_wait *w)
{
	ExecStatusType s;

	if (w->result == NULL || is_read(w->query))
		return (0);
	s = PQresultStatus(w->result);
	return (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK);
}

/* Ours call no function that writes: a SELECT only reads. */
static int
is_read(const char *query)
{
	return (strncmp(query, "SELECT ", 7) == 0);
}

/*
 * Sends w on cn, or queues it unsent while cn is connecting
 * (pool_connected sends it). 0 when libpq refused: cn is broken.
 */
static int
submit(struct conn *cn, struct db_wait *w)
{
	if (!cn->connecting && !send_statement(cn, w))
		return (0);
	enqueue(cn, w);
	return (1);
}

static int
load(const struct conn *cn)
{
	return (cn->inflight + cn->long_reads * BATCH_MAX);
}

static void
enqueue(struct conn *cn, struct db_wait *w)
{
	if (w->long_read)
		cn->long_reads++;
	if (cn->tail != NULL)
		cn->tail->next = w;
	else
		cn->head = w;
	cn->tail = w;
	cn->inflight++;
	inflight++;
}

/*
 * PREPARE (first use on this connection), then the statement. A write
 * gets its own Sync at once: it is its own transaction, shared with
 * nothing; so does a long read, whose failure then aborts no quick read.
 * A quick read joins the reads sent in the same turn of the worker's loop,
 * which get one Sync at the next turn (sync_tick): one flush on each side
 * for the whole batch. A batch of BATCH_MAX reads gets its Sync at once,
 * which bounds what one failing read can abort (its neighbours are sent
 * again, one by one). 0 when libpq refused: the connection is broken.
 */
static int
send_statement(struct conn *cn, struct db_wait *w)
{
	char name[STMT_NAMELEN];
	int id, rc, read;

	read = !w->retried && !w->long_read && is_read(w->query);
	/* a write never joins a batch of reads: close it first */
	if (!read && cn->unsynced > 0) {
		if (!PQpipelineSync(cn->db))
			return (0);
		cn->unsynced = 0;
	}
	w->preparing = 0;
	w->commands = 1;
	w->stmt = id = stmt_id(w->query);
	if (id < 0) {
		/* more statements than the registry holds: unnamed */
		rc = PQsendQueryParams(cn->db, w->query, w->nparams, NULL,
		    w->values, NULL, NULL, 0);
	} else {
		stmt_name(id, name, sizeof(name));
		rc = 1;
		if (!(cn->prepared & (1ULL << id))) {
			rc = PQsendPrepare(cn->db, name, w->query, w->nparams,
			    NULL);
			/* later statements may use it at once: in order */
			cn->prepared |= 1ULL << id;
			w->preparing = 1;
			w->commands = 2;
		}
		rc = rc &&
		    PQsendQueryPrepared(cn->db, name, w->nparams, w->values,
			NULL, NULL, 0);
	}
	if (!rc)
		return (0);
	if (read && ++cn->unsynced < BATCH_MAX) {
		if (!sync_armed) {
			sync_armed = 1;
			(void)kore_timer_add(sync_tick, 0, NULL,
			    KORE_TIMER_ONESHOT);
		}
		return (1);
	}
	cn->unsynced = 0;
	if (!PQpipelineSync(cn->db))
		return (0);
	/* its transaction ends with this Sync: it may commit from now on */
	w->sent = 1;
	return (conn_flush(cn));
}

/* The next turn of the loop: every batch of reads gets its Sync. */
static void
sync_tick(void *arg, u_int64_t now)
{
	int i;

	(void)arg;
	(void)now;
	sync_armed = 0;
	for (i = 0; conns != NULL && i < pool_size; i++) {
		if (conns[i].db == NULL || conns[i].unsynced == 0)
			continue;
		conns[i].unsynced = 0;
		if (!PQpipelineSync(conns[i].db) || !conn_flush(&conns[i])) {
			conn_lost(&conns[i], NULL);
			continue;
		}
		/* flushing may have read replies into libpq */
		conn_drain(&conns[i]);
	}
}
