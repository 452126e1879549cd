/*
 * Requests and responses. Parsing works on a byte buffer so that the same
 * code reads one answer off a connection and counts every answer in what a
 * raw socket received (a smuggled request shows up as a second response).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "http.h"

struct http_conn {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	int eof;
};

static char *req_build(const char *, const char *, const char **, const void *,
    size_t, int, size_t *);
static const char *find_eoh(const char *, size_t, size_t *);
static int parse_chunked(const char *, size_t, int, char **, size_t *,
    size_t *);
static int conn_fill(struct http_conn *);
static char *xstrndup(const char *, size_t);

/* n bytes and a NUL: binary bodies (images) keep their NUL bytes. */
static char *
xstrndup(const char *s, size_t n)
{
	char *p;

	p = malloc(n + 1);
	cr_assert(p != NULL, "out of memory");
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

static char *
req_build(const char *method, const char *path, const char **headers,
    const void *body, size_t len, int close_conn, size_t *outlen)
{
	char *buf;
	size_t cap, off, i;
	int n;

	cap = strlen(method) + strlen(path) + 256 + len;
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		cap += strlen(headers[i]) + 2;
	buf = malloc(cap);
	cr_assert(buf != NULL);

	n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: %s:%u\r\n", method,
	    path, env_host(), env_port());
	off = (size_t)n;
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s\r\n",
		    headers[i]);
	if (body != NULL)
		off += (size_t)snprintf(buf + off, cap - off,
		    "Content-Length: %zu\r\n", len);
	if (close_conn)
		off += (size_t)snprintf(buf + off, cap - off,
		    "Connection: close\r\n");
	off += (size_t)snprintf(buf + off, cap - off, "\r\n");
	if (body != NULL && len > 0) {
		memcpy(buf + off, body, len);
		off += len;
	}
	*outlen = off;
	return (buf);
}

static const char *
find_eoh(const char *buf, size_t len, size_t *eohlen)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n') {
			*eohlen = 2;
			return (buf + i);
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*eohlen = 3;
			return (buf + i);
		}
	}
	return (NULL);
}

/* Returns 1 when complete (body and consumed set), 0 when more is needed. */
static int
parse_chunked(const char *p, size_t len, int eof, char **body, size_t *blen,
    size_t *used)
{
	const char *end, *nl;
	char *out;
	size_t olen, sz;

	(void)eof;
	out = malloc(len + 1);
	cr_assert(out != NULL);
	olen = 0;
	end = p + len;

	for (;;) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			break;
		sz = strtoul(p, NULL, 16);
		p = nl + 1;
		if (sz == 0) {
			/* Trailers, if any, end with an empty line. */
			while ((nl = memchr(p, '\n', end - p)) != NULL) {
				if (nl == p || (nl == p + 1 && *p == '\r')) {
					p = nl + 1;
					out[olen] = '\0';
					*body = out;
					*blen = olen;
					*used = len - (end - p);
					return (1);
				}
				p = nl + 1;
			}
			break;
		}
		if ((size_t)(end - p) < sz + 2)
			break;
		memcpy(out + olen, p, sz);
		olen += sz;
		p += sz;
		if (*p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
	}
	free(out);
	return (0);
}

/*
 * Parse one response at the start of buf. eof says the peer has closed, so
 * a body without a length ends here; head says the request was a HEAD.
 * Returns 1 with *out and *used set, 0 if more bytes are needed, -1 if the
 * bytes are not an HTTP response.
 */
int
http_parse(const char *buf, size_t len, int eof, int head,
    struct http_resp **out, size_t *used)
{
	struct http_resp *r;
	const char *eoh, *line, *nl, *colon, *te, *cl, *v, *ve;
	size_t eohlen, hlen, blen, cap, chunk_used;
	char *body;

	*out = NULL;
	if ((eoh = find_eoh(buf, len, &eohlen)) == NULL)
		return (eof ? -1 : 0);
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
		return (-1);

	r = calloc(1, sizeof(*r));
	cr_assert(r != NULL);
	r->status = (int)strtol(buf + 9, NULL, 10);

	cap = 16;
	r->headers = calloc(cap, sizeof(*r->headers));
	cr_assert(r->headers != NULL);
	line = (const char *)memchr(buf, '\n', eoh - buf + 1) + 1;
	while (line <= eoh) {
		nl = memchr(line, '\n', (eoh + 1) - line);
		if (nl == NULL)
			break;
		if ((colon = memchr(line, ':', nl - line)) != NULL) {
			if (r->nheaders == cap) {
				cap *= 2;
				r->headers = realloc(r->headers,
				    cap * sizeof(*r->headers));
				cr_assert(r->headers != NULL);
			}
			v = colon + 1;
			while (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			ve = nl;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			r->headers[r->nheaders].name =
			    xstrndup(line, colon - line);
			r->headers[r->nheaders].value = xstrndup(v, ve - v);
			r->nheaders++;
		}
		line = nl + 1;
	}

	hlen = (size_t)(eoh - buf) + eohlen;
	te = http_hdr(r, "transfer-encoding");
	cl = http_hdr(r, "content-length");

	if (head || r->status == 204 || r->status == 304 ||
	    (r->status >= 100 && r->status < 200)) {
		blen = 0;
		*used = hlen;
		body = xstrndup("", 0);
	} else if (te != NULL && strcasestr(te, "chunked") != NULL) {
		if (!parse_chunked(buf + hlen, len - hlen, eof, &body, &blen,
			&chunk_used)) {
			http_resp_free(r);
			return (eof ? -1 : 0);
		}
		*used = hlen + chunk_used;
	} else if (cl != NULL) {
		blen = strtoul(cl, NULL, 10);
		if (len - hlen < blen) {
			http_resp_free(r);
			return (eof ? -1 : 0);
		}
		body = xstrndup(buf + hlen, blen);
		*used = hlen + blen;
	} else {
		if (!eof) {
			http_resp_free(r);
			return (0);
		}
		blen = len - hlen;
		body = xstrndup(buf + hlen, blen);
		*used = len;
	}

	r->body = body;
	r->body_len = blen;
	*out = r;
	return (1);
}

/*
 * How many complete responses the bytes hold. Bodies are delimited by their
 * headers, so a second answer hidden after the first is counted, not
 * mistaken for body bytes.
 */
size_t
http_count_resps(const char *buf, size_t len)
{
	struct http_resp *r;
	size_t n, used;

	n = 0;
	while (len > 0) {
		if (http_parse(buf, len, 1, 0, &r, &used) != 1)
			break;
		http_resp_free(r);
		n++;
		buf += used;
		len -= used;
	}
	return (n);
}

const char *
http_hdr(const struct http_resp *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, name) == 0)
			return (r->headers[i].value);
	}
	return (NULL);
}

