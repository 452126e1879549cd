/*
 * The smuggling guard, run first by the authentication validator and by
 * every handler (guard.h). Every check closes the connection: what Kore
 * left unread in the stream is never parsed as a next request.
 */
#include <string.h>
#include <strings.h>

#include "http/ctx.h"
#include "http/guard.h"
#include "infra/log.h"
#include "http/reply.h"

static int header_lines_cut(struct http_request *);
static int header_nul(struct http_request *);
static int framing_ambiguous(struct http_request *);
static int unread_body(struct http_request *);
static int bodiless(const struct http_request *);
static int refuse(struct http_request *, int, const char *, const char *);

int
request_refused(struct http_request *req)
{
	if (header_lines_cut(req))
		return (refuse(req, 431, "request header lines at Kore's limit",
		    "Request Header Fields Too Large"));
	if (header_nul(req))
		return (refuse(req, 400, "NUL byte in the request header block",
		    "A request header cannot contain a NUL byte"));
	if (framing_ambiguous(req))
		return (refuse(req, 400, "ambiguous request body framing",
		    "A request must carry one Content-Length "
		    "and no Transfer-Encoding"));
	if (unread_body(req))
		return (refuse(req, 400, "request body on a bodiless method",
		    "A GET, HEAD, DELETE or OPTIONS "
		    "request cannot carry a body"));
	return (0);
}

static int
refuse(struct http_request *req, int status, const char *why,
    const char *detail)
{
	req->owner->flags |= CONN_CLOSE_EMPTY;
	log_warn(ctx_get(req)->trace_id, why);
	(void)reply_detail(req, status, detail);
	return (1);
}

/*
 * Kore 4.1 splits the header block into at most HTTP_REQ_HEADER_MAX - 1
 * lines (the request line and 23 header lines, Host included) and drops
 * the rest unseen: a Content-Length there would make a GET's body the
 * next request. A block of exactly that many lines cannot be told apart
 * from a longer one (a bare LF ending the last line kept makes any peek
 * at the bytes after it lie), so reaching the limit is refused.
 */
static int
header_lines_cut(struct http_request *req)
{
	struct http_header *hdr;
	size_t lines;

	/* the request line, and Host, which Kore keeps out of the list */
	lines = 2;
	TAILQ_FOREACH(hdr, &req->req_headers, list)
		lines++;
	return (lines >= HTTP_REQ_HEADER_MAX - 1);
}

/*
 * Kore splits the header block with strsep, which stops at the first NUL
 * byte: every line after a NUL is dropped unseen, the same smuggling shape
 * as the line limit. Kore ends the block it found (at its first CRLFCRLF)
 * with a NUL too, and leaves the bytes after the point where strsep
 * stopped as they came. So past the NULs that end the last line kept
 * (its own, the line ends strsep cut, and the one where strsep stopped),
 * another NUL among the bytes received means strsep stopped before the
 * end of the block: Kore's end mark, or more NULs, lie further on. Only
 * the bodiless methods are checked: for them Kore keeps the count of bytes
 * received (c->rnb->s_off) until the request is done, and their lines
 * dropped are what smuggles; a POST, PUT or PATCH is framed by the
 * Content-Length Kore kept, or refused by Kore with 411. Pipelined bytes
 * in the same read (Kore discards them) holding a NUL are refused too.
 */
static int
header_nul(struct http_request *req)
{
	struct http_header *hdr;
	const char *p, *end, *v;
	size_t got;

	if (!bodiless(req))
		return (0);
	if (req->headers == NULL || req->owner->rnb == NULL)
		return (0);
	got = req->owner->rnb->s_off;
	if (got > http_header_max)
		got = http_header_max;
	end = (const char *)req->headers + got;

	p = req->host + strlen(req->host);
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		v = hdr->value + strlen(hdr->value);
		if (v > p)
			p = v;
	}
	while (p < end && *p == '\0')
		p++;
	return (p < end && memchr(p, '\0', (size_t)(end - p)) != NULL);
}

/*
 * Kore frames a body by the first Content-Length, reads a sign in it,
 * and ignores Transfer-Encoding; a proxy in front may pick the other
 * one, or take a length that is not all digits as none, and the
 * bytes the two disagree on become a request of the proxy's next client
 * (RFC 9112 6.3: reject, and close).
 */
static int
framing_ambiguous(struct http_request *req)
{
	struct http_header *hdr;
	size_t lengths;
	int chunked;

	lengths = 0;
	chunked = 0;
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, "content-length") == 0) {
			/* RFC 9110: 1*DIGIT; Kore's strtonum takes "+16" */
			if (hdr->value[0] == '\0' ||
			    strspn(hdr->value, "0123456789") !=
				strlen(hdr->value))
				return (1);
			lengths++;
		} else if (strcasecmp(hdr->header, "transfer-encoding") == 0)
			chunked = 1;
	}
	return (lengths > 1 || (lengths == 1 && chunked));
}

/*
 * Kore never reads the body of a GET, HEAD, DELETE or OPTIONS: left in the
 * stream it would be parsed as the next request.
 */
static int
unread_body(struct http_request *req)
{
	const char *v;

	if (!bodiless(req))
		return (0);
	if (http_request_header(req, "transfer-encoding", &v))
		return (1);
	if (http_request_header(req, "content-length", &v) &&
	    strspn(v, "0") != strlen(v))
		return (1);
	return (0);
}

/* The methods whose body Kore never reads. */
static int
bodiless(const struct http_request *req)
{
	return (req->method == HTTP_METHOD_GET ||
	    req->method == HTTP_METHOD_HEAD ||
	    req->method == HTTP_METHOD_DELETE ||
	    req->method == HTTP_METHOD_OPTIONS);
}
