/*
 * Statement numbers for named prepared statements (db.c): each handler's
 * SQL text is a static array, numbered on its first use in a worker and
 * prepared once per connection as "bee_<n>". A connection remembers what
 * it has prepared in a 64-bit mask, hence STMT_MAX.
 */
#ifndef BEE_STMT_H
#define BEE_STMT_H

#include <stddef.h>

#define STMT_MAX 64
#define STMT_NAMELEN 16

/* The statement's number for this SQL text (a static string); -1: full. */
int stmt_id(const char *sql);
void stmt_name(int id, char *name, size_t namelen);

#endif
