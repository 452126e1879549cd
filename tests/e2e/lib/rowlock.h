/*
 * A customer row locked by a transaction of the test's own (a second
 * libpq connection), to hold a request's write in flight on the server:
 * the test can then make its client go away, or its worker stop, while
 * the statement waits, and release it to let it commit.
 */
#ifndef E2E_ROWLOCK_H
#define E2E_ROWLOCK_H

struct rowlock;

/* BEGIN; SELECT ... FROM customers WHERE id = $1 FOR UPDATE, at url. */
struct rowlock *rowlock_take(const char *url, const char *customer_id);
/*
 * The same with a SELECT ... FOR UPDATE of the test's own (one parameter,
 * or none when param is NULL), which must lock a row at least.
 */
struct rowlock *rowlock_take_sql(const char *url, const char *sql,
    const char *param);
/* Waits (ms at most, else fails) until a statement waits on the lock. */
void rowlock_wait_blocked(struct rowlock *, int ms);
/* COMMIT (nothing changed) and disconnect: the blocked write goes on. */
void rowlock_release(struct rowlock *);

/*
 * fn(arg) in a thread of its own while the test holds the rows of sql
 * (rowlock_take_sql: a SELECT ... FOR UPDATE, or an UPDATE ... RETURNING
 * whose change then commits first): once fn's statement waits on them,
 * they are released; returns when fn has returned.
 */
void rowlock_during(const char *url, const char *sql, const char *param,
    void *(*fn)(void *), void *arg);

#endif
