/*
 * The one table of the service's routes: for every handler that
 * conf/bee_customers.conf may name, the path template that stands for it
 * in the request log and the metrics' `handler` label, the methods it
 * answers (a 405's Allow), whether it sits behind the jwt block, whether
 * it is a probe, and the file that defines it. The start-up check of the
 * config (service.c), route_begin (http/route.c), the request context
 * (http/ctx.c) and the metrics store (infra/metrics.c) all read it, so
 * a route is added or changed here and nowhere else.
 *
 * Names only (no function pointer, no Kore header): every layer can read
 * it, Kore binds the handlers by the names in the config, and the table is
 * unit-tested against the config and the handlers' files.
 */
#ifndef BEE_ROUTE_TABLE_H
#define BEE_ROUTE_TABLE_H

#include <stddef.h>

struct route_spec {
	const char *handler; /* the function the config's route line names */
	/*
	 * The template ("/customers/{customer_id}"): the route's name in
	 * logs and metrics. Not a path ("unmatched") for the catch-all.
	 */
	const char *path;
	/*
	 * The methods, as a 405's Allow says them ("GET, POST"); HEAD comes
	 * with GET. NULL: any method (the catch-all answers 404 to all).
	 */
	const char *allow;
	int token; /* behind the config's jwt authentication block */
	int probe; /* a probe or the scrape: not counted in the metrics */
	const char *file; /* where the handler is defined */
};

/* The rows (route_table.c does not compile when this count is wrong). */
#define ROUTE_SPECS 27

/* ROUTE_SPECS rows, in the order the metrics render them. */
extern const struct route_spec *const route_specs;

/*
 * The row of a request Kore gave to `handler`: when that handler has
 * several rows, the first whose template matches `path` (route_matches),
 * else its first. NULL for a handler the table does not know.
 */
const struct route_spec *route_spec_of(const char *handler, const char *path);
/*
 * Does `path` fit the template: the same segments, a {name} standing for
 * any one; a leading /api segment and a trailing slash are ignored (the
 * config answers each route under both forms).
 */
int route_matches(const char *tmpl, const char *path);
/* Is `method` ("GET", "HEAD", ...) one the row answers? */
int route_allows(const struct route_spec *r, const char *method);
/*
 * A path the route answers: its template with every {name} as "x". 0, or
 * -1 when it does not fit in `len` or the row has no path.
 */
int route_example(const struct route_spec *r, char *buf, size_t len);

#endif
