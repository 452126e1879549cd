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
	return (pg);
}
