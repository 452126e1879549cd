/*
 * The one way out for module responses, so that every reply carries the
 * same headers and log line, errors included.
 */
#include <string.h>
#include <time.h>

#include "http/ctx.h"
#include "http/drain.h"
#include "infra/log.h"
#include "infra/metrics.h"
#include "http/reply.h"
#include "model/xalloc.h"

#define CORS_MAX 32
/*
 * The response fields a browser's script may read beyond the safelisted
 * ones: the conditional requests' tag, the next page, a created
 * customer's URL (a POST's Location), a replayed write, the rate limit and how long a 429 asks to wait, and the trace id to
 * quote in a support request.
 */
#define CORS_EXPOSED \
	"ETag, Link, Location, Idempotent-Replayed, RateLimit, " \
	"RateLimit-Policy, Retry-After, X-Trace-Id"

static char *cors_list[CORS_MAX];
static size_t cors_count;
static int cors_any;

static void base_headers(struct http_request *, struct ctx *);
static void common_headers(struct http_request *, struct ctx *);
static void cors_headers(struct http_request *);
static void cors_allow(struct http_request *, const char *);
static void date_header(struct http_request *);
static void finish(struct http_request *, int, size_t, int);

void
reply_init(const char *cors_origins)
{
	char *copy, *tok, *save, *s, *e;

	cors_count = 0;
	cors_any = 0;
	copy = kore_strdup(cors_origins);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (s = tok; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		if (!strcmp(s, "*"))
			cors_any = 1;
		else if (cors_count < CORS_MAX)
			cors_list[cors_count++] = kore_strdup(s);
	}
	kore_free(copy);
}

const char *
method_name(int method)
{
	switch (method) {
	case HTTP_METHOD_GET:
		return ("GET");
	case HTTP_METHOD_POST:
		return ("POST");
	case HTTP_METHOD_PUT:
		return ("PUT");
	case HTTP_METHOD_DELETE:
		return ("DELETE");
	case HTTP_METHOD_HEAD:
		return ("HEAD");
	case HTTP_METHOD_OPTIONS:
		return ("OPTIONS");
	case HTTP_METHOD_PATCH:
		return ("PATCH");
	default:
		return ("OTHER");
	}
}

