/*
 * What every handler does first: the request context, the smuggling guard
 * (guard.h), CORS preflight, the method check (the handler's row of
 * model/route_table.h); and path segments (routes have no captures in
 * Kore 4.1).
 */
#ifndef BEE_ROUTE_H
#define BEE_ROUTE_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/ctx.h"
#include "model/cursor.h"
#include "model/problems.h"
#include "model/query.h"

#define PATH_SEGMENTS_MAX 8

struct path {
	int api; /* under /api */
	size_t count;
	char *seg[PATH_SEGMENTS_MAX]; /* owned by the path */
	/* any path Kore accepts (it answers 414 from HTTP_URI_LEN - 1) */
	char buf[HTTP_URI_LEN];
};

/*
 * 1: go on with the handler, a method of its row. 0: a reply was sent (405
 * with the row's Allow, the preflight, or the guard's 431 or 400).
 */
int route_begin(struct http_request *req, struct ctx **cp);
/* Splits req->path, without a leading /api; -1 when too long. */
int path_split(const char *path, struct path *p);
/*
 * The UUID at path segment `index` (0: "customers"), canonical in out;
 * otherwise 0 and an item at ["path", name] (uuid_parsing).
 */
int path_uuid(struct problems *p, struct http_request *req, size_t index,
    const char *name, char out[UUID_STRLEN]);

/*
 * The skip and limit of a list route (query.h's bounds): 1 and *out, or
 * 0 after the reply (422 items, 400 for too many query parameters).
 */
int route_page(struct http_request *req, struct query_page *out);
/*
 * The same, and with after the query's cursor for this list and filters
 * (cursor_param), in the same 422.
 */
int route_page_after(struct http_request *req, struct query_page *out,
    enum cursor_kind kind, uint64_t filters, struct cursor *after);

#endif
