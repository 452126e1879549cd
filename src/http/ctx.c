/*
 * Request context. Kore owns the allocation (http_state_create) and calls
 * ctx_free when the request ends, also when the client went away mid-way:
 * the place to let go of a statement still in flight.
 */
#include <string.h>
#include <time.h>

#include "http/ctx.h"
#include "db/db.h"
#include "model/route_table.h"
#include "model/uuid.h"

static void ctx_free(struct http_request *);

uint64_t
ctx_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

int
trace_id_valid(const char *s)
{
	size_t n;

	n = strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-");
	return (n > 0 && n <= TRACE_ID_MAX && s[n] == '\0');
}

struct ctx *
ctx_get(struct http_request *req)
{
	const struct route_spec *r;
	struct ctx *c;
	const char *hdr;

	if (http_state_exists(req))
		return (http_state_get(req));

	c = http_state_create(req, sizeof(*c), ctx_free);
	c->start_us = ctx_now_us();
	/*
	 * The template of the route Kore matched, never the raw path: the
	 * log line and the metrics label must not carry the client's bytes
	 * (a request refused before its handler keeps this one).
	 */
	r = route_spec_of(req->hdlr != NULL ? req->hdlr->func : NULL,
	    req->path);
	c->route = r != NULL ? r->path : "other";
	if (http_request_header(req, "x-trace-id", &hdr) && trace_id_valid(hdr))
		(void)kore_strlcpy(c->trace_id, hdr, sizeof(c->trace_id));
	else if (uuid_random(c->trace_id) == -1)
		(void)kore_strlcpy(c->trace_id, "untraced",
		    sizeof(c->trace_id));
	return (c);
}

static void
ctx_free(struct http_request *req)
{
	struct ctx *c;

	if ((c = http_state_get(req)) == NULL)
		return;
	/* first: the claim's statement in flight may carry the state */
	if (c->idem_end != NULL)
		c->idem_end(c);
	/* a write's settle hook may still need the handler's state */
	if (db_release(&c->db, c->state, c->state_free)) {
		c->state = NULL;
		c->state_free = NULL;
	}
	if (c->gate != NULL && c->gate_free != NULL)
		c->gate_free(c->gate);
	c->gate = NULL;
	if (c->state != NULL && c->state_free != NULL)
		c->state_free(c->state);
	c->state = NULL;
}
