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
 * cancelled VACUUM does, and the next pass starts at once; the drain
 * never waits for more than CALL_MS. On a server too busy for one backend
 * to keep up, the list grows while the writes last: migration 0015 gives
 * it room (64 MB, not 4) so that no writer has to move it before the
 * burst ends.
 *
 * Every GIN index of the current schema that the service's role owns is
 * cleaned (only an owner may call the function), each in a statement of
 * its own: one index whose list a busy table keeps refilling uses up its
 * own CALL_MS, not the others'. With none, it says so once and looks
 * again every NONE_MS. Each instance runs one; two at once are harmless
 * (the second finds the list empty). Errors: the connection is dropped,
 * logged once per outage, and retried with the task threads' back-off.
 */
#include <stdio.h>
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

/* The indexes to clean (their OIDs): the role's GIN indexes, ready. */
static const char sql_indexes[] =
    "SELECT i.indexrelid::text"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_am a ON a.oid = c.relam"
    " WHERE a.amname = 'gin' AND i.indisvalid AND i.indisready"
    " AND c.relnamespace = current_schema()::regnamespace"
    " AND pg_has_role(c.relowner, 'USAGE')";

/* One index's pending list moved into it (by OID). */
static const char sql_clean[] = "SELECT gin_clean_pending_list($1::regclass)";

static struct kore_task task;

static int run(struct kore_task *);
static PGconn *connect_db(void);
static int clean(PGconn *, int *, int *);
static int cancelled(const PGresult *);

void
gin_cleaner_start(void)
{
	task_thread_start(&task, run, "gin cleaner");
}

static int
run(struct kore_task *t)
{
	PGconn *pg;
	int backoff_ms, down, indexes, none_told, cut;

	(void)t;
	pg = NULL;
	backoff_ms = TASK_BACKOFF_MIN_MS;
	down = 0;
	none_told = 0;
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
		/* silent, it would look like a cleaner that cleans */
		if (indexes == 0 && !none_told)
			task_log(LOG_LEVEL_INFO,
			    "GIN cleaner: the role owns no GIN index to clean, "
			    "looking again every minute",
			    NULL, -1);
		none_told = indexes == 0;
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
 * One pass over the indexes (how many in *indexes); 0 on a failed
 * statement (the connection left to the caller). A call cut by CALL_MS
 * counts as done (*cut): the next pass goes on from there.
 */
static int
clean(PGconn *pg, int *indexes, int *cut)
{
	PGresult *list, *r;
	const char *oid;
	int i, n, ok;

	*cut = 0;
	list = PQexec(pg, sql_indexes);
	if (PQresultStatus(list) != PGRES_TUPLES_OK) {
		PQclear(list);
		return (0);
	}
	n = PQntuples(list);
	ok = 1;
	for (i = 0; i < n && ok && !task_stopping(); i++) {
		oid = PQgetvalue(list, i, 0);
		r = PQexecParams(pg, sql_clean, 1, NULL, &oid, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		if (!ok && cancelled(r))
			ok = *cut = 1;
		PQclear(r);
	}
	PQclear(list);
	*indexes = n;
	return (ok);
}

/* Cancelled by the statement timeout (CALL_MS). */
static int
cancelled(const PGresult *r)
{
	const char *state;

	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return (state != NULL && strcmp(state, "57014") == 0);
}
