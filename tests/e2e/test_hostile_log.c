/*
 * The JSON log under hostile input (docs/operations.md, "Logs"): paths made
 * of every byte value, invalid UTF-8 and long runs of continuation bytes,
 * hostile trace ids, User-Agents, tokens and bodies, without and with
 * tokens of each role. The service must answer each (or Kore refuse it),
 * keep serving, and every line of its log ($BEE_E2E_DIR/kore.err) must
 * parse as one JSON object: a sanitizer report or a cut line fails.
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

#include "expect.h"
#include "http.h"
#include "instance.h"
#include "token.h"
#include "uuid4.h"

/* Kore answers 414 from 1999 bytes of path on. */
#define PATH_MAX_KORE 1998

static void send_hostile(const char *, const char *, const char *, const char *,
    const char *, size_t);
static char *run(const char *, size_t, size_t, const char *, size_t);
static void every_log_line_is_json(void);
static void remember_answer(const struct http_resp *);
static size_t mark_logged(const char *, unsigned char *);
static int str_cmp(const void *, const void *);
static void answered_unique(void);
static json_t *log_line_of(const char *);
static const char *str_or_empty(const json_t *, const char *);

static char *toks[5];
static const size_t NTOKS = sizeof(toks) / sizeof(toks[0]);

/*
 * The trace ids the service answered with (X-Trace-Id): each is the
 * trace_id of the request's log line, once its worker wrote it.
 */
static char **answered;
static size_t nanswered, answered_cap;

static void
init(void)
{
	char business[UUID_STR_LEN];

	uuid4(business);
	toks[0] = NULL; /* no token */
	toks[1] = tok_superadmin();
	toks[2] = tok_admin(business);
	toks[3] = tok_customer(business);
	toks[4] = tok_internal();
}

static void
fini(void)
{
	size_t i;

	for (i = 0; i < NTOKS; i++) {
		free(toks[i]);
		toks[i] = NULL;
	}
	for (i = 0; i < nanswered; i++)
		free(answered[i]);
	free(answered);
	answered = NULL;
	nanswered = answered_cap = 0;
}

TestSuite(hostile_log, .init = init, .fini = fini);

/*
 * One request on a connection of its own, whatever its bytes: method,
 * path, extra header lines (each ending in CRLF, or NULL), a token or
 * NULL, a body or NULL. What comes back is read until the service
 * closes; Kore may refuse the request itself, never with a 5xx.
 */
static void
send_hostile(const char *method, const char *path, const char *headers,
    const char *tok, const char *body, size_t body_len)
{
	struct http_resp *r;
	char *req, *buf;
	size_t len, used;
	int fd, closed, n;

	n = asprintf(&req,
	    "%s %s HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n%s%s%s%s",
	    method, path, headers != NULL ? headers : "",
	    tok != NULL ? "Authorization: Bearer " : "", tok != NULL ? tok : "",
	    tok != NULL ? "\r\n" : "");
	cr_assert(n != -1);
	if (body != NULL)
		n = asprintf(&buf, "%sContent-Length: %zu\r\n\r\n", req,
		    body_len);
	else
		n = asprintf(&buf, "%s\r\n", req);
	cr_assert(n != -1);
	free(req);

	fd = raw_conn_open();
	raw_send(fd, buf, strlen(buf));
	if (body != NULL && body_len > 0)
		raw_send(fd, body, body_len);
	free(buf);
	buf = raw_recv_all(fd, 5000, &len, &closed);
	raw_close(fd);
	if (len > 0 &&
	    http_parse(buf, len, 1, !strcmp(method, "HEAD"), &r, &used) == 1) {
		cr_expect_lt(r->status, 500, "%s %.60s: %d", method, path,
		    r->status);
		remember_answer(r);
		http_resp_free(r);
	}
	free(buf);
}

/* prefix, then skip bytes of 'x', then unit repeated to len bytes. */
static char *
run(const char *prefix, size_t skip, size_t len, const char *unit,
    size_t unit_len)
{
	char *s;
	size_t i, p;

	p = strlen(prefix);
	s = malloc(p + len + 1);
	cr_assert_not_null(s);
	memcpy(s, prefix, p);
	for (i = 0; i < len; i++)
		s[p + i] = i < skip ? 'x' : unit[(i - skip) % unit_len];
	s[p + len] = '\0';
	return (s);
}

