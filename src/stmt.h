/*
 * Named prepared statements on Kore's pooled connections. Kore 4.1 sends
 * every query unnamed (PQsendQueryParams), so PostgreSQL parses, analyses
 * and plans it again each time: most of its CPU on a primary-key lookup.
 * Each connection prepares a statement once, on its first use, and
 * executes it by name afterwards. Which connection holds which statements
 * is remembered here, per worker (a connection is identified by its
 * PGconn and backend pid, so a reconnect starts afresh).
 */
#ifndef BEE_STMT_H
#define BEE_STMT_H

#include <stddef.h>

#include <libpq-fe.h>

#define STMT_MAX 64
#define STMT_NAMELEN 16

/* The statement's number for this SQL text (a static string); -1: full. */
int stmt_id(const char *sql);
void stmt_name(int id, char *name, size_t namelen);
int stmt_prepared(PGconn *db, int id);
void stmt_mark_prepared(PGconn *db, int id);

#endif
