/*
 * Pipelined PostgreSQL connections on the worker's loop (db.h): the pool,
 * its requests and their batches. A connection's own life (connecting,
 * events, results, loss) is db_conn.c's.
 *
 * Ownership: a request's `struct db_wait` belongs to its connection while
 * the statement's results are due (queued in the connection's FIFO), and
 * to the request's context once delivered. A request that ends early
 * (client gone) leaves its wait to the connection, which frees it when the
 * results arrive; a write with a settle hook (ctx.h) takes the handler's
 * state along, so that the hook runs on the outcome all the same (as the
 * result arrives, before the request, if any, reads it), then frees it. Connections are slots of a per-worker array that is
 * never freed, so an epoll event for a closed one finds an empty slot.
 *
 * Connecting is non-blocking, on the loop (PQconnectStart and
 * PQconnectPoll), bounded by the URL's connect_timeout, one connection at
 * a time, and only when every open connection is busy: a worker never
 * stalls on an unreachable server, and meanwhile requests use the open
 * connections, or wait for the new one when none is open. After a failure
 * with none open the breaker answers 503 for a back-off period, then lets
 * one request try again (the others get 503 while it waits).
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
#include "http/reply.h"
#include "infra/resolve.h"
#include "infra/settings.h"
#include "db/stmt.h"

/* statements in flight per worker, as Kore's pgsql_queue_limit */
#define INFLIGHT_MAX 1000
/* after a failed attempt to grow the pool, use the open connections */
#define GROW_RETRY_MS 1000
/* quick reads that may share one Sync (one batch) on one connection */
#define BATCH_MAX 32
/* a stopping worker waits this long for the outcome of its writes */
#define SETTLE_MS 5000

static int pool_size;
static struct conn *conns; /* this worker's, pool_size of them */
static int inflight;
static int sync_armed; /* sync_tick is due at the next loop turn */
static uint64_t grow_after_ms;
static struct breaker breaker;

static void wait_drop(struct db_wait *);
static void settle(struct db_wait *, const PGresult *);
static int settle_pending(const struct conn *);
static void settle_wait(struct conn *, uint64_t);
static void wait_wake(struct db_wait *, int);
static int fail_unavailable(struct http_request *);
static int timed_out(const PGresult *);
static struct conn *pick(const char *, int);
static int submit(struct conn *, struct db_wait *);
static int send_statement(struct conn *, struct db_wait *);
static int is_read(const char *);
static int load(const struct conn *);
static void enqueue(struct conn *, struct db_wait *);
static void retry(struct db_wait *);
static void sync_tick(void *, u_int64_t);

void
db_register(const char *info, int size)
{
	conn_configure(info);
	pool_size = size;
}

int
db_up(void)
{
	return (
	    deps_up(DEP_POSTGRES) && breaker_closed(&breaker, kore_time_ms()));
}

static int
fail_unavailable(struct http_request *req)
{
	(void)reply_detail(req, 503, "database unavailable");
	return (HTTP_STATE_ERROR);
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

int
db_send(struct http_request *req, struct ctx *c, const struct op_query *q)
{
	struct conn *cn;
	struct db_wait *w;

	if (q->nparams > OP_PARAMS_MAX)
		fatal("db_send: too many parameters");
	if (!breaker_allows(&breaker, kore_time_ms()))
		return (fail_unavailable(req));
	if (inflight >= INFLIGHT_MAX) {
		log_error(c->trace_id, "database pool queue is full");
		return (fail_unavailable(req));
	}
	if ((cn = pick(c->trace_id, !q->long_read && is_read(q->sql))) == NULL)
		return (fail_unavailable(req));
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (HTTP_STATE_ERROR);
	}
	w->query = q->sql;
	w->nparams = q->nparams;
	w->values = q->values;
	w->long_read = q->long_read;
	w->req = req;
	if ((w->settle = q->settle) != NULL) {
		w->state = c->state;
		(void)kore_strlcpy(w->trace_id, c->trace_id,
		    sizeof(w->trace_id));
	}
	if (!submit(cn, w)) {
		free(w);
		conn_lost(cn, c->trace_id);
		return (fail_unavailable(req));
	}
	c->wait = w;
	http_request_sleep(req);
	/* sending may have read replies into libpq: no epoll event for them */
	conn_drain(cn);
	return (HTTP_STATE_CONTINUE);
}

