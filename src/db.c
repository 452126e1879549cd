/*
 * Pipelined PostgreSQL connections on the worker's loop (db.h).
 *
 * Ownership: a request's `struct db_wait` belongs to its connection while
 * the statement's results are due (queued in the connection's FIFO), and
 * to the request's context once delivered. A request that ends early
 * (client gone) leaves its wait to the connection, which frees it when the
 * results arrive. Connections are slots of a per-worker array that is
 * never freed, so an epoll event for a closed one finds an empty slot.
 *
 * Connecting is non-blocking, on the loop (PQconnectStart and
 * PQconnectPoll), bounded by the URL's connect_timeout, one connection at
 * a time, and only when every open connection is busy: a worker never
 * stalls on an unreachable server, and meanwhile requests use the open
 * connections, or wait for the new one when none is open. After a failure
 * with none open the breaker answers 503 for a back-off period, then lets
 * one request try again.
 */
#include <sys/epoll.h>

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/ssl.h>

#include "db.h"
#include "deps.h"
#include "log.h"
#include "reply.h"
#include "stmt.h"

#define BREAKER_MIN_MS 250
#define BREAKER_MAX_MS 5000
/* statements in flight per worker, as Kore's pgsql_queue_limit */
#define INFLIGHT_MAX 1000
/* after a failed attempt to grow the pool, use the open connections */
#define GROW_RETRY_MS 1000
/* quick reads that may share one Sync (one batch) on one connection */
#define BATCH_MAX 32

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

static char *conninfo;
static uint64_t connect_timeout_ms; /* 0: none (libpq's meaning) */
static int pool_size;
static struct conn *conns; /* this worker's, pool_size of them */
static int inflight;
static int sync_armed; /* sync_tick is due at the next loop turn */
static uint64_t grow_after_ms;
static uint64_t open_until_ms;
static unsigned int failures;

static int breaker_allows(void);
static void breaker_trip(const char *, const char *);
static int fail_unavailable(struct http_request *);
static struct conn *pick(const char *, int);
static int conn_start(struct conn *, const char *);
static void connect_wait(struct conn *, int);
static void connect_step(struct conn *);
static void connect_done(struct conn *);
static void connect_expired(void *, u_int64_t);
static void connect_failed(struct conn *, const char *, const char *);
static int submit(struct conn *, struct db_wait *);
static void fail_waits(struct conn *);
static void conn_lost(struct conn *, const char *);
static void conn_interest(struct conn *, int);
static void conn_event(void *, int);
static void conn_read(struct conn *);
static void conn_drain(struct conn *);
static int tls_pending(PGconn *);
static int sqlstate_is(const PGresult *, const char *);
static void conn_result(struct conn *, PGresult *);
static void deliver(struct conn *);
static int send_statement(struct conn *, struct db_wait *);
static int is_read(const char *);
static int load(const struct conn *);
static void enqueue(struct conn *, struct db_wait *);
static void retry(struct db_wait *);
static void sync_tick(void *, u_int64_t);
static int flush(struct conn *);
static void notice_to_log(void *, const char *);

void
db_register(const char *info, int size)
{
	PQconninfoOption *opts, *o;
	long secs;

	if ((conninfo = strdup(info)) == NULL)
		fatal("db_register: out of memory");
	pool_size = size;
	/* libpq enforces connect_timeout only in its blocking calls */
	connect_timeout_ms = 0;
	if ((opts = PQconninfoParse(info, NULL)) == NULL)
		return; /* settings.c checked it: out of memory */
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "connect_timeout") != 0 ||
		    o->val == NULL)
			continue;
		secs = strtol(o->val, NULL, 10);
		/* as libpq: 0 or less waits forever, 1 means 2 */
		if (secs > 0)
			connect_timeout_ms =
			    (uint64_t)(secs < 2 ? 2 : secs) * 1000;
	}
	PQconninfoFree(opts);
}

int
db_up(void)
{
	return (deps_up(DEP_POSTGRES) && breaker_allows() && failures == 0);
}

static int
breaker_allows(void)
{
	return (kore_time_ms() >= open_until_ms);
}

static void
breaker_trip(const char *trace_id, const char *why)
{
	uint64_t back_off;
	unsigned int shift;
	char msg[256];

	failures++;
	shift = failures > 5 ? 5 : failures - 1;
	back_off = (uint64_t)BREAKER_MIN_MS << shift;
	if (back_off > BREAKER_MAX_MS)
		back_off = BREAKER_MAX_MS;
	open_until_ms = kore_time_ms() + back_off;
	(void)snprintf(msg, sizeof(msg), "database unavailable: %s",
	    why && *why ? why : "connection lost");
	msg[strcspn(msg, "\n")] = '\0';
	log_error(trace_id, msg);
}

