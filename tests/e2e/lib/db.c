/*
 * One libpq connection per test process (Criterion forks a process per
 * test), opened on first use and closed at exit so LeakSanitizer stays quiet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
/* This form builds with or without -I/usr/include/postgresql. */
#include <postgresql/libpq-fe.h>

#include "db.h"
#include "env.h"

#define DB_MAX_PARAMS 16

static PGconn *db_conn(void);
static PGresult *db_run(PGconn *, const char *, va_list);
static long db_vcount(PGconn *, const char *, va_list);
static long db_vwait_count(PGconn *, long, long, int, const char *, va_list);
static long mono_ms(void);

static PGconn *conn = NULL;

static PGconn *
db_conn(void)
{
	const char *url, *plus;
	char *clean;

	if (conn != NULL)
		return (conn);

	/* The service accepts SQLAlchemy's postgresql+asyncpg:// form too. */
	url = env_database_url();
	if ((plus = strstr(url, "+asyncpg")) != NULL) {
		if (asprintf(&clean, "%.*s%s", (int)(plus - url), url,
			plus + strlen("+asyncpg")) == -1)
			cr_assert_fail("out of memory");
	} else {
		clean = strdup(url);
		cr_assert(clean != NULL);
	}
	conn = PQconnectdb(clean);
	free(clean);
	cr_assert(PQstatus(conn) == CONNECTION_OK, "database: %s",
	    PQerrorMessage(conn));
	atexit(db_close);
	return (conn);
}

static PGresult *
db_run(PGconn *c, const char *sql, va_list ap)
{
	const char *params[DB_MAX_PARAMS];
	PGresult *res;
	ExecStatusType st;
	int n;

	n = 0;
	while ((params[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert(n < DB_MAX_PARAMS, "too many parameters");
	}
	res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		cr_log_error("%s: %s", sql, PQerrorMessage(c));
		PQclear(res);
		cr_assert_fail("SQL failed: %s", sql);
	}
	return (res);
}

/* Runs a statement; returns the number of rows it touched or returned. */
long
db_exec(const char *sql, ...)
{
	PGresult *res;
	va_list ap;
	long n;

	va_start(ap, sql);
	res = db_run(db_conn(), sql, ap);
	va_end(ap);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = PQntuples(res);
	else
		n = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return (n);
}

/* First column of the first row, malloc'd; NULL for no row or SQL NULL. */
char *
db_value(const char *sql, ...)
{
	PGresult *res;
	va_list ap;
	char *v;

	va_start(ap, sql);
	res = db_run(db_conn(), sql, ap);
	va_end(ap);
	v = NULL;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		v = strdup(PQgetvalue(res, 0, 0));
		cr_assert(v != NULL);
	}
	PQclear(res);
	return (v);
}

static long
db_vcount(PGconn *c, const char *sql, va_list ap)
{
	PGresult *res;
	long n;

	res = db_run(c, sql, ap);
	cr_assert(PQntuples(res) == 1 && PQnfields(res) == 1,
	    "db_count wants one value: %s", sql);
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (n);
}

/* For "SELECT count(*) ..." statements. */
long
db_count(const char *sql, ...)
{
	va_list ap;
	long n;

	va_start(ap, sql);
	n = db_vcount(db_conn(), sql, ap);
	va_end(ap);
	return (n);
}

/* db_count on a connection of the test's own (scratch_db). */
long
db_count_on(PGconn *c, const char *sql, ...)
{
	va_list ap;
	long n;

	va_start(ap, sql);
	n = db_vcount(c, sql, ap);
	va_end(ap);
	return (n);
}

static long
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * What the service does behind a request (the consumer, the publisher)
 * shows in the database a little later: the "SELECT count(*) ..." is run
 * every 100 ms until its count lies in [lo, hi] or ms have passed. Returns
 * the last count, which the caller asserts on with its own message.
 */
static long
db_vwait_count(PGconn *c, long lo, long hi, int ms, const char *sql, va_list ap)
{
	va_list cp;
	long deadline, n;

	deadline = mono_ms() + ms;
	for (;;) {
		va_copy(cp, ap);
		n = db_vcount(c, sql, cp);
		va_end(cp);
		if ((n >= lo && n <= hi) || mono_ms() >= deadline)
			break;
		(void)poll(NULL, 0, 100);
	}
	return (n);
}

long
db_wait_count(long lo, long hi, int ms, const char *sql, ...)
{
	va_list ap;
	long n;

	va_start(ap, sql);
	n = db_vwait_count(db_conn(), lo, hi, ms, sql, ap);
	va_end(ap);
	return (n);
}

/* db_wait_count on a connection of the test's own (scratch_db). */
long
db_wait_count_on(PGconn *c, long lo, long hi, int ms, const char *sql, ...)
{
	va_list ap;
	long n;

	va_start(ap, sql);
	n = db_vwait_count(c, lo, hi, ms, sql, ap);
	va_end(ap);
	return (n);
}

/*
 * A customer row written behind the service's back, with only the columns
 * of the original schema that have no default, so it keeps working as
 * later migrations add columns with defaults.
 */
void
db_insert_customer(const char *user_id, const char *business_id,
    const char *full_name, char id[UUID_STR_LEN])
{
	uuid4(id);
	db_exec("INSERT INTO customers (id, user_id, business_id, full_name, "
		"email, created_at, updated_at) VALUES ($1, $2, $3, $4, "
		"'direct@example.com', now() AT TIME ZONE 'utc', "
		"now() AT TIME ZONE 'utc')",
	    id, user_id, business_id, full_name, DB_END);
}

void
db_close(void)
{
	if (conn != NULL) {
		PQfinish(conn);
		conn = NULL;
	}
}
