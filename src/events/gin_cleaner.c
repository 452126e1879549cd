/*
 * The GIN cleaner (gin_cleaner.h). A GIN index with fastupdate (the
 * default) does not insert a new row's keys into the index at once: it
 * appends them to a pending list, cheap for the writer. When the list
 * passes gin_pending_list_limit (4 MB), the writer that crossed the limit
 * moves the whole list into the index itself before its statement ends.
 * Under the benchmark's PATCH load the trigram index filled 4 MB every
 * few seconds and that one writer took 250-1 000 ms instead of 1, holding
 * a pooled connection while it did: the p99 of PATCH and POST was that
 * tail (docs/benchmark.md). VACUUM also empties the list, but autovacuum
 * visits a database once a minute at most (autovacuum_naptime), far too
 * seldom for a list that fills in seconds.
 *
 * So this thread calls gin_clean_pending_list() every CLEAN_MS on its own
 * connection: the list never grows past about a second of writes, no
 * writer ever meets a full one, and the work is done off the request
 * path. fastupdate = off was measured too: no stall, but every write then
 * updates the index in place and PATCH throughput halved.
 *
 * Under a steady stream of writes one call chases the new entries until
 * the writes pause, so each call is bounded by CALL_MS (statement_timeout
 * of this connection): the cancelled call keeps what it moved, as a
 * cancelled VACUUM does, and the next call starts at once; the drain never
 * waits for more than CALL_MS. On a server too busy for one backend to
 * keep up, the list grows while writes last: migration 0015 gives it room
 * (64 MB, not 4) so that no writer has to move it before the burst ends.
 *
 * Every GIN index of the current schema that the service's role owns is
 * cleaned (only an owner may call the function); with none, it looks
 * again after NONE_MS. Each instance runs one; two at once are harmless
 * (the second finds the list empty). Errors: the connection is dropped,
 * logged once per outage, and retried with the task threads' back-off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/tasks.h>

#include "events/gin_cleaner.h"
#include "events/task_db.h"
#include "events/task_log.h"
#include "events/task_thread.h"
#include "infra/log.h"

#define CLEAN_MS 1000
#define NONE_MS 60000
#define CALL_MS 2000

/* Pages moved from the pending lists, and how many indexes were cleaned. */
static const char sql_clean[] =
    "SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0),"
    " count(*)"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_am a ON a.oid = c.relam"
    " WHERE a.amname = 'gin' AND i.indisvalid AND i.indisready"
    " AND c.relnamespace = current_schema()::regnamespace"
    " AND pg_has_role(c.relowner, 'USAGE')";

static struct kore_task task;

static int run(struct kore_task *);
static PGconn *connect_db(void);
static int clean(PGconn *, int *, int *);

void
gin_cleaner_start(void)
{
	task_thread_start(&task, run, "gin cleaner");
}

static int
run(struct kore_task *t)
{
	PGconn *pg;
	int backoff_ms, down, indexes, cut;

	(void)t;
	pg = NULL;
	backoff_ms = TASK_BACKOFF_MIN_MS;
	down = 0;
	while (!task_stopping()) {
		if (pg == NULL && (pg = connect_db()) == NULL) {
			task_backoff(&backoff_ms);
			continue;
		}
		if (!clean(pg, &indexes, &cut)) {
			if (!down)
				task_log(LOG_LEVEL_WARNING,
				    "GIN cleaner query failed",
				    PQerrorMessage(pg), -1);
			down = 1;
			task_db_close(&pg);
			task_backoff(&backoff_ms);
			continue;
		}
		down = 0;
		backoff_ms = TASK_BACKOFF_MIN_MS;
		/* cut: writes keep coming, go on at once */
		if (!cut)
			task_nap(indexes > 0 ? CLEAN_MS : NONE_MS);
	}
	task_db_close(&pg);
	return (KORE_RESULT_OK);
}

/* The thread's connection with CALL_MS as its statement timeout, or NULL. */
static PGconn *
connect_db(void)
{
	PGconn *pg;
	PGresult *r;
	int ok;
	char name[64], sql[64];

	(void)snprintf(name, sizeof(name), "bee-customers gin cleaner %d",
	    (int)getpid());
	/* task_db_connect logs why it failed */
	pg = task_db_connect(name, "GIN cleaner cannot connect to PostgreSQL");
	if (pg == NULL)
		return (NULL);
	(void)snprintf(sql, sizeof(sql), "SET statement_timeout = %d", CALL_MS);
	r = PQexec(pg, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		task_log(LOG_LEVEL_WARNING, "GIN cleaner query failed",
		    PQerrorMessage(pg), -1);
		task_db_close(&pg);
	}
	return (pg);
}

/*
 * One pass; 0 on a failed statement (the connection left to the caller).
 * A pass cut by CALL_MS (*cut) counts as done: the next one goes on from
 * there.
 */
static int
clean(PGconn *pg, int *indexes, int *cut)
{
	PGresult *r;
	const char *state;
	int ok;

	*cut = 0;
	r = PQexec(pg, sql_clean);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok)
		*indexes = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
	else if ((state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL &&
	    strcmp(state, "57014") == 0) {
		ok = 1;
		*indexes = 1;
		*cut = 1;
	}
	PQclear(r);
	return (ok);
}