static void
date_header(struct http_request *req)
{
	static time_t last;
	static char value[64];
	struct tm tm;
	time_t now;

	now = time(NULL);
	if (now != last) {
		(void)gmtime_r(&now, &tm);
		(void)strftime(value, sizeof(value),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	http_response_header(req, "date", value);
}

static void
cors_headers(struct http_request *req)
{
	const char *origin;
	size_t i;

	if (cors_any) {
		cors_allow(req, "*");
		return;
	}
	if (!http_request_header(req, "origin", &origin))
		return;
	http_response_header(req, "vary", "Origin");
	for (i = 0; i < cors_count; i++) {
		if (!strcmp(cors_list[i], origin)) {
			cors_allow(req, origin);
			return;
		}
	}
}

static void
cors_allow(struct http_request *req, const char *origin)
{
	http_response_header(req, "access-control-allow-origin", origin);
	http_response_header(req, "access-control-allow-credentials", "true");
	http_response_header(req, "access-control-expose-headers",
	    CORS_EXPOSED);
}

/* Every response's: a preflight's too, which has CORS headers of its own. */
static void
base_headers(struct http_request *req, struct ctx *c)
{
	date_header(req);
	http_response_header(req, "x-trace-id", c->trace_id);
	drain_reply_closes(req->owner);
}

static void
common_headers(struct http_request *req, struct ctx *c)
{
	base_headers(req, c);
	cors_headers(req);
}

static void
finish(struct http_request *req, int status, size_t len, int cut)
{
	struct ctx *c;
	uint64_t us;

	c = ctx_get(req);
	c->replied = 1;
	us = ctx_now_us() - c->start_us;
	if (cut)
		log_request_cut(c->trace_id, method_name(req->method), c->route,
		    req->path, status, (double)us / 1000.0, c->customer_id);
	else
		log_request(c->trace_id, method_name(req->method), c->route,
		    req->path, status, (double)us / 1000.0, c->customer_id);
	metrics_request(c->route, method_name(req->method), status, us,
	    req->content_length, len);
}

int
reply_json(struct http_request *req, int status, const char *body, size_t len)
{
	return (reply_body(req, status, "application/json", body, len));
}

int
reply_body(struct http_request *req, int status, const char *content_type,
    const void *body, size_t len)
{
	struct ctx *c;

	c = ctx_get(req);
	if (c->streaming) {
		/*
		 * The client got a 200 and gets a cut body: the log line and
		 * the metrics say what the reply would have been.
		 */
		if (req->owner != NULL)
			kore_connection_disconnect(req->owner);
		c->streaming = 0;
		finish(req, status, 0, 1);
		return (KORE_RESULT_OK);
	}
	common_headers(req, c);
	http_response_header(req, "content-type", content_type);
	http_response(req, status, body, len);
	finish(req, status, len, 0);
	return (KORE_RESULT_OK);
}

void
reply_stream_headers(struct http_request *req, int status, int chunked)
{
	struct ctx *c;

	c = ctx_get(req);
	common_headers(req, c);
	http_response_header(req, "content-type", "application/json");
	if (chunked)
		http_response_header(req, "transfer-encoding", "chunked");
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	http_response(req, status, NULL, 0);
	c->streaming = 1;
}

void
reply_stream_finish(struct http_request *req, int status, size_t len)
{
	ctx_get(req)->streaming = 0;
	finish(req, status, len, 0);
}

int
reply_doc(struct http_request *req, int status, json_t *doc)
{
	static const char refused[] = "{\"detail\":\"Internal Server Error\"}";
	char *body;
	int rc;

	/* json_pack refused text that is not UTF-8: answered without jansson */
	if (doc == NULL)
		return (reply_json(req, 500, refused, sizeof(refused) - 1));
	body = xjson_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	rc = reply_json(req, status, body, strlen(body));
	free(body);
	return (rc);
}

int
reply_detail(struct http_request *req, int status, const char *detail)
{
	/* detail may come from the database or a peer: NULL if not UTF-8 */
	return (reply_doc(req, status, json_pack("{s:s}", "detail", detail)));
}

int
reply_problems(struct http_request *req, struct problems *p)
{
	char *body;
	size_t len;
	int rc;

	body = problems_dump(p, &len);
	rc = reply_json(req, 422, body, len);
	free(body);
	return (rc);
}

int
reply_no_content(struct http_request *req)
{
	return (reply_json(req, 204, NULL, 0));
}

/*
 * No body and no content-length: a 304's would have to be the 200's
 * (RFC 9110 section 8.6), which Kore's own 0 is not.
 */
int
reply_not_modified(struct http_request *req)
{
	struct ctx *c;

	c = ctx_get(req);
	common_headers(req, c);
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	http_response(req, 304, NULL, 0);
	finish(req, 304, 0, 0);
	return (KORE_RESULT_OK);
}

int
reply_not_allowed(struct http_request *req, const char *allow)
{
	http_response_header(req, "allow", allow);
	return (reply_detail(req, 405, "Method Not Allowed"));
}

int
reply_preflight(struct http_request *req, const char *allow)
{
	struct ctx *c;
	const char *origin, *hdrs;
	size_t i;
	int allowed;

	c = ctx_get(req);
	if (!http_request_header(req, "origin", &origin) ||
	    !http_request_header(req, "access-control-request-method", &hdrs))
		return (allow != NULL ? reply_not_allowed(req, allow) :
					reply_detail(req, 404, "Not Found"));

	allowed = cors_any;
	for (i = 0; !allowed && i < cors_count; i++)
		allowed = !strcmp(cors_list[i], origin);

	base_headers(req, c);
	http_response_header(req, "vary", "Origin");
	if (allowed) {
		http_response_header(req, "access-control-allow-origin",
		    origin);
		http_response_header(req, "access-control-allow-methods",
		    "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
		if (http_request_header(req, "access-control-request-headers",
			&hdrs))
			http_response_header(req,
			    "access-control-allow-headers", hdrs);
		http_response_header(req, "access-control-allow-credentials",
		    "true");
		http_response_header(req, "access-control-max-age", "600");
	}
	http_response_header(req, "content-type", "text/plain; charset=utf-8");
	if (allowed) {
		http_response(req, 200, "OK", 2);
		finish(req, 200, 2, 0);
	} else {
		http_response(req, 400, "Disallowed CORS origin", 22);
		finish(req, 400, 22, 0);
	}
	return (KORE_RESULT_OK);
}
