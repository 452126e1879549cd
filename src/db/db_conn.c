/*
 * A PostgreSQL connection of the pool's (db_conn.h): connecting without
 * blocking the worker, its epoll events, reading and handing out results,
 * its loss. Requests, batches and the choice of a connection are db.c's.
 */
#include <sys/epoll.h>

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/ssl.h>

#include "db/db_conn.h"
#include "infra/deps.h"
#include "infra/log.h"
#include "db/pg_conninfo.h"
#include "infra/resolve.h"
#include "infra/settings.h"

static char *conninfo;
static char *options; /* with statement_timeout and lock_timeout */
static int wants_hostaddr; /* a host name: the parent resolves it */
static uint64_t connect_timeout_ms; /* 0: none (libpq's meaning) */

static void connect_wait(struct conn *, int);
static void connect_step(struct conn *);
static void connect_done(struct conn *);
static void connect_expired(void *, u_int64_t);
static void connect_failed(struct conn *, const char *, const char *);
static void conn_interest(struct conn *, int);
static void conn_event(void *, int);
static void conn_read(struct conn *);
static int tls_pending(PGconn *);
static void conn_result(struct conn *, PGresult *);
static void notice_to_log(void *, const char *);

void
conn_configure(const char *info)
{
	PQconninfoOption *opts, *o;
	long secs;

	if ((conninfo = strdup(info)) == NULL ||
	    (options = pg_options(info, settings.db_statement_timeout_ms,
		 settings.db_lock_timeout_ms)) == NULL)
		fatal("db_register: out of memory");
	wants_hostaddr = pg_wants_hostaddr(info);
	/*
	 * libpq enforces connect_timeout only in its blocking calls; here it
	 * bounds the whole connect, where libpq would bound each address
	 * (conn_start passes one: the parent's current answer).
	 */
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

/*
 * Starts a new connection in slot cn; connect_step goes on with it. 0
 * when it failed at once (the slot stays empty).
 */
int
conn_start(struct conn *cn, const char *trace_id)
{
	static const char *const keys[] = { "dbname", "hostaddr", "options",
		NULL };
	const char *values[4];
	struct resolved r;
	char why[256];
	PGconn *db;

	memset(cn, 0, sizeof(*cn));
	/* never libpq's resolver in the sandbox: the parent's answer */
	r.ip[0] = '\0';
	if (wants_hostaddr) {
		resolve_get(DEP_POSTGRES, &r);
		if (!r.ok) {
			(void)snprintf(why, sizeof(why),
			    "database host %s does not resolve: %s",
			    resolve_host(DEP_POSTGRES), r.error);
			cn->fd = -1;
			connect_failed(cn, trace_id, why);
			return (0);
		}
	}
	values[0] = conninfo;
	values[1] = r.ip; /* "": libpq ignores it */
	values[2] = options;
	values[3] = NULL;
	db = PQconnectStartParams(keys, values, 1);
	cn->db = db; /* on failure, connect_failed frees it */
	cn->fd = -1;
	if (db == NULL || PQstatus(db) == CONNECTION_BAD) {
		connect_failed(cn, trace_id,
		    db != NULL ? PQerrorMessage(db) : "out of memory");
		return (0);
	}
	cn->connecting = 1;
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

/* Connected: pipeline mode, then the pool sends what waited. */
static void
connect_done(struct conn *cn)
{
	if (PQsetnonblocking(cn->db, 1) != 0 ||
	    PQenterPipelineMode(cn->db) != 1) {
		connect_failed(cn, NULL, PQerrorMessage(cn->db));
		return;
	}
	if (cn->connect_timer != NULL)
		kore_timer_remove(cn->connect_timer);
	cn->connect_timer = NULL;
	cn->connecting = 0;
	conn_interest(cn, 0);
	pool_connected(cn);
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

/* Connecting failed: the slot is emptied, then the pool decides. */
static void
connect_failed(struct conn *cn, const char *trace_id, const char *why)
{
	char msg[256];

	/* why may be libpq's message, freed with the connection */
	(void)snprintf(msg, sizeof(msg), "%s", why);
	msg[strcspn(msg, "\n")] = '\0';
	if (cn->connect_timer != NULL)
		kore_timer_remove(cn->connect_timer);
	cn->connect_timer = NULL;
	/*
	 * No epoll DEL (fatal in Kore when it fails): libpq may have opened
	 * a socket of the same number, never registered, just before failing.
	 * Closing it (PQfinish) ends any registration anyway: a worker's
	 * sockets are never duplicated.
	 */
	PQfinish(cn->db);
	cn->db = NULL;
	cn->connecting = 0;
	pool_connect_failed(cn, trace_id, msg);
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
void
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
	resolve_again(DEP_POSTGRES); /* it may have moved */
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
	pool_fail_waits(cn);
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
void
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
				pool_deliver(cn);
			continue;
		}
		ends = 0;
		conn_result(cn, r);
	}
	if (cn->db != NULL && PQstatus(cn->db) == CONNECTION_BAD)
		conn_lost(cn, NULL);
}

int
conn_sqlstate_is(const PGresult *r, const char *code)
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
			conn_sqlstate_is(r, "26000")))
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

int
conn_flush(struct conn *cn)
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
