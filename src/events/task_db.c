/*
 * Task threads' dedicated PostgreSQL connections (task_db.h).
 *
 * Their timeouts are their own: no client waits on these threads, but a
 * thread stuck behind a lock stops event delivery (the publisher) or
 * history (the consumer) for everyone. Their statements touch more rows
 * than a request's (a batch of 100 outbox rows and 1000 to park, a
 * prune of a day's sent rows or processed event ids), so the statement
 * bound is generous, TASK_STATEMENT_TIMEOUT_MS: a prune that times out
 * is retried a minute later and never succeeds, so it must fit. Their
 * locks conflict only with request statements that commit in
 * milliseconds, so waiting TASK_LOCK_TIMEOUT_MS means something is
 * wrong. Either way the statement fails, is logged, the thread drops
 * the connection and starts over after its back-off (a message goes
 * back to the queue, an outbox row stays unsent).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <kore/kore.h>

#include "infra/deps.h"
#include "infra/log.h"
#include "db/pg_conninfo.h"
#include "infra/resolve.h"
#include "infra/settings.h"
#include "events/task_db.h"
#include "events/task_log.h"

#define TASK_STATEMENT_TIMEOUT_MS 60000
#define TASK_LOCK_TIMEOUT_MS 10000

static void notice_to_log(void *, const char *);

PGconn *
task_db_connect(const char *application_name, const char *what)
{
	static const char *keys[] = { "dbname", "hostaddr", "connect_timeout",
		"application_name", "options", NULL };
	const char *values[6];
	struct resolved r;
	char why[256], *options;
	PGconn *pg;

	/* never the resolver here (the sandbox): the parent's answer */
	r.ip[0] = '\0';
	if (pg_wants_hostaddr(settings.database_conninfo)) {
		resolve_get(DEP_POSTGRES, &r);
		if (!r.ok) {
			(void)snprintf(why, sizeof(why),
			    "database host %s does not resolve: %s",
			    resolve_host(DEP_POSTGRES), r.error);
			task_log(LOG_LEVEL_WARNING, what, why, -1);
			resolve_again(DEP_POSTGRES);
			return (NULL);
		}
	}
	options = pg_options(settings.database_conninfo,
	    TASK_STATEMENT_TIMEOUT_MS, TASK_LOCK_TIMEOUT_MS);
	if (options == NULL) {
		task_log(LOG_LEVEL_WARNING, what, "out of memory", -1);
		return (NULL);
	}
	values[0] = settings.database_conninfo;
	values[1] = r.ip; /* "": libpq ignores it */
	values[2] = "5";
	values[3] = application_name;
	values[4] = options;
	values[5] = NULL;
	pg = PQconnectdbParams(keys, values, 1);
	free(options);
	if (PQstatus(pg) != CONNECTION_OK) {
		task_log(LOG_LEVEL_WARNING, what, PQerrorMessage(pg), -1);
		PQfinish(pg);
		resolve_again(DEP_POSTGRES); /* it may have moved */
		return (NULL);
	}
	/*
	 * libpq prints notices, and errors that arrive between queries (the
	 * server's "terminating connection due to administrator command"),
	 * on stderr: in the middle of the JSON log lines.
	 */
	(void)PQsetNoticeProcessor(pg, notice_to_log, NULL);
	return (pg);
}

void
task_db_close(PGconn **pg)
{
	if (*pg != NULL)
		PQfinish(*pg);
	*pg = NULL;
}

int
task_db_ok(PGconn **pg, PGresult *r, ExecStatusType want, char *why,
    size_t whylen)
{
	if (r != NULL && PQresultStatus(r) == want) {
		if (want != PGRES_TUPLES_OK)
			PQclear(r);
		return (1);
	}
	(void)snprintf(why, whylen, "%s",
	    r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(*pg));
	PQclear(r);
	task_db_close(pg);
	return (0);
}

static void
notice_to_log(void *arg, const char *message)
{
	(void)arg;
	task_log(LOG_LEVEL_WARNING, "PostgreSQL notice", message, -1);
}