/* A request the service (not Kore) answered has a log line to come. */
static void
remember_answer(const struct http_resp *r)
{
	const char *trace;
	char **grown;

	if ((trace = http_hdr(r, "x-trace-id")) == NULL)
		return;
	if (nanswered == answered_cap) {
		answered_cap = answered_cap ? answered_cap * 2 : 256;
		grown = reallocarray(answered, answered_cap, sizeof(*answered));
		cr_assert_not_null(grown);
		answered = grown;
	}
	answered[nanswered] = strdup(trace);
	cr_assert_not_null(answered[nanswered]);
	nanswered++;
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Marks trace as logged when answered holds it: 1 if it was not yet. */
static size_t
mark_logged(const char *trace, unsigned char *logged)
{
	char **hit;
	size_t i;

	hit = bsearch(&trace, answered, nanswered, sizeof(*answered), str_cmp);
	if (hit == NULL)
		return (0);
	i = (size_t)(hit - answered);
	if (logged[i])
		return (0);
	logged[i] = 1;
	return (1);
}

/* Sorts answered and drops repeated trace ids (a client's own, resent). */
static void
answered_unique(void)
{
	size_t i, n;

	qsort(answered, nanswered, sizeof(*answered), str_cmp);
	for (i = n = 0; i < nanswered; i++) {
		if (n > 0 && !strcmp(answered[n - 1], answered[i]))
			free(answered[i]);
		else
			answered[n++] = answered[i];
	}
	nanswered = n;
}

/*
 * Every line of the service's log parses as one JSON object (jansson:
 * strict UTF-8 and escapes), the request lines of this test's answered
 * requests included: they are read as the workers write them (in
 * batches, every 50 ms), until each has its line. A last line still
 * being written is read again once whole.
 */
static void
every_log_line_is_json(void)
{
	json_error_t err;
	const char *dir;
	char path[512], *line;
	unsigned char *logged;
	size_t cap, n, missing;
	ssize_t len;
	long deadline;
	off_t at;
	json_t *v;
	FILE *fp;

	/* Kore refuses some of the requests itself, never all of them */
	cr_assert_gt(nanswered, 0, "the service answered no request");
	answered_unique();
	logged = calloc(nanswered + 1, 1);
	cr_assert_not_null(logged);
	missing = nanswered;
	dir = getenv("BEE_E2E_DIR");
	cr_assert_not_null(dir, "BEE_E2E_DIR names the service's directory");
	snprintf(path, sizeof(path), "%s/kore.err", dir);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s", path);
	line = NULL;
	cap = 0;
	n = 0;
	deadline = instance_now_ms() + 15000;
	for (;;) {
		at = ftello(fp);
		if ((len = getline(&line, &cap, fp)) <= 0 ||
		    line[len - 1] != '\n') {
			if (missing == 0 || instance_now_ms() >= deadline)
				break;
			cr_assert_eq(fseeko(fp, at, SEEK_SET), 0);
			(void)usleep(20000);
			continue;
		}
		n++;
		v = json_loadb(line, (size_t)len - 1, 0, &err);
		cr_assert_not_null(v, "%s line %zu is not JSON (%s): %.300s",
		    path, n, err.text, line);
		cr_assert(json_is_object(v), "%s line %zu", path, n);
		if (!strcmp(str_or_empty(v, "message"), "request"))
			missing -=
			    mark_logged(str_or_empty(v, "trace_id"), logged);
		json_decref(v);
	}
	free(line);
	fclose(fp);
	cr_assert_gt(n, 0, "%s is empty", path);
	for (n = 0; n < nanswered && logged[n]; n++)
		;
	cr_assert_eq(missing, 0,
	    "%zu of %zu answered requests have no log line after 15 s "
	    "(trace %s)",
	    missing, nanswered, n < nanswered ? answered[n] : "?");
	free(logged);
}

static const char *
str_or_empty(const json_t *o, const char *key)
{
	const char *s;

	s = json_string_value(json_object_get(o, key));
	return (s != NULL ? s : "");
}

/* The request line whose trace_id is trace (a new reference), or NULL. */
static json_t *
log_line_of(const char *trace)
{
	const char *dir;
	char path[512], *line;
	size_t cap;
	json_t *v, *found;
	FILE *fp;

	dir = getenv("BEE_E2E_DIR");
	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/kore.err", dir);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s", path);
	line = NULL;
	cap = 0;
	found = NULL;
	while (found == NULL && getline(&line, &cap, fp) > 0) {
		if (strstr(line, trace) == NULL)
			continue;
		v = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
		if (v != NULL && !strcmp(str_or_empty(v, "trace_id"), trace) &&
		    !strcmp(str_or_empty(v, "message"), "request"))
			found = v;
		else
			json_decref(v);
	}
	free(line);
	fclose(fp);
	return (found);
}

