/*
 * The generic error surface (docs/api.md, errors): JSON 404s, X-Trace-Id,
 * bodies too large for Kore, and bodies on methods that have none (request
 * smuggling). After every abuse the service must still answer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define SMUGGLED "GET /health HTTP/1.1\r\nHost: smuggled\r\n\r\n"

/* Larger than conf/bee_customers.conf's http_body_max (1179648). */
#define OVER_BODY_MAX (8 * 1024 * 1024)

Test(errors, unknown_route_is_json_404)
{
	struct http_resp *r;

	r = http_req("GET", "/no/such/thing", NULL, NULL, 0);
	expect_detail(r, 404, "Not Found");
	http_resp_free(r);
}

Test(errors, unknown_route_under_api_is_json_404)
{
	struct http_resp *r;

	r = http_req("POST", "/api/nothing-here", NULL, "{}", 2);
	expect_detail(r, 404, "Not Found");
	http_resp_free(r);
}

Test(errors, trace_id_echoed)
{
	struct http_resp *r;

	r = http_req_traced("GET", "/healthcheck", NULL, NULL, "Abc-123._:xyz");
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "x-trace-id"), "Abc-123._:xyz");
	http_resp_free(r);
}

/* 128 characters is the longest id accepted as is. */
Test(errors, trace_id_128_echoed)
{
	struct http_resp *r;
	char t[129];

	memset(t, 'a', 128);
	t[128] = '\0';
	r = http_req_traced("GET", "/healthcheck", NULL, NULL, t);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "x-trace-id"), t);
	http_resp_free(r);
}

static void
expect_trace_replaced(const char *sent)
{
	struct http_resp *r;
	const char *got;

	r = http_req_traced("GET", "/healthcheck", NULL, NULL, sent);
	expect_status(r, 200);
	got = http_hdr(r, "x-trace-id");
	cr_assert(got != NULL, "no X-Trace-Id");
	cr_assert(strcmp(got, sent) != 0, "invalid trace id echoed");
	cr_assert(uuid_is_canonical(got), "replacement %s is not a UUID", got);
	http_resp_free(r);
}

Test(errors, trace_id_with_space_replaced)
{
	expect_trace_replaced("abc def");
}

Test(errors, trace_id_too_long_replaced)
{
	char t[201];

	memset(t, 'b', 200);
	t[200] = '\0';
	expect_trace_replaced(t);
}

Test(errors, trace_id_bad_chars_replaced)
{
	expect_trace_replaced("abc<script>");
}

Test(errors, trace_id_generated_when_absent)
{
	struct http_resp *r;
	struct http_resp *r2;

	r = http_req("GET", "/no/such/thing", NULL, NULL, 0);
	r2 = http_req("GET", "/no/such/thing", NULL, NULL, 0);
	cr_assert(uuid_is_canonical(http_hdr(r, "x-trace-id")));
	cr_assert(uuid_is_canonical(http_hdr(r2, "x-trace-id")));
	cr_assert_str_neq(http_hdr(r, "x-trace-id"), http_hdr(r2, "x-trace-id"),
	    "trace ids must differ per request");
	http_resp_free(r);
	http_resp_free(r2);
}

/* Auth failures are module answers too: same trace id rule. */
Test(errors, trace_id_on_401)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64];
	const char *hdrs[] = { "X-Trace-Id: t-401", NULL };

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req("GET", path, hdrs, NULL, 0);
	expect_detail(r, 401, "Not authenticated");
	cr_assert_str_eq(http_hdr(r, "x-trace-id"), "t-401");
	http_resp_free(r);
}

/*
 * Over http_body_max Kore answers 413 itself as soon as it has read the
 * headers (an empty body, connection closed; docs/kore.md). Only
 * the headers and a little of the body are sent, as a client would before
 * noticing the answer.
 */
