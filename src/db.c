/*
 * Async PostgreSQL for handlers. Kore's pool connects with a blocking
 * PQconnectdb on the worker's loop (bounded by connect_timeout=2): after a
 * failed connect the breaker answers 503 at once for a back-off period,
 * then lets one request try again.
 */
#include <string.h>

#include "db.h"
#include "log.h"
#include "reply.h"
#include "stmt.h"

#define BREAKER_MIN_MS 250
#define BREAKER_MAX_MS 5000

static uint64_t open_until_ms;
static unsigned int failures;

static int breaker_allows(void);
static void breaker_trip(const char *, const char *);
static void breaker_reset(void);
static int fail_unavailable(struct http_request *, struct ctx *);
static int unique_violation(struct kore_pgsql *);
static void schedule(struct http_request *, struct ctx *);
static int send_prepare(struct http_request *, struct ctx *, const char *, int);
static int send_prepared(struct http_request *, struct ctx *);
static enum db_poll prepared(struct http_request *, struct ctx *);

void
db_register(const char *conninfo, int pool_size)
{
	pgsql_conn_max = (u_int16_t)pool_size;
	if (!kore_pgsql_register(DB_NAME, conninfo))
		fatal("cannot register the database");
}

int
db_breaker_open(void)
{
	return (!breaker_allows() || failures > 0);
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

static void
breaker_reset(void)
{
	failures = 0;
	open_until_ms = 0;
}

static int
fail_unavailable(struct http_request *req, struct ctx *c)
{
	(void)reply_detail(req, 503, "database unavailable");
	return (HTTP_STATE_ERROR);
}

/* SQLSTATE 23505: the failed statement was rolled back whole. */
static int
unique_violation(struct kore_pgsql *sql)
{
	const char *state;

	if (sql->result == NULL)
		return (0);
	state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE);
	return (state != NULL && strcmp(state, "23505") == 0);
}

