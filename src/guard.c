/*
 * The smuggling guard, run first by the authentication validator and by
 * every handler (guard.h). Both checks close the connection: what Kore
 * left unread in the stream is never parsed as a next request.
 */
#include <string.h>

#include "ctx.h"
#include "guard.h"
#include "log.h"
#include "reply.h"

static int header_lines_cut(struct http_request *);
static int unread_body(struct http_request *);

int
request_refused(struct http_request *req)
{
	if (header_lines_cut(req)) {
		req->owner->flags |= CONN_CLOSE_EMPTY;
		log_warn(ctx_get(req)->trace_id,
		    "request header lines past Kore's limit");
		(void)reply_detail(req, 431, "Request Header Fields Too Large");
		return (1);
	}
	if (unread_body(req)) {
		req->owner->flags |= CONN_CLOSE_EMPTY;
		log_warn(ctx_get(req)->trace_id,
		    "request body on a bodiless method");
		(void)reply_detail(req, 400,
		    "A GET, HEAD, DELETE or OPTIONS "
		    "request cannot carry a body");
		return (1);
	}
	return (0);
}

/*
 * Kore 4.1 splits the header block into at most HTTP_REQ_HEADER_MAX - 1
 * lines (the request line and 23 header lines, Host included) and drops
 * the rest unseen: a Content-Length there would make a GET's body the
 * next request. At the limit the request is whole only if the block ends
 * right after the last line Kore kept. Kore ended each line it split with
 * a NUL in place of its CR and left the bytes after the last one as they
 * came, so that line's NUL is followed by "\n\r\n" exactly when the empty
 * line that ends the block comes next. Anything else (more lines, bare LF
 * line ends) is refused. The reads stay within Kore's header buffer
 * (http_header_max bytes from req->headers).
 */
static int
header_lines_cut(struct http_request *req)
{
	struct http_header *hdr;
	const char *last, *end;
	size_t lines;

	/* the request line, and Host, which Kore keeps out of the list */
	lines = 2;
	last = req->host + strlen(req->host);
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		lines++;
		end = hdr->value + strlen(hdr->value);
		if (end > last)
			last = end;
	}
	if (lines < HTTP_REQ_HEADER_MAX - 1)
		return (0);
	if (last + 3 >= (const char *)req->headers + http_header_max)
		return (1);
	return (last[1] != '\n' || last[2] != '\r' || last[3] != '\n');
}

/*
 * Kore never reads the body of a GET, HEAD, DELETE or OPTIONS: left in the
 * stream it would be parsed as the next request.
 */
static int
unread_body(struct http_request *req)
{
	const char *v;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD &&
	    req->method != HTTP_METHOD_DELETE &&
	    req->method != HTTP_METHOD_OPTIONS)
		return (0);
	if (http_request_header(req, "transfer-encoding", &v))
		return (1);
	if (http_request_header(req, "content-length", &v) &&
	    strspn(v, "0") != strlen(v))
		return (1);
	return (0);
}