Test(errors, body_over_kore_max_is_413, .timeout = 20)
{
	struct http_resp *r;
	char req[512], *buf, *tok;
	size_t len, used;
	int fd, closed;

	tok = tok_internal();
	snprintf(req, sizeof(req),
	    "POST /customers HTTP/1.1\r\n"
	    "Host: e2e\r\nAuthorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
	    "{\"full_name\":\"",
	    tok, OVER_BODY_MAX);
	free(tok);

	fd = raw_conn_open();
	raw_send_str(fd, req);
	buf = raw_recv_all(fd, HTTP_TIMEOUT_MS, &len, &closed);
	raw_close(fd);

	cr_assert(len > 0, "no answer to an oversized body");
	cr_assert_eq(http_parse(buf, len, 1, 0, &r, &used), 1,
	    "not an HTTP response: %s", buf);
	expect_status(r, 413);
	cr_assert(closed, "connection left open after a 413");
	http_resp_free(r);
	free(buf);

	expect_still_serving();
}

/* Sends req (freed) on a new connection; all it gets until closed. */
static char *
exchange(char *req, size_t *len, int *closed)
{
	char *buf;
	int fd;

	fd = raw_conn_open();
	raw_send_str(fd, req);
	free(req);
	buf = raw_recv_all(fd, 3000, len, closed);
	raw_close(fd);
	return (buf);
}

/* A superadmin's Authorization line, or an empty one. */
static void
bearer_line(char *auth, size_t size, int with_token)
{
	char *tok;

	auth[0] = '\0';
	if (!with_token)
		return;
	tok = tok_superadmin();
	snprintf(auth, size, "Authorization: Bearer %s\r\n", tok);
	free(tok);
}

/*
 * A body on a method without one (docs/api.md, errors): 400 JSON and the
 * connection closed, so the request hidden in the body is never parsed.
 * Everything is read until the service closes, and exactly one response
 * may be in it.
 */
static void
smuggle(const char *method, const char *path, int with_token, int chunked)
{
	struct http_resp *r;
	char *req, *buf, auth[1024];
	size_t len, used;
	int closed, head;

	bearer_line(auth, sizeof(auth), with_token);
	if (chunked) {
		if (asprintf(&req,
			"%s %s HTTP/1.1\r\nHost: e2e\r\n%s"
			"Transfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
			method, path, auth, strlen(SMUGGLED), SMUGGLED) == -1)
			cr_assert_fail("out of memory");
	} else {
		if (asprintf(&req,
			"%s %s HTTP/1.1\r\nHost: e2e\r\n%s"
			"Content-Length: %zu\r\n\r\n%s",
			method, path, auth, strlen(SMUGGLED), SMUGGLED) == -1)
			cr_assert_fail("out of memory");
	}

	buf = exchange(req, &len, &closed);

	head = strcmp(method, "HEAD") == 0;
	cr_assert(len > 0, "no answer to %s with a body", method);
	cr_assert_eq(http_parse(buf, len, 1, head, &r, &used), 1,
	    "not an HTTP response: %s", buf);
	expect_status(r, 400);
	expect_json_ct(r);
	if (!head) {
		json_decref(resp_json(r));
	}
	cr_assert_eq(http_count_resps(buf + used, len - used), 0,
	    "the smuggled request was answered:\n%s", buf);
	cr_assert_eq(len, used, "bytes after the 400:\n%s", buf + used);
	cr_assert(closed, "connection left open after %s with a body", method);
	http_resp_free(r);
	free(buf);

	expect_still_serving();
}

Test(errors, get_with_body_public_route, .timeout = 20)
{
	smuggle("GET", "/healthcheck", 0, 0);
}

Test(errors, get_with_body_protected_no_token, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("GET", path, 0, 0);
}

Test(errors, get_with_body_protected_with_token, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("GET", path, 1, 0);
}

Test(errors, head_with_body, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("HEAD", path, 1, 0);
}

Test(errors, delete_with_body, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("DELETE", path, 1, 0);
}

Test(errors, options_with_body, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("OPTIONS", path, 0, 0);
}

Test(errors, get_chunked, .timeout = 20)
{
	smuggle("GET", "/healthcheck", 0, 1);
}

Test(errors, get_chunked_protected, .timeout = 20)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	smuggle("GET", path, 1, 1);
}

