/*
 * Query strings, parsed once by one helper (Kore's `params` blocks drop
 * invalid values silently): percent-decoding, the last duplicate wins as
 * in FastAPI, and 422 items for the original's integer rules.
 */
#ifndef BEE_QUERY_H
#define BEE_QUERY_H

#include <stddef.h>

#include "problems.h"

#define QUERY_ARGS_MAX 32

struct query {
	size_t count;
	struct {
		char *name; /* decoded, owned */
		char *value; /* decoded, owned */
	} args[QUERY_ARGS_MAX];
};

/* -1 when there are too many arguments or an escape is malformed. */
int query_parse(const char *qs, struct query *q);
void query_free(struct query *q);
/* The last value given for name, or NULL. */
const char *query_get(const struct query *q, const char *name);

/*
 * An integer argument with a default and bounds: 1 and *out, or 0 with an
 * item at ["query", name] (int_parsing, greater_than_equal,
 * less_than_equal).
 */
int query_int(struct problems *p, const struct query *q, const char *name,
    long def, long min, long max, long *out);

#endif