int
db_send(struct http_request *req, struct ctx *c, const char *query, int nparams,
    const char *const *values)
{
	int lengths[16], formats[16], i;

	if (nparams > 16)
		fatal("db_send: too many parameters");
	if (!breaker_allows())
		return (fail_unavailable(req, c));

	if (!c->sql_bound) {
		kore_pgsql_bind_request(&c->sql, req);
		c->sql_bound = 1;
	}
	if (!kore_pgsql_setup(&c->sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		if (c->sql.state == KORE_PGSQL_STATE_INIT)
			return (HTTP_STATE_RETRY);
		if (c->sql.error == NULL ||
		    strcmp(c->sql.error, "no available connection") != 0)
			breaker_trip(c->trace_id, c->sql.error);
		else
			log_error(c->trace_id, "database pool queue is full");
		return (fail_unavailable(req, c));
	}
	breaker_reset();

	c->stmt = stmt_id(query);
	if (c->stmt >= 0) {
		c->stmt_nparams = nparams;
		c->stmt_values = values;
		if (stmt_prepared(c->sql.conn->db, c->stmt))
			return (send_prepared(req, c));
		return (send_prepare(req, c, query, nparams));
	}

	/* more statements than the registry holds: unnamed, as Kore does */
	for (i = 0; i < nparams; i++) {
		lengths[i] = values[i] ? (int)strlen(values[i]) : 0;
		formats[i] = 0;
	}
	if (!kore_pgsql_query_param_fields(&c->sql, query, 0, nparams,
		(const char **)(uintptr_t)values, lengths, formats)) {
		breaker_trip(c->trace_id, c->sql.error);
		return (fail_unavailable(req, c));
	}
	return (HTTP_STATE_CONTINUE);
}

/*
 * What Kore's (static) pgsql_schedule does after a send: wait for the
 * socket, and let the request sleep until PostgreSQL answers.
 */
static void
schedule(struct http_request *req, struct ctx *c)
{
	kore_platform_schedule_read(PQsocket(c->sql.conn->db), c->sql.conn);
	c->sql.state = KORE_PGSQL_STATE_WAIT;
	c->sql.flags |= KORE_PGSQL_SCHEDULED;
	http_request_sleep(req);
}

/* The first use of a statement on this connection: PREPARE it. */
static int
send_prepare(struct http_request *req, struct ctx *c, const char *query,
    int nparams)
{
	char name[STMT_NAMELEN];

	stmt_name(c->stmt, name, sizeof(name));
	if (!PQsendPrepare(c->sql.conn->db, name, query, nparams, NULL)) {
		breaker_trip(c->trace_id, PQerrorMessage(c->sql.conn->db));
		return (fail_unavailable(req, c));
	}
	c->stmt_preparing = 1;
	schedule(req, c);
	return (HTTP_STATE_CONTINUE);
}

static int
send_prepared(struct http_request *req, struct ctx *c)
{
	char name[STMT_NAMELEN];
	int lengths[OP_PARAMS_MAX], formats[OP_PARAMS_MAX], i;

	for (i = 0; i < c->stmt_nparams; i++) {
		lengths[i] =
		    c->stmt_values[i] ? (int)strlen(c->stmt_values[i]) : 0;
		formats[i] = 0;
	}
	stmt_name(c->stmt, name, sizeof(name));
	if (!PQsendQueryPrepared(c->sql.conn->db, name, c->stmt_nparams,
		(const char *const *)c->stmt_values, lengths, formats, 0)) {
		breaker_trip(c->trace_id, PQerrorMessage(c->sql.conn->db));
		return (fail_unavailable(req, c));
	}
	schedule(req, c);
	return (HTTP_STATE_CONTINUE);
}

/*
 * The PREPARE finished: read its result to the end on the same
 * connection (giving it back would end our hold on it), then execute.
 */
static enum db_poll
prepared(struct http_request *req, struct ctx *c)
{
	PGconn *db = c->sql.conn->db;
	PGresult *r;

	if (c->sql.result != NULL) {
		PQclear(c->sql.result);
		c->sql.result = NULL;
	}
	while (!PQisBusy(db) && (r = PQgetResult(db)) != NULL)
		PQclear(r);
	if (PQisBusy(db)) {
		/* the end of the reply is still on its way */
		schedule(req, c);
		return (DB_POLL_WAIT);
	}
	stmt_mark_prepared(db, c->stmt);
	c->stmt_preparing = 0;
	if (send_prepared(req, c) != HTTP_STATE_CONTINUE)
		return (DB_POLL_FAILED);
	return (DB_POLL_WAIT);
}

enum db_poll
db_poll(struct http_request *req, struct ctx *c)
{
	char msg[512];

	if (c->stmt_preparing && c->sql.state == KORE_PGSQL_STATE_DONE)
		return (prepared(req, c));
	switch (c->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
		return (DB_POLL_WAIT);
	case KORE_PGSQL_STATE_RESULT:
		return (DB_POLL_ROWS);
	case KORE_PGSQL_STATE_COMPLETE:
		return (DB_POLL_DONE);
	case KORE_PGSQL_STATE_DONE:
	case KORE_PGSQL_STATE_NOTIFY:
		kore_pgsql_continue(&c->sql);
		return (c->sql.state == KORE_PGSQL_STATE_WAIT ? DB_POLL_WAIT :
								DB_POLL_DONE);
	case KORE_PGSQL_STATE_ERROR:
	default:
		break;
	}

	/* Read on to the end, as after rows; the handler decides. */
	if (c->unique_retry && unique_violation(&c->sql)) {
		c->unique_violated = 1;
		kore_pgsql_continue(&c->sql);
		if (c->sql.state == KORE_PGSQL_STATE_WAIT)
			return (DB_POLL_WAIT);
		if (c->sql.state == KORE_PGSQL_STATE_DONE) {
			kore_pgsql_continue(&c->sql);
			return (DB_POLL_DONE);
		}
	}

	/* A dropped connection is the database being away, not a bug. */
	if (c->sql.conn == NULL || c->sql.error == NULL ||
	    *c->sql.error == '\0' ||
	    PQstatus(c->sql.conn->db) == CONNECTION_BAD) {
		breaker_trip(c->trace_id, c->sql.error);
		kore_pgsql_cleanup(&c->sql);
		(void)fail_unavailable(req, c);
		return (DB_POLL_FAILED);
	}
	(void)snprintf(msg, sizeof(msg), "query failed: %s", c->sql.error);
	msg[strcspn(msg, "\n")] = '\0';
	log_error(c->trace_id, msg);
	kore_pgsql_cleanup(&c->sql);
	(void)reply_detail(req, 500, "Internal Server Error");
	return (DB_POLL_FAILED);
}
