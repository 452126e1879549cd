/*
 * The write statement of an idempotent request, made to store its own
 * result rows (idem_sql.c): the handler's statement is left as it is and
 * rewritten here once per worker, so that a handler opts in with one flag
 * (http/op.h) instead of a second copy of its SQL.
 */
#ifndef BEE_IDEM_SQL_H
#define BEE_IDEM_SQL_H

/* 1 for a statement that may write (anything but a plain SELECT). */
int idem_sql_writes(const char *sql);

/*
 * sql (nparams parameters) as one statement that also stores its result
 * rows under the claim ($nparams+1 owner, +2 key, +3 token) in the same
 * transaction: its final query becomes the CTE idem_out, an UPDATE of
 * idempotency_keys stores each row's record text (of its first
 * stored_columns columns; 0: all) and the customer the rows are about,
 * and the statement returns idem_out's rows, the same columns as sql's.
 * NULL when sql has no final query to wrap. The caller owns the result
 * (free).
 */
char *idem_sql_wrap(const char *sql, int nparams, int stored_columns);

#endif
