/* The common entry of every handler. */
#include <string.h>

#include "http/guard.h"
#include "http/reply.h"
#include "http/route.h"
#include "model/route_table.h"

int
route_begin(struct http_request *req, struct ctx **cp)
{
	const struct route_spec *r;
	struct ctx *c;

	c = ctx_get(req);
	*cp = c;
	if (c->replied)
		return (0);
	/*
	 * The row ctx_get took c->route from; never NULL, as the start-up
	 * check refuses a handler the table does not know.
	 */
	r = route_spec_of(req->hdlr != NULL ? req->hdlr->func : NULL,
	    req->path);
	if (r == NULL) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (0);
	}
	if (request_refused(req))
		return (0);
	if (req->method == HTTP_METHOD_OPTIONS) {
		(void)reply_preflight(req, r->allow);
		return (0);
	}
	if (!route_allows(r, http_method_text(req->method))) {
		(void)reply_not_allowed(req, r->allow);
		return (0);
	}
	return (1);
}

int
path_split(const char *path, struct path *p)
{
	char *s, *save, *tok;

	memset(p, 0, sizeof(*p));
	if (strlen(path) >= sizeof(p->buf))
		return (-1);
	(void)memcpy(p->buf, path, strlen(path) + 1);
	s = p->buf;
	for (tok = strtok_r(s, "/", &save); tok != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		if (p->count == 0 && !p->api && !strcmp(tok, "api")) {
			p->api = 1;
			continue;
		}
		if (p->count == PATH_SEGMENTS_MAX)
			return (-1);
		p->seg[p->count++] = tok;
	}
	return (0);
}

int
path_uuid(struct problems *p, struct http_request *req, size_t index,
    const char *name, char out[UUID_STRLEN])
{
	struct path path;

	if (path_split(req->path, &path) == -1 || index >= path.count) {
		problems_add(p, "missing", problem_loc("path", name),
		    "Field required", NULL, NULL);
		return (0);
	}
	return (check_uuid(p, "path", name, path.seg[index], out));
}

int
route_page(struct http_request *req, struct query_page *out)
{
	return (route_page_after(req, out, CURSOR_CUSTOMERS, 0, NULL));
}

int
route_page_after(struct http_request *req, struct query_page *out,
    enum cursor_kind kind, uint64_t filters, struct cursor *after)
{
	struct problems p;
	struct query qs;
	int ok;

	if (query_parse(req->query_string, &qs) == -1) {
		(void)reply_detail(req, 400, "Too many query parameters");
		return (0);
	}
	problems_init(&p);
	ok = query_page(&p, &qs, out);
	if (after != NULL && !cursor_param(&p, &qs, kind, filters, after))
		ok = 0;
	query_free(&qs);
	if (!ok)
		(void)reply_problems(req, &p);
	problems_free(&p);
	return (ok);
}
