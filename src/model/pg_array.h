/*
 * A PostgreSQL array literal, "{1,2,3}", built element by element (ids of
 * outbox rows for `id = ANY($1::bigint[])`). Elements are written as
 * given: numbers, not quoted text. Pure C (tested in tests/unit).
 */
#ifndef BEE_PG_ARRAY_H
#define BEE_PG_ARRAY_H

#include <stddef.h>

/* Zeroed: empty. */
struct pg_array {
	char *s;
	size_t len;
	size_t cap;
};

void pg_array_add(struct pg_array *a, const char *element);
/*
 * The literal, closed: "{}" when empty. Owned by a. Call it once, then
 * only pg_array_free (it appends the closing brace).
 */
const char *pg_array_text(struct pg_array *a);
void pg_array_free(struct pg_array *a);

#endif
