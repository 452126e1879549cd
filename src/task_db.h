/*
 * A dedicated blocking PostgreSQL connection for a task thread (never the
 * worker's pool): DATABASE_URL at the parent's current answer for its
 * host (resolve.h: the sandbox has no resolver), a 5 s connect timeout,
 * the task threads' own statement and lock timeouts (task_db.c).
 */
#ifndef BEE_TASK_DB_H
#define BEE_TASK_DB_H

#include <libpq-fe.h>

/* The connection, or NULL with the reason logged as `what` (task_log). */
PGconn *task_db_connect(const char *application_name, const char *what);

#endif