static int
fail_unavailable(struct http_request *req)
{
	(void)reply_detail(req, 503, "database unavailable");
	return (HTTP_STATE_ERROR);
}

int
db_send(struct http_request *req, struct ctx *c, const struct op_query *q)
{
	struct conn *cn;
	struct db_wait *w;

	if (q->nparams > OP_PARAMS_MAX)
		fatal("db_send: too many parameters");
	if (!breaker_allows())
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
	if (c->unique_retry && r != NULL && sqlstate_is(r, "23505")) {
		c->unique_violated = 1;
		PQclear(r);
		return (DB_POLL_DONE);
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
		return;
	}
	PQclear(w->result);
	free(w);
}

void
db_close_all(void)
{
	int i;

	for (i = 0; conns != NULL && i < pool_size; i++) {
		if (conns[i].db != NULL)
			PQfinish(conns[i].db);
		conns[i].db = NULL;
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
	/* the new one serves later requests: this one waits only if need be */
	if (connecting == NULL && empty != NULL &&
	    (best == NULL || kore_time_ms() >= grow_after_ms) &&
	    conn_start(empty, trace_id))
		connecting = empty;
	return (best != NULL ? best : connecting);
}

/*
 * Starts a new connection in slot cn; connect_step goes on with it. 0
 * when it failed at once (the slot stays empty).
 */
static int
conn_start(struct conn *cn, const char *trace_id)
{
	PGconn *db;

	db = PQconnectStart(conninfo);
	if (db == NULL || PQstatus(db) == CONNECTION_BAD) {
		memset(cn, 0, sizeof(*cn));
		cn->db = db; /* connect_failed frees it */
		cn->fd = -1;
		connect_failed(cn, trace_id,
		    db != NULL ? PQerrorMessage(db) : "out of memory");
		return (0);
	}
	memset(cn, 0, sizeof(*cn));
	cn->db = db;
	cn->connecting = 1;
	cn->fd = -1;
	cn->evt.type = KORE_TYPE_CONNECTION + 101; /* ours (redis.c: +100) */
	cn->evt.handle = conn_event;
	/* libpq would print notices on stderr, amid the JSON log lines */
	(void)PQsetNoticeProcessor(db, notice_to_log, NULL);
	if (connect_timeout_ms > 0)
		cn->connect_timer = kore_timer_add(connect_expired,
		    connect_timeout_ms, cn, KORE_TIMER_ONESHOT);
	/* libpq: after PQconnectStart, poll once the socket is writable */
	connect_wait(cn, 1);
	return (1);
}

/*
 * Waits for the socket libpq uses now: it may open another one (the next
 * address of a host), having closed the last, which epoll forgot then.
 */
static void
connect_wait(struct conn *cn, int writing)
{
	cn->fd = PQsocket(cn->db);
	kore_platform_event_schedule(cn->fd,
	    EPOLLRDHUP | (writing ? EPOLLOUT : EPOLLIN), 0, cn);
}

/* The socket is ready: libpq's next step of connecting. */
static void
connect_step(struct conn *cn)
{
	switch (PQconnectPoll(cn->db)) {
	case PGRES_POLLING_READING:
		connect_wait(cn, 0);
		break;
	case PGRES_POLLING_WRITING:
		connect_wait(cn, 1);
		break;
	case PGRES_POLLING_OK:
		connect_done(cn);
		break;
	case PGRES_POLLING_FAILED:
	default:
		connect_failed(cn, NULL, PQerrorMessage(cn->db));
		break;
	}
}

/* Connected: pipeline mode, then the statements that waited are sent. */
static void
connect_done(struct conn *cn)
{
	struct db_wait *w, *next;
	int broken;

	if (PQsetnonblocking(cn->db, 1) != 0 ||
	    PQenterPipelineMode(cn->db) != 1) {
		connect_failed(cn, NULL, PQerrorMessage(cn->db));
		return;
	}
	if (cn->connect_timer != NULL)
		kore_timer_remove(cn->connect_timer);
	cn->connect_timer = NULL;
	cn->connecting = 0;
	failures = 0;
	open_until_ms = 0;
	conn_interest(cn, 0);
	w = cn->head;
	cn->head = cn->tail = NULL;
	inflight -= cn->inflight;
	cn->inflight = cn->long_reads = 0;
	broken = 0;
	for (; w != NULL; w = next) {
		next = w->next;
		w->next = NULL;
		if (w->req == NULL) {
			free(w); /* its request went away: never sent */
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

static void
connect_expired(void *arg, u_int64_t now)
{
	struct conn *cn = arg;

	(void)now;
	cn->connect_timer = NULL; /* Kore frees a one-shot timer */
	if (cn->db != NULL && cn->connecting)
		connect_failed(cn, NULL, "connect_timeout expired");
}

/*
 * Connecting failed. With no other connection open PostgreSQL is away:
 * the breaker trips. Otherwise the pool just cannot grow now
 * (max_connections reached, say): the open connections carry on, and
 * growing waits a little. The statements that waited get a 503.
 */
static void
connect_failed(struct conn *cn, const char *trace_id, const char *why)
{
	char msg[256];
	int i, only;

	only = 1;
	for (i = 0; i < pool_size; i++) {
		if (&conns[i] != cn && conns[i].db != NULL &&
		    !conns[i].connecting)
			only = 0;
	}
	if (only) {
		breaker_trip(trace_id, why);
	} else {
		grow_after_ms = kore_time_ms() + GROW_RETRY_MS;
		(void)snprintf(msg, sizeof(msg),
		    "database pool cannot grow: %s", why);
		msg[strcspn(msg, "\n")] = '\0';
		log_warn(trace_id, msg);
	}
	if (cn->connect_timer != NULL)
		kore_timer_remove(cn->connect_timer);
	cn->connect_timer = NULL;
	if (cn->db != NULL && cn->fd >= 0 && PQsocket(cn->db) == cn->fd)
		kore_platform_disable_read(cn->fd);
	PQfinish(cn->db);
	cn->db = NULL;
	cn->connecting = 0;
	fail_waits(cn);
}

/* Level-triggered read interest always; write only while libpq must. */
static void
conn_interest(struct conn *cn, int writing)
{
	cn->writing = writing;
	kore_platform_event_schedule(cn->fd,
	    EPOLLIN | EPOLLRDHUP | (writing ? EPOLLOUT : 0), 0, cn);
}

/* Every waiting request gets a 503; the slot is free for a new one. */
static void
conn_lost(struct conn *cn, const char *trace_id)
{
	char msg[256];

	/*
	 * Not the breaker: the other connections may be fine. When the
	 * server is away, the next connect fails with none open and trips it.
	 */
	(void)snprintf(msg, sizeof(msg), "database connection lost: %s",
	    PQerrorMessage(cn->db));
	msg[strcspn(msg, "\n")] = '\0';
	log_error(trace_id, msg);
	/*
	 * When libpq saw the server go (a restart), it has closed the socket
	 * already, and epoll forgot it with the close: removing it again
	 * fails with EBADF, which Kore makes fatal for the whole server.
	 */
	if (PQsocket(cn->db) == cn->fd)
		kore_platform_disable_read(cn->fd);
	PQfinish(cn->db);
	cn->db = NULL;
	cn->unsynced = 0;
	fail_waits(cn);
}

/* The connection's statements will not be answered: 503 for each. */
static void
fail_waits(struct conn *cn)
{
	struct db_wait *w, *next;

	for (w = cn->head; w != NULL; w = next) {
		next = w->next;
		inflight--;
		if (w->req == NULL) {
			PQclear(w->result);
			free(w);
			continue;
		}
		w->lost = 1;
		w->done = 1;
		http_request_wakeup(w->req);
	}
	cn->head = cn->tail = NULL;
	cn->inflight = 0;
	cn->long_reads = 0;
}

static void
conn_event(void *arg, int err)
{
	struct conn *cn = arg;
	int flags;

	flags = cn->evt.flags;
	cn->evt.flags = 0; /* Kore never clears them */
	if (cn->db == NULL)
		return;
	if (cn->connecting) {
		connect_step(cn);
		return;
	}
	if ((flags & KORE_EVENT_WRITE) && cn->writing) {
		switch (PQflush(cn->db)) {
		case 0:
			conn_interest(cn, 0);
			break;
		case 1:
			break;
		default:
			conn_lost(cn, NULL);
			return;
		}
	}
	if (err || (flags & KORE_EVENT_READ))
		conn_read(cn);
	else if (flags & KORE_EVENT_WRITE)
		conn_drain(cn); /* a flush may have read replies into libpq */
}

static void
conn_read(struct conn *cn)
{
	for (;;) {
		if (!PQconsumeInput(cn->db)) {
			conn_lost(cn, NULL);
			return;
		}
		conn_drain(cn);
		/*
		 * With TLS, a record larger than libpq's free buffer leaves
		 * decrypted bytes in OpenSSL and none on the socket: no epoll
		 * event would come for them.
		 */
		if (cn->db == NULL || !tls_pending(cn->db))
			return;
	}
}

/* Hands out every complete result libpq holds (no socket read). */
static void
conn_drain(struct conn *cn)
{
	PGresult *r;
	int ends;

	/*
	 * Pipeline mode: each command's results end with NULL; a Sync gives
	 * a PGRES_PIPELINE_SYNC result of its own.
	 */
	if (cn->connecting)
		return; /* nothing was sent yet */
	ends = 0;
	while (cn->db != NULL && cn->head != NULL && !PQisBusy(cn->db)) {
		if ((r = PQgetResult(cn->db)) == NULL) {
			/* two ends in a row: libpq has nothing queued */
			if (++ends > 1)
				break;
			/* one command of the oldest wait finished */
			if (++cn->head->ended == cn->head->commands)
				deliver(cn);
			continue;
		}
		ends = 0;
		conn_result(cn, r);
	}
	if (cn->db != NULL && PQstatus(cn->db) == CONNECTION_BAD)
		conn_lost(cn, NULL);
}

static int
sqlstate_is(const PGresult *r, const char *code)
{
	const char *state;

	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return (state != NULL && !strcmp(state, code));
}

static int
tls_pending(PGconn *db)
{
	SSL *ssl;

	if (!PQsslInUse(db))
		return (0);
	ssl = PQsslStruct(db, "OpenSSL");
	return (ssl != NULL && SSL_pending(ssl) > 0);
}

static void
conn_result(struct conn *cn, PGresult *r)
{
	struct db_wait *w = cn->head;

	switch (PQresultStatus(r)) {
	case PGRES_PIPELINE_SYNC:
		PQclear(r);
		return;
	case PGRES_PIPELINE_ABORTED:
		w->aborted = 1;
		PQclear(r);
		return;
	case PGRES_FATAL_ERROR:
		/*
		 * A failed PREPARE (the first result), or a statement that ran
		 * behind one (26000, no such prepared statement): the next
		 * request prepares it again.
		 */
		if (w->stmt >= 0 &&
		    ((w->ended == 0 && w->preparing) ||
			sqlstate_is(r, "26000")))
			cn->prepared &= ~(1ULL << w->stmt);
		break;
	default:
		break;
	}
	if (w->result != NULL &&
	    PQresultStatus(w->result) == PGRES_FATAL_ERROR) {
		PQclear(r); /* the first error is the one to report */
		return;
	}
	PQclear(w->result); /* a PREPARE's, superseded by its statement's */
	w->result = r;
}

static void
deliver(struct conn *cn)
{
	struct db_wait *w = cn->head;

	cn->head = w->next;
	if (cn->head == NULL)
		cn->tail = NULL;
	cn->inflight--;
	inflight--;
	if (w->long_read)
		cn->long_reads--;
	failures = 0; /* PostgreSQL answered */
	w->next = NULL;
	if (w->req == NULL) {
		PQclear(w->result);
		free(w);
		return;
	}
	if (w->aborted && w->result == NULL) {
		retry(w);
		return;
	}
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
	w->lost = 1;
	w->done = 1;
	http_request_wakeup(w->req);
}

/* Ours call no function that writes: a SELECT only reads. */
static int
is_read(const char *query)
{
	return (strncmp(query, "SELECT ", 7) == 0);
}

/*
 * Sends w on cn, or queues it unsent while cn is connecting
 * (connect_done sends it). 0 when libpq refused: cn is broken.
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
	return (flush(cn));
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
		if (!PQpipelineSync(conns[i].db) || !flush(&conns[i])) {
			conn_lost(&conns[i], NULL);
			continue;
		}
		/* flushing may have read replies into libpq */
		conn_drain(&conns[i]);
	}
}

/* What the socket takes now; the rest on EPOLLOUT. 0: broken. */
static int
flush(struct conn *cn)
{
	switch (PQflush(cn->db)) {
	case 0:
		return (1);
	case 1:
		if (!cn->writing)
			conn_interest(cn, 1);
		return (1);
	default:
		return (0);
	}
}

static void
notice_to_log(void *arg, const char *message)
{
	char line[512];
	size_t i;

	(void)arg;

	(void)snprintf(line, sizeof(line), "PostgreSQL notice: %s", message);
	for (i = 0; line[i] != '\0'; i++) {
		if (line[i] == '\n')
			line[i] = line[i + 1] == '\0' ? '\0' : ' ';
	}
	log_warn(NULL, line);
}