/*
 * Header lines past Kore's 24th (request line included) are dropped
 * unseen (docs/operations.md, Kore's limits): a request that reaches the
 * limit gets 431 JSON and the connection is closed. GET path with `lines` header lines: Host, the
 * token when with_token, fillers, and `last` when not NULL; then the
 * empty line, then `body`, sent `pause_ms` later when not 0. All that
 * comes back until the service closes (or 3 s pass).
 */
static char *
header_lines_req(const char *path, int lines, int with_token, const char *last,
    const char *body, int pause_ms, size_t *len, int *closed)
{
	char *req, *tok, *buf;
	int fd, i;

	cr_assert(
	    asprintf(&req, "GET %s HTTP/1.1\r\nHost: e2e\r\n", path) != -1);
	for (i = 2; i <= lines; i++) {
		tok = NULL;
		if (i == 2 && with_token)
			tok = tok_superadmin();
		if (tok != NULL)
			cr_assert(asprintf(&buf,
				      "%sAuthorization: Bearer "
				      "%s\r\n",
				      req, tok) != -1);
		else if (i == lines && last != NULL)
			cr_assert(asprintf(&buf, "%s%s\r\n", req, last) != -1);
		else
			cr_assert(asprintf(&buf, "%sX-Filler-%02d: %d\r\n", req,
				      i, i) != -1);
		free(tok);
		free(req);
		req = buf;
	}

	fd = raw_conn_open();
	cr_assert(
	    asprintf(&buf, "%s\r\n%s", req, pause_ms > 0 ? "" : body) != -1);
	raw_send_str(fd, buf);
	free(buf);
	free(req);
	if (pause_ms > 0) {
		(void)usleep((useconds_t)pause_ms * 1000);
		raw_send_str(fd, body);
	}
	buf = raw_recv_all(fd, 3000, len, closed);
	raw_close(fd);
	return (buf);
}

/*
 * Exactly one response in buf, with this status; with a detail, the
 * module's JSON error, and the connection closed.
 */
static void
expect_one_response(const char *buf, size_t len, int closed, int status,
    const char *detail)
{
	struct http_resp *r;
	size_t used;

	cr_assert(len > 0, "no answer");
	cr_assert_eq(http_parse(buf, len, 1, 0, &r, &used), 1,
	    "not an HTTP response: %s", buf);
	expect_status(r, status);
	if (detail != NULL) {
		expect_detail(r, status, detail);
		expect_module_headers(r);
		cr_assert(closed, "connection left open after the %d", status);
	}
	cr_assert_eq(http_count_resps(buf + used, len - used), 0,
	    "a second response:\n%s", buf);
	http_resp_free(r);
}

/* Exactly one response in buf, with this status; a 431 closes. */
static void
expect_only_response(const char *buf, size_t len, int closed, int status)
{
	expect_one_response(buf, len, closed, status,
	    status == 431 ? "Request Header Fields Too Large" : NULL);
}

static void
too_many_lines(const char *path, int lines, int with_token)
{
	char *buf;
	size_t len;
	int closed;

	buf = header_lines_req(path, lines, with_token, NULL, "", 0, &len,
	    &closed);
	expect_only_response(buf, len, closed, 431);
	free(buf);
	expect_still_serving();
}

Test(errors, thirty_header_lines_431_public)
{
	too_many_lines("/healthcheck", 30, 0);
}

Test(errors, thirty_header_lines_431_protected)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	too_many_lines(path, 30, 0);
	too_many_lines(path, 30, 1);
	too_many_lines("/no/such/route", 30, 0);
}

/* 24 headers: one line more than Kore reads. */
Test(errors, one_header_line_past_the_limit_431)
{
	too_many_lines("/healthcheck", 24, 0);
	too_many_lines("/customers", 24, 1);
}

/*
 * A GET of `lines` headers, `last` the last, with SMUGGLED as its body,
 * sent at once and in a later packet: the 431 only, then close.
 */
static void
smuggled_431(int lines, const char *last)
{
	char *buf;
	size_t len;
	int closed, pause;

	for (pause = 0; pause <= 300; pause += 300) {
		buf = header_lines_req("/healthcheck", lines, 0, last, SMUGGLED,
		    pause, &len, &closed);
		expect_only_response(buf, len, closed, 431);
		free(buf);
	}
	expect_still_serving();
}