/*
 * A defect found once: the controls fill the log line's room, then every
 * continuation byte was copied unchecked past the end of log_write's
 * stack buffer, before any token is looked at.
 */
Test(hostile_log, continuation_run_after_controls_no_token)
{
	char trace[64], hdr[128], *path, *p;
	json_t *line;
	size_t i;

	snprintf(trace, sizeof(trace), "hostile-log-");
	uuid4(trace + strlen(trace));
	snprintf(hdr, sizeof(hdr), "X-Trace-Id: %s\r\n", trace);
	path = malloc(11 + 661 + 1300 + 1);
	cr_assert_not_null(path);
	p = path + sprintf(path, "/customers/");
	for (i = 0; i < 661; i++)
		*p++ = '\x01';
	for (i = 0; i < 1300; i++)
		*p++ = '\x80';
	*p = '\0';
	send_hostile("GET", path, hdr, NULL, NULL, 0);
	free(path);
	expect_still_serving();
	every_log_line_is_json();

	/* the request's line: the template, and the raw path bounded */
	line = log_line_of(trace);
	cr_assert_not_null(line, "no log line for %s", trace);
	cr_expect_str_eq(json_string_value(json_object_get(line, "route")),
	    "/customers/{customer_id}");
	cr_expect_eq(json_integer_value(json_object_get(line, "status")), 401);
	cr_assert(json_is_string(json_object_get(line, "path")));
	cr_expect_leq(strlen(json_string_value(json_object_get(line, "path"))),
	    256);
	json_decref(line);
}

/* The hostile units paths are made of (no space, CR, LF, '?' or '/'). */
static const char *const units[] = { "\x80", "\xbf", "\xc3", "\xe2\x82",
	"\xf0\x9f\x98", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\xfe", "\xff", "\x01", "\x1f", "\x7f", "\"", "\\",
	"%00", "%ff", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x01\x80",
	"\"\\\x01\x80\xc3", "\\u0000", "{\"a\":" };
#define UNITS (sizeof(units) / sizeof(units[0]))

/* The routes a hostile segment goes into: each handler's path parsing. */
static const char *const prefixes[] = { "/customers/", "/api/customers/",
	"/customers/tags/", "/customers/tags/customer/", "/uploads/",
	"/docs/assets/", "/no/such/" };
#define PREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))

Test(hostile_log, hostile_paths_without_and_with_tokens)
{
	char one[2], *path, *tail, note[512];
	size_t u, p, t, b, len;

	/* every byte value Kore lets through a path, alone and repeated */
	for (b = 1; b < 256; b++) {
		if (b == ' ' || b == '\r' || b == '\n' || b == '?' || b == '/')
			continue;
		one[0] = (char)b;
		one[1] = '\0';
		for (t = 0; t < NTOKS; t += 2) {
			path = run("/customers/", 0, 700, one, 1);
			send_hostile("GET", path, NULL, toks[t], NULL, 0);
			free(path);
		}
	}
	/* each unit in each route, at lengths up to Kore's path limit */
	for (u = 0; u < UNITS; u++) {
		for (p = 0; p < PREFIXES; p++) {
			len = PATH_MAX_KORE - strlen(prefixes[p]) - 16;
			for (t = 0; t < NTOKS; t++) {
				path = run(prefixes[p], u % 3, len - t * 331,
				    units[u], strlen(units[u]));
				send_hostile(t % 2 ? "DELETE" : "GET", path,
				    NULL, toks[t], NULL, 0);
				free(path);
			}
		}
		/* a hostile customer id before a known sub-resource */
		tail = run("/customers/", 0, 900, units[u], strlen(units[u]));
		snprintf(note, sizeof(note), "%.400s/notes/%.60s", tail, tail);
		send_hostile("GET", note, NULL, toks[1], NULL, 0);
		free(tail);
	}
	expect_still_serving();
	every_log_line_is_json();
}