enum db_poll
db_poll(struct http_request *req, struct ctx *c)
{
	struct db_wait *w = c->wait;
	PGresult *r;
	char msg[512];
	int lost;

	if (w == NULL || !w->done)
		return (DB_POLL_WAIT);
	c->wait = NULL;
	r = w->result;
	lost = w->lost;
	free(w);
	if (lost) {
		PQclear(r);
		(void)fail_unavailable(req);
		return (DB_POLL_FAILED);
	}
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		c->result = r;
		return (DB_POLL_ROWS);
	case PGRES_COMMAND_OK:
		PQclear(r);
		return (DB_POLL_DONE);
	default:
		break;
	}
	/* SQLSTATE 23505: the statement was rolled back whole */
	if (c->unique_retry && r != NULL && conn_sqlstate_is(r, "23505")) {
		c->unique_violated = 1;
		PQclear(r);
		return (DB_POLL_DONE);
	}
	if (r != NULL && timed_out(r)) {
		(void)snprintf(msg, sizeof(msg),
		    "database statement timed out (statement_timeout %d ms, "
		    "lock_timeout %d ms): %s",
		    settings.db_statement_timeout_ms,
		    settings.db_lock_timeout_ms, PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		log_error(c->trace_id, msg);
		PQclear(r);
		(void)fail_unavailable(req);
		return (DB_POLL_FAILED);
	}
	(void)snprintf(msg, sizeof(msg), "query failed: %s",
	    r != NULL ? PQresultErrorMessage(r) : "no result");
	msg[strcspn(msg, "\n")] = '\0';
	log_error(c->trace_id, msg);
	PQclear(r);
	(void)reply_detail(req, 500, "Internal Server Error");
	return (DB_POLL_FAILED);
}

void
db_release(struct ctx *c)
{
	struct db_wait *w = c->wait;

	PQclear(c->result);
	c->result = NULL;
	c->wait = NULL;
	if (w == NULL)
		return;
	if (!w->done) {
		w->req = NULL; /* the connection frees it */
		if (w->settle != NULL) {
			/* the outcome still needs the state: it goes along */
			w->state_free = c->state_free;
			c->state = NULL;
			c->state_free = NULL;
		}
		return;
	}
	wait_drop(w);
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

	if (conns == NULL &&
	    (conns = calloc((size_t)pool_size, sizeof(*conns))) == NULL)
		return (NULL);
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
	 * starts the connect is the one trial: the others get their 503 at
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

void
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
		if (w->req == NULL) {
			wait_drop(w); /* its request went away: never sent */
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
 * statements that waited get a 503.
 */
void
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

/* The connection's statements will not be answered: 503 for each. */
void
pool_fail_waits(struct conn *cn)
{
	struct db_wait *w, *next;

	for (w = cn->head; w != NULL; w = next) {
		next = w->next;
		inflight--;
		if (w->sent)
			settle(w, NULL);
		if (w->req == NULL)
			wait_drop(w);
		else
			wait_wake(w, 1);
	}
	cn->head = cn->tail = NULL;
	cn->inflight = 0;
	cn->long_reads = 0;
}

void
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
	if (w->req == NULL) {
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
 * A wait whose request went away: nobody will read its result. Frees the
 * handler's state when the request left it here.
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

/* The wait is over (lost: no answer will come); its request goes on. */
static void
wait_wake(struct db_wait *w, int lost)
{
	w->lost = lost;
	w->done = 1;
	http_request_wakeup(w->req);
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