size_t
http_hdr_count(const struct http_resp *r, const char *name)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, name) == 0)
			n++;
	}
	return (n);
}

void
http_resp_free(struct http_resp *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r);
}

/* Returns bytes read, 0 at EOF; a timeout fails the test. */
static int
conn_fill(struct http_conn *c)
{
	ssize_t n;

	if (c->len + 4096 + 1 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16384;
		c->buf = realloc(c->buf, c->cap);
		cr_assert(c->buf != NULL);
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		cr_assert_fail("no answer from the service within %d ms",
		    HTTP_TIMEOUT_MS);
	if (n <= 0) {
		/* A reset after a complete answer still ends the stream. */
		c->eof = 1;
		return (0);
	}
	c->len += (size_t)n;
	return ((int)n);
}

struct http_conn *
http_conn_open(void)
{
	struct http_conn *c;

	c = calloc(1, sizeof(*c));
	cr_assert(c != NULL);
	c->fd = raw_conn_open();
	return (c);
}

static struct http_resp *
conn_send_recv(struct http_conn *c, const char *method, const char *path,
    const char **headers, const void *body, size_t len, int close_conn)
{
	struct http_resp *r;
	char *req;
	size_t rlen, used;
	int rc, head;

	req = req_build(method, path, headers, body, len, close_conn, &rlen);
	raw_send(c->fd, req, rlen);
	free(req);

	head = strcmp(method, "HEAD") == 0;
	for (;;) {
		rc = http_parse(c->buf ? c->buf : "", c->len, c->eof, head, &r,
		    &used);
		if (rc == 1)
			break;
		cr_assert(rc == 0, "malformed response to %s %s: %.*s", method,
		    path, (int)c->len, c->buf);
		cr_assert(!c->eof,
		    "connection closed before a complete "
		    "response to %s %s (%zu bytes)",
		    method, path, c->len);
		conn_fill(c);
	}

	if (c->buf != NULL) {
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	return (r);
}

int
http_send_only(const char *method, const char *path, const char **headers,
    const void *body, size_t len)
{
	char *req;
	size_t rlen;
	int fd;

	fd = raw_conn_open();
	req = req_build(method, path, headers, body, len, 1, &rlen);
	raw_send(fd, req, rlen);
	free(req);
	return (fd);
}

struct http_resp *
http_conn_req(struct http_conn *c, const char *method, const char *path,
    const char **headers, const void *body, size_t len)
{
	return (conn_send_recv(c, method, path, headers, body, len, 0));
}

/*
 * Whether the peer has closed the connection, waiting at most timeout_ms
 * for it. Unread response bytes count as "not closed".
 */
int
http_conn_peer_closed(struct http_conn *c, int timeout_ms)
{
	struct pollfd pfd;

	if (c->eof)
		return (c->len == 0);
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return (0);
	conn_fill(c);
	return (c->eof && c->len == 0);
}

void
http_conn_close(struct http_conn *c)
{
	if (c == NULL)
		return;
	raw_close(c->fd);
	free(c->buf);
	free(c);
}

struct http_resp *
http_req(const char *method, const char *path, const char **headers,
    const void *body, size_t len)
{
	struct http_conn *c;
	struct http_resp *r;

	c = http_conn_open();
	r = conn_send_recv(c, method, path, headers, body, len, 1);
	http_conn_close(c);
	return (r);
}

struct http_resp *
http_req_tok(const char *method, const char *path, const char *tok,
    const char *json)
{
	return (http_req_traced(method, path, tok, json, NULL));
}

struct http_resp *
http_req_traced(const char *method, const char *path, const char *tok,
    const char *json, const char *trace)
{
	struct http_resp *r;
	const char *hdrs[4];
	char *auth, *tr;
	int n;

	n = 0;
	auth = tr = NULL;
	if (tok != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", tok) == -1)
			cr_assert_fail("out of memory");
		hdrs[n++] = auth;
	}
	if (json != NULL)
		hdrs[n++] = "Content-Type: application/json";
	if (trace != NULL) {
		if (asprintf(&tr, "X-Trace-Id: %s", trace) == -1)
			cr_assert_fail("out of memory");
		hdrs[n++] = tr;
	}
	hdrs[n] = NULL;

	r = http_req(method, path, hdrs, json, json ? strlen(json) : 0);
	free(auth);
	free(tr);
	return (r);
}