/*
 * Header values (Kore keeps only printable ASCII there): trace ids that
 * are not ours to use, quotes and backslashes that would end a JSON string,
 * a log line's own fields, format directives, values near the header
 * block's limit; under every token.
 */
Test(hostile_log, hostile_headers)
{
	static const char *const values[] = { "\"", "\\", "\\\"",
		"\",\"level\":\"error\",\"x\":\"", "%s%s%n%x", "\\u0000",
		"\\ud800", "}{", "a\tb", "*" };
	static const char *const names[] = { "X-Trace-Id", "X-Request-ID",
		"User-Agent", "Origin", "Content-Type", "Referer", "Accept" };
	char *v, *hdr, *bad;
	size_t i, n, t, len;
	int k;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (len = 1; len <= 7000; len = len * 4 + 3) {
			v = run("", 0, len, values[i], strlen(values[i]));
			for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
				k = asprintf(&hdr, "%s: %s\r\n", names[n], v);
				cr_assert(k != -1);
				t = (i + n) % NTOKS;
				send_hostile("GET", "/customers", hdr, toks[t],
				    NULL, 0);
				send_hostile("OPTIONS", "/customers/x", hdr,
				    NULL, NULL, 0);
				free(hdr);
			}
			/* as a token, and after a real one */
			send_hostile("GET", "/customers", NULL, v, NULL, 0);
			k = asprintf(&bad, "%s%s", toks[1], v);
			cr_assert(k != -1);
			send_hostile("GET", "/customers", NULL, bad, NULL, 0);
			free(bad);
			free(v);
		}
	}
	/* a trace id of 128 and 129 bytes of its own alphabet */
	v = run("", 0, 129, "a", 1);
	cr_assert(asprintf(&hdr, "X-Trace-Id: %s\r\n", v) != -1);
	send_hostile("GET", "/healthcheck", hdr, NULL, NULL, 0);
	v[128] = '\0';
	free(hdr);
	cr_assert(asprintf(&hdr, "X-Trace-Id: %s\r\n", v) != -1);
	send_hostile("GET", "/healthcheck", hdr, NULL, NULL, 0);
	free(hdr);
	free(v);
	expect_still_serving();
	every_log_line_is_json();
}

/*
 * Bodies: invalid UTF-8, escapes of surrogates and NUL, controls, deep
 * nesting, long strings of every hostile unit, to each writing route,
 * without and with tokens.
 */
Test(hostile_log, hostile_bodies)
{
	static const char *const methods[] = { "POST", "PATCH", "POST", "POST",
		"POST" };
	char id[UUID_STR_LEN], paths[5][128], *s, *body;
	size_t u, p, t, len;
	int k;

	uuid4(id);
	snprintf(paths[0], sizeof(paths[0]), "/customers");
	snprintf(paths[1], sizeof(paths[1]), "/customers/%s", id);
	snprintf(paths[2], sizeof(paths[2]), "/customers/%s/notes", id);
	snprintf(paths[3], sizeof(paths[3]), "/customers/%s/tags", id);
	snprintf(paths[4], sizeof(paths[4]), "/gdpr/export");
	for (u = 0; u < UNITS; u++) {
		for (len = 3; len < 20000; len = len * 5 + 1) {
			s = run("", 0, len, units[u], strlen(units[u]));
			k = asprintf(&body,
			    "{\"full_name\":\"%s\",\"email\":\"%s@x.io\","
			    "\"content\":\"%s\",\"labels\":[\"%s\"],"
			    "\"business_id\":\"%s\",\"user_id\":\"%s\"}",
			    s, s, s, s, s, s);
			cr_assert(k != -1);
			for (p = 0; p < 5; p++) {
				t = (u + p + len) % NTOKS;
				send_hostile(methods[p], paths[p],
				    "Content-Type: application/json\r\n",
				    toks[t], body, strlen(body));
			}
			/* the bytes alone, not even JSON */
			send_hostile("POST", "/customers",
			    "Content-Type: application/json\r\n", toks[1], s,
			    strlen(s));
			free(body);
			free(s);
		}
	}
	/* nesting far deeper than any parser should follow */
	s = run("", 0, 10000, "[", 1);
	send_hostile("POST", "/customers", "Content-Type: application/json\r\n",
	    toks[1], s, strlen(s));
	free(s);
	expect_still_serving();
	every_log_line_is_json();
}
