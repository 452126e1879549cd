/*
 * Task threads' dedicated PostgreSQL connections (task_db.h).
 */
#include <stddef.h>

#include <kore/kore.h>

#include "deps.h"
#include "log.h"
#include "settings.h"
#include "task_db.h"
#include "task_log.h"

static void notice_to_log(void *, const char *);

PGconn *
task_db_connect(const char *application_name, const char *what)
{
	static const char *keys[] = { "dbname", "hostaddr", "connect_timeout",
		"application_name", NULL };
	const char *values[5];
	PGconn *pg;

	values[0] = settings.database_conninfo;
	values[1] = deps_address(DEP_POSTGRES);
	values[2] = "5";
	values[3] = application_name;
	values[4] = NULL;
	/* no resolved address: "" is skipped, the URL's host serves */
	if (values[1] == NULL)
		values[1] = "";
	pg = PQconnectdbParams(keys, values, 1);
	if (PQstatus(pg) != CONNECTION_OK) {
		task_log(LOG_LEVEL_WARNING, what, PQerrorMessage(pg), -1);
		PQfinish(pg);
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

static void
notice_to_log(void *arg, const char *message)
{
	(void)arg;
	task_log(LOG_LEVEL_WARNING, "PostgreSQL notice", message, -1);
}