/*
 * The most served: the request line and 22 headers, Host and a token
 * among them (23 lines), and one fewer. One more header reaches Kore's
 * limit of 24 lines, where a dropped line cannot be ruled out: 431.
 */
Test(errors, header_lines_up_to_the_limit_served)
{
	char *buf;
	size_t len;
	int closed, lines;

	for (lines = 21; lines <= 23; lines++) {
		buf = header_lines_req("/healthcheck", lines, 0,
		    "Connection: close", "", 0, &len, &closed);
		expect_only_response(buf, len, closed, lines < 23 ? 200 : 431);
		free(buf);
		buf = header_lines_req("/customers?limit=1", lines, 1,
		    "Connection: close", "", 0, &len, &closed);
		expect_only_response(buf, len, closed, lines < 23 ? 200 : 431);
		free(buf);
	}
}

/*
 * Kore's 24th line (the 23rd header) ended by a bare LF and followed by "\n\r\n": the bytes
 * after the last line kept look like the end of the block, but Kore's
 * block runs on to the CRLFCRLF after a Content-Length it dropped, and
 * the GET's body would be the next request. One response, the 431.
 */
Test(errors, bare_lf_at_the_limit_not_smuggled)
{
	char last[96];

	snprintf(last, sizeof(last), "X-Last: 1\n\n\r\nContent-Length: %zu",
	    strlen(SMUGGLED));
	smuggled_431(23, last);
}

/*
 * A NUL byte in a header line: Kore's strsep stops there and drops every
 * later line unseen, a Content-Length among them. Whatever follows the
 * NUL (bytes that look like the end of the block included), one response,
 * 400 JSON, then close; the GET's body is never answered.
 */
static void
nul_in_header(const char *after, int pause_ms)
{
	char head[256], *buf;
	size_t n, len;
	int fd, closed;

	n = (size_t)snprintf(head, sizeof(head),
	    "GET /healthcheck HTTP/1.1\r\nHost: e2e\r\nX-A: a");
	head[n++] = '\0';
	n += (size_t)snprintf(head + n, sizeof(head) - n,
	    "%sContent-Length: %zu\r\n\r\n%s", after, strlen(SMUGGLED),
	    pause_ms > 0 ? "" : SMUGGLED);
	fd = raw_conn_open();
	raw_send(fd, head, n);
	if (pause_ms > 0) {
		(void)usleep((useconds_t)pause_ms * 1000);
		raw_send_str(fd, SMUGGLED);
	}
	buf = raw_recv_all(fd, 3000, &len, &closed);
	raw_close(fd);
	expect_one_response(buf, len, closed, 400,
	    "A request header cannot contain a NUL byte");
	free(buf);
}

Test(errors, nul_in_header_not_smuggled)
{
	nul_in_header("\r\n", 300);
	nul_in_header("\n\r\n", 300);
	nul_in_header("b\r\n", 0);
	nul_in_header("\r\n", 0);
	expect_still_serving();
}

/*
 * The smuggling Kore's limit allowed: a GET whose Content-Length is its
 * 25th line, so Kore never saw it, with a second request as its body,
 * sent at once and in a later packet. One response, the 431, then the
 * connection is closed: the hidden request is never answered.
 */
Test(errors, content_length_past_the_limit_not_smuggled)
{
	char cl[64];

	snprintf(cl, sizeof(cl), "Content-Length: %zu", strlen(SMUGGLED));
	smuggled_431(24, cl);
}

/*
 * A body framed two ways (two Content-Lengths, or one with a
 * Transfer-Encoding, or a length with a sign; framing is the header lines,
 * the body is 19 bytes): a proxy in front may frame it the other way, so it
 * is refused with one 400 and the connection closed, whatever the route
 * or the token, and nothing is written.
 */
