/*
 * Direct access to the service's PostgreSQL database, to set up rows the API
 * cannot create (another tenant's customer) and to check what a request
 * really stored. Parameters are text, ended by DB_END: db_exec(sql, a, DB_END).
 */
#ifndef E2E_DB_H
#define E2E_DB_H

/* This form builds with or without -I/usr/include/postgresql. */
#include <postgresql/libpq-fe.h>

#include "uuid4.h"

#define DB_SENTINEL __attribute__((sentinel))
/* A typed end of parameters: a bare NULL may be an int in varargs. */
#define DB_END ((const char *)NULL)

long db_exec(const char *, ...) DB_SENTINEL;
char *db_value(const char *, ...) DB_SENTINEL;
long db_count(const char *, ...) DB_SENTINEL;
long db_wait_count(long, long, int, const char *, ...) DB_SENTINEL;
/* the same on a connection of the test's own (a scratch database) */
long db_count_on(PGconn *, const char *, ...) DB_SENTINEL;
long db_wait_count_on(PGconn *, long, long, int, const char *, ...) DB_SENTINEL;
void db_insert_customer(const char *, const char *, const char *,
    char[UUID_STR_LEN]);
void db_close(void);

#endif
