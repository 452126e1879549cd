/*
 * Query strings, parsed once by one helper (Kore's `params` blocks drop
 * invalid values silently): percent-decoding, the last duplicate wins as
 * in FastAPI, and 422 items for the original's integer rules.
 */
#ifndef BEE_QUERY_H
#define BEE_QUERY_H

#include <stddef.h>

#include "model/problems.h"

#define QUERY_ARGS_MAX 32

/*
 * Paging of every list a client pages (customers, tags, notes, orders,
 * appointments): skip 0..QUERY_SKIP_MAX, so that no request makes
 * PostgreSQL walk past millions of rows (an OFFSET costs its rows), and
 * limit 1..QUERY_LIMIT_MAX.
 */
#define QUERY_SKIP_MAX 100000
#define QUERY_LIMIT_MAX 500
#define QUERY_LIMIT_DEFAULT 100

struct query_page {
	char skip[24]; /* decimal, for a bigint parameter */
	char limit[24];
	int limit_given; /* the query named it */
};

struct query {
	size_t count;
	struct {
		char *name; /* decoded, owned */
		char *value; /* decoded, owned */
	} args[QUERY_ARGS_MAX];
};

/*
 * -1 when there are too many arguments or memory ran out; a malformed
 * escape is no error: it stays as written.
 */
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

/*
 * skip and limit, in the original's order, with the bounds above: 1 and
 * *out, or 0 with their items added.
 */
int query_page(struct problems *p, const struct query *q,
    struct query_page *out);

#endif