static void
framed_twice(const char *framing, int with_token)
{
	char biz[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char auth[1024], *req, *buf;
	size_t len;
	int closed;

	uuid4(biz);
	cust_create(biz, id, user);
	bearer_line(auth, sizeof(auth), with_token);
	if (asprintf(&req,
		"POST /customers/%s/notes HTTP/1.1\r\nHost: e2e\r\n%s"
		"Content-Type: application/json\r\n%s\r\n\r\n"
		"{\"content\":\"twice\"}",
		id, auth, framing) == -1)
		cr_assert_fail("out of memory");
	buf = exchange(req, &len, &closed);
	expect_one_response(buf, len, closed, 400,
	    "A request must carry one Content-Length and no Transfer-Encoding");
	free(buf);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes "
			      "WHERE customer_id = $1",
			 id, DB_END),
	    0, "a note was written from a body framed twice");
	expect_still_serving();
}

Test(errors, two_content_lengths_refused, .timeout = 20)
{
	framed_twice("Content-Length: 19\r\nContent-Length: 5", 1);
	framed_twice("Content-Length: 19\r\ncontent-length: 19", 0);
}

Test(errors, content_length_with_transfer_encoding_refused, .timeout = 20)
{
	framed_twice("Content-Length: 19\r\nTransfer-Encoding: chunked", 1);
	framed_twice("Transfer-Encoding: identity\r\nContent-Length: 19", 0);
}

/* Kore reads "+19" as 19; a proxy may read it as no length at all. */
Test(errors, signed_content_length_refused, .timeout = 20)
{
	framed_twice("Content-Length: +19", 1);
	framed_twice("Content-Length: +19", 0);
}

/* "Content-Length: 0" is no body: an ordinary GET. */
Test(errors, get_with_empty_content_length_ok)
{
	struct http_resp *r;
	const char *hdrs[] = { "Content-Length: 0", NULL };

	r = http_req("GET", "/healthcheck", hdrs, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
}

/* A simple CORS request under CORS_ORIGINS=*, as the original answered. */
Test(errors, cors_simple_request)
{
	struct http_resp *r;
	const char *hdrs[] = { "Origin: http://a.example", NULL };

	r = http_req("GET", "/no/such/thing", hdrs, NULL, 0);
	expect_status(r, 404);
	cr_assert_str_eq(http_hdr(r, "access-control-allow-origin"), "*");
	http_resp_free(r);
}

/* Keep-alive works for honest clients: two answers on one connection. */
Test(errors, keepalive_two_requests)
{
	struct http_conn *c;
	struct http_resp *r;

	c = http_conn_open();
	r = http_conn_req(c, "GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	r = http_conn_req(c, "GET", "/no/such/thing", NULL, NULL, 0);
	expect_detail(r, 404, "Not Found");
	http_resp_free(r);
	http_conn_close(c);
}

/*
 * The query string's bound (32 parameters, docs/api.md): one more is a
 * 400 with the contract's body, on the list and on a paged sub-resource
 * (route_page); 32 are served.
 */
/* path (with or without parameters of its own) and filler up to n in all */
static char *
query_of(const char *path, int n)
{
	const char *q;
	char *s;
	size_t len, off;
	int have, i;

	have = 0;
	if ((q = strchr(path, '?')) != NULL)
		for (have = 1; (q = strchr(q + 1, '&')) != NULL; have++)
			;
	len = strlen(path) + 16 + (size_t)n * 8;
	cr_assert_not_null(s = malloc(len));
	off = (size_t)snprintf(s, len, "%s", path);
	for (i = have; i < n; i++)
		off += (size_t)snprintf(s + off, len - off, "%cq%d=1",
		    i ? '&' : '?', i);
	return (s);
}

Test(errors, too_many_query_parameters_400)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char list[96], notes[96];
	const char *paths[2];
	struct http_resp *r;
	char *tok, *path;
	size_t i;

	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_admin(bid);
	(void)snprintf(list, sizeof(list), "/customers?business_id=%s", bid);
	(void)snprintf(notes, sizeof(notes), "/customers/%s/notes", id);
	paths[0] = list;
	paths[1] = notes;
	for (i = 0; i < 2; i++) {
		path = query_of(paths[i], 33);
		r = http_req_tok("GET", path, tok, NULL);
		expect_detail(r, 400, "Too many query parameters");
		http_resp_free(r);
		free(path);

		path = query_of(paths[i], 32);
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 200);
		http_resp_free(r);
		free(path);
	}
	free(tok);
}
