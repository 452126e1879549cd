/*
 * A dedicated blocking PostgreSQL connection for a task thread (never the
 * worker's pool): DATABASE_URL at the parent's current answer for its
 * host (resolve.h: the sandbox has no resolver), a 5 s connect timeout,
 * the task threads' own statement and lock timeouts (task_db.c).
 */
#ifndef BEE_TASK_DB_H
#define BEE_TASK_DB_H

#include <stddef.h>

#include <libpq-fe.h>

/* The connection, or NULL with the reason logged as `what` (task_log). */
PGconn *task_db_connect(const char *application_name, const char *what);
/* Closes *pg, if open, and sets it to NULL. */
void task_db_close(PGconn **pg);
/*
 * 1 when r has the status want (r cleared unless it holds rows); else 0
 * with r cleared, *pg closed (which rolls back) and the reason in why.
 */
int task_db_ok(PGconn **pg, PGresult *r, ExecStatusType want, char *why,
    size_t whylen);

#endif
