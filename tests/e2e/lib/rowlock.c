/*
 * Row locks held by the test (rowlock.h). The waiting statement is seen in
 * pg_stat_activity from a connection of its own, outside the lock's
 * transaction (whose view of the statistics would stay frozen).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <postgresql/libpq-fe.h>

#include "rowlock.h"

struct rowlock {
	PGconn *lock; /* the transaction holding the row */
	PGconn *watch; /* autocommit, to look at the others */
	char pid[16];
};

static PGconn *open_conn(const char *);
static void run(PGconn *, const char *, const char *);

static PGconn *
open_conn(const char *url)
{
	PGconn *c;

	c = PQconnectdb(url);
	cr_assert(PQstatus(c) == CONNECTION_OK, "database: %s",
	    PQerrorMessage(c));
	return (c);
}

static void
run(PGconn *c, const char *sql, const char *param)
{
	PGresult *r;

	r = PQexecParams(c, sql, param != NULL ? 1 : 0, NULL, &param, NULL,
	    NULL, 0);
	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK ||
		PQresultStatus(r) == PGRES_TUPLES_OK,
	    "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

struct rowlock *
rowlock_take(const char *url, const char *customer_id)
{
	return (rowlock_take_sql(url,
	    "SELECT 1 FROM customers WHERE id = $1 FOR UPDATE", customer_id));
}

struct rowlock *
rowlock_take_sql(const char *url, const char *sql, const char *param)
{
	struct rowlock *l;
	PGresult *r;

	l = calloc(1, sizeof(*l));
	cr_assert(l != NULL);
	l->lock = open_conn(url);
	l->watch = open_conn(url);
	snprintf(l->pid, sizeof(l->pid), "%d", PQbackendPID(l->lock));
	run(l->lock, "BEGIN", NULL);
	r = PQexecParams(l->lock, sql, param != NULL ? 1 : 0, NULL, &param,
	    NULL, NULL, 0);
	cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) >= 1,
	    "nothing to lock (%s, %s): %s", sql, param != NULL ? param : "",
	    PQresultErrorMessage(r));
	PQclear(r);
	return (l);
}

void
rowlock_wait_blocked(struct rowlock *l, int ms)
{
	const char *param = l->pid;
	PGresult *r;
	int t, n;

	for (t = 0;; t += 20) {
		r = PQexecParams(l->watch,
		    "SELECT count(*) FROM pg_stat_activity"
		    " WHERE $1::int = ANY(pg_blocking_pids(pid))",
		    1, NULL, &param, NULL, NULL, 0);
		cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK,
		    "pg_stat_activity: %s", PQresultErrorMessage(r));
		n = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		if (n > 0)
			return;
		cr_assert(t < ms, "no statement waited on the row in %d ms",
		    ms);
		usleep(20 * 1000);
	}
}

void
rowlock_during(const char *url, const char *sql, const char *param,
    void *(*fn)(void *), void *arg)
{
	struct rowlock *l;
	pthread_t t;

	l = rowlock_take_sql(url, sql, param);
	cr_assert_eq(pthread_create(&t, NULL, fn, arg), 0);
	rowlock_wait_blocked(l, 5000);
	rowlock_release(l);
	cr_assert_eq(pthread_join(t, NULL), 0);
}

void
rowlock_release(struct rowlock *l)
{
	run(l->lock, "COMMIT", NULL);
	PQfinish(l->lock);
	PQfinish(l->watch);
	free(l);
}
