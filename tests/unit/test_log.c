/*
 * log.c: one JSON object per line on stderr (docs/operations.md, logs),
 * read back here from a temporary file or a pipe put in stderr's place.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "infra/log.h"
#include "support/unit.h"

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"

static void capture_begin(void);
static char *capture_end(void);
static json_t *lines(const char *);
static json_t *only_line(const char *);
static const char *str(json_t *, const char *);
static void error_then_number(struct log_field *, const char *);

static int saved_stderr = -1;
static char *capture_path;

static void
fini(void)
{
	if (saved_stderr != -1) {
		(void)dup2(saved_stderr, STDERR_FILENO);
		(void)close(saved_stderr);
		saved_stderr = -1;
	}
	free(capture_path);
	capture_path = NULL;
	unit_temp_cleanup();
}

TestSuite(log, .fini = fini);

/* stderr goes to a new temporary file until capture_end. */
static void
capture_begin(void)
{
	int fd;

	capture_path = unit_temp_file("");
	fd = open(capture_path, O_WRONLY | O_APPEND);
	cr_assert(fd != -1);
	saved_stderr = dup(STDERR_FILENO);
	cr_assert(saved_stderr != -1);
	cr_assert(dup2(fd, STDERR_FILENO) != -1);
	(void)close(fd);
}

static char *
capture_end(void)
{
	log_flush();
	(void)dup2(saved_stderr, STDERR_FILENO);
	(void)close(saved_stderr);
	saved_stderr = -1;
	return (unit_read_file(capture_path, NULL));
}

/* Every line of text must be one JSON object; an array of them. */
static json_t *
lines(const char *text)
{
	json_error_t err;
	json_t *all, *v;
	const char *p, *nl;

	all = json_array();
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "a line without its newline: %s", p);
		v = json_loadb(p, (size_t)(nl - p), 0, &err);
		cr_assert_not_null(v, "not JSON (%s at %d): %.*s", err.text,
		    err.position, (int)(nl - p), p);
		cr_assert(json_is_object(v));
		(void)json_array_append_new(all, v);
	}
	return (all);
}

static json_t *
only_line(const char *text)
{
	json_t *all, *v;

	all = lines(text);
	cr_assert_eq(json_array_size(all), 1, "%zu lines: %s",
	    json_array_size(all), text);
	v = json_incref(json_array_get(all, 0));
	json_decref(all);
	return (v);
}

static const char *
str(json_t *o, const char *key)
{
	json_t *v;

	v = json_object_get(o, key);
	cr_assert(json_is_string(v), "%s is not a string", key);
	return (json_string_value(v));
}

/* An "error" field holding s, then a raw number after it. */
static void
error_then_number(struct log_field *f, const char *s)
{
	memset(f, 0, 2 * sizeof(*f));
	f[0].key = "error";
	f[0].str = s;
	f[1].key = "duration_ms";
	f[1].str = "1.250";
	f[1].raw = 1;
}

Test(log, one_object_per_line)
{
	struct log_field f[3];
	json_t *v;
	char *text;
	const char *key;
	json_t *value;
	static const char *order[] = { "timestamp", "level", "service_name",
		"trace_id", "message", "route", "status", "customer_id" };
	size_t i;

	memset(f, 0, sizeof(f));
	f[0].key = "route";
	f[0].str = "/customers/{id}";
	f[1].key = "status";
	f[1].num = 201;
	f[2].key = "customer_id";
	f[2].str = "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b";

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	log_write(LOG_LEVEL_INFO, TRACE, "Customer created", f, 3);
	text = capture_end();

	cr_assert_eq(text[strlen(text) - 1], '\n');
	v = only_line(text);
	cr_assert_str_eq(str(v, "level"), "info");
	cr_assert_str_eq(str(v, "service_name"), "Bee Test");
	cr_assert_str_eq(str(v, "trace_id"), TRACE);
	cr_assert_str_eq(str(v, "message"), "Customer created");
	cr_assert_str_eq(str(v, "route"), "/customers/{id}");
	cr_assert(json_is_integer(json_object_get(v, "status")));
	cr_assert_eq(json_integer_value(json_object_get(v, "status")), 201);
	cr_assert_str_eq(str(v, "customer_id"),
	    "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b");
	cr_assert_eq(json_object_size(v), 8);
	i = 0;
	json_object_foreach(v, key, value) {
		cr_assert_str_eq(key, order[i], "key %zu", i);
		i++;
	}
	json_decref(v);
	free(text);
}

Test(log, timestamp_is_utc_iso8601)
{
	regex_t re;
	json_t *v;
	char *text, now[32];
	struct tm tm;
	time_t t;

	capture_begin();
	log_write(LOG_LEVEL_INFO, NULL, "tick", NULL, 0);
	text = capture_end();
	t = time(NULL);
	v = only_line(text);
	cr_assert_eq(regcomp(&re,
			 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
			 "[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$",
			 REG_EXTENDED | REG_NOSUB),
	    0);
	cr_assert_eq(regexec(&re, str(v, "timestamp"), 0, NULL, 0), 0, "%s",
	    str(v, "timestamp"));
	regfree(&re);
	/* UTC, and now (to the hour, so a slow run still passes) */
	(void)gmtime_r(&t, &tm);
	(void)strftime(now, sizeof(now), "%Y-%m-%dT%H", &tm);
	cr_assert_eq(strncmp(str(v, "timestamp"), now, strlen(now)), 0,
	    "%s vs %s", str(v, "timestamp"), now);
	json_decref(v);
	free(text);
}

Test(log, levels)
{
	json_t *all;
	char *text;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_DEBUG);
	log_write(LOG_LEVEL_DEBUG, NULL, "a", NULL, 0);
	log_info(NULL, "b");
	log_warn(NULL, "c");
	log_error(NULL, "d");
	text = capture_end();
	all = lines(text);
	cr_assert_eq(json_array_size(all), 4);
	cr_assert_str_eq(str(json_array_get(all, 0), "level"), "debug");
	cr_assert_str_eq(str(json_array_get(all, 1), "level"), "info");
	cr_assert_str_eq(str(json_array_get(all, 2), "level"), "warning");
	cr_assert_str_eq(str(json_array_get(all, 3), "level"), "error");
	cr_assert_str_eq(str(json_array_get(all, 3), "message"), "d");
	json_decref(all);
	free(text);
}

Test(log, below_the_level_dropped)
{
	json_t *v;
	char *text;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_WARNING);
	log_write(LOG_LEVEL_DEBUG, NULL, "debug", NULL, 0);
	log_info(TRACE, "info");
	log_warn(TRACE, "warning");
	log_write(99, NULL, "not a level", NULL, 0);
	log_write(-1, NULL, "not a level", NULL, 0);
	text = capture_end();
	v = only_line(text);
	cr_assert_str_eq(str(v, "message"), "warning");
	json_decref(v);
	free(text);
}

Test(log, control_characters_escaped)
{
	struct log_field f;
	json_t *v;
	char *text;
	const char *nasty = "line1\nline2\r\t\x01\x1f \"q\" \\ "
			    "Jos\xc3\xa9";

	memset(&f, 0, sizeof(f));
	f.key = "error";
	f.str = nasty;
	capture_begin();
	log_write(LOG_LEVEL_ERROR, "t\n1", nasty, &f, 1);
	text = capture_end();
	/* one line: the only newline is the last byte */
	cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1, "%s", text);
	cr_assert_null(strchr(text, '\r'));
	cr_assert_null(strchr(text, '\x01'));
	v = only_line(text);
	cr_assert_str_eq(str(v, "message"), nasty);
	cr_assert_str_eq(str(v, "error"), nasty);
	cr_assert_str_eq(str(v, "trace_id"), "t\n1");
	json_decref(v);
	free(text);
}

Test(log, raw_field_is_a_json_number)
{
	struct log_field f;
	json_t *v;
	char *text;

	memset(&f, 0, sizeof(f));
	f.key = "lifetime_value";
	f.str = "2750.5";
	f.raw = 1;
	capture_begin();
	log_info(NULL, "x");
	log_write(LOG_LEVEL_INFO, NULL, "y", &f, 1);
	text = capture_end();
	json_decref(lines(text));
	v = json_loads(strchr(text, '\n') + 1, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_not_null(v);
	cr_assert(json_is_real(json_object_get(v, "lifetime_value")));
	cr_assert_float_eq(json_real_value(
			       json_object_get(v, "lifetime_value")),
	    2750.5, 1e-9);
	json_decref(v);
	free(text);
}

Test(log, request_line)
{
	json_t *all, *v;
	char *text;

	capture_begin();
	log_request(TRACE, "PATCH", "/customers/{id}",
	    "/api/customers/3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b/", 200,
	    12.3456, "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b");
	log_request(TRACE, "GET", "/customers", NULL, 503, 0.5, "");
	log_request_cut(TRACE, "GET", "/customers/{customer_id}/export",
	    "/customers/x/export", 500, 2.5, "x");
	text = capture_end();
	all = lines(text);
	cr_assert_eq(json_array_size(all), 3);
	v = json_array_get(all, 0);
	cr_assert_str_eq(str(v, "level"), "info");
	cr_assert_str_eq(str(v, "message"), "request");
	cr_assert_str_eq(str(v, "method"), "PATCH");
	cr_assert_str_eq(str(v, "route"), "/customers/{id}");
	cr_assert_str_eq(str(v, "path"),
	    "/api/customers/3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b/");
	cr_assert_eq(json_integer_value(json_object_get(v, "status")), 200);
	cr_assert_float_eq(json_number_value(json_object_get(v, "duration_ms")),
	    12.346, 1e-9);
	cr_assert_str_eq(str(v, "customer_id"),
	    "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b");
	v = json_array_get(all, 1);
	cr_assert_str_eq(str(v, "level"), "error");
	cr_assert_null(json_object_get(v, "customer_id"));
	cr_assert_null(json_object_get(v, "path"));
	cr_assert_null(json_object_get(v, "body_cut"));
	/* a streamed body cut after its headers: the error it was */
	v = json_array_get(all, 2);
	cr_assert_str_eq(str(v, "level"), "error");
	cr_assert_eq(json_integer_value(json_object_get(v, "status")), 500);
	cr_assert(json_is_true(json_object_get(v, "body_cut")));
	cr_assert_null(json_object_get(json_array_get(all, 0), "body_cut"));
	json_decref(all);
	free(text);
}

/* A line cut to fit must stay JSON, and UTF-8: never half a character. */
Test(log, long_message_truncated_to_valid_json)
{
	json_t *all;
	char *msg, *text;
	size_t i, k, n = 3000;

	msg = malloc(2 * n + 2);
	cr_assert_not_null(msg);
	capture_begin();
	for (i = 0; i < 2; i++) {
		/* two alignments: one of them puts the cut inside a character */
		memset(msg, 'x', i);
		memset(msg + i, 0, 2 * n + 2 - i);
		for (k = 0; k < n; k++) {
			msg[i + 2 * k] = '\xc3';
			msg[i + 2 * k + 1] = '\xa9';
		}
		log_write(LOG_LEVEL_INFO, TRACE, msg, NULL, 0);
	}
	text = capture_end();
	all = lines(text);
	cr_assert_eq(json_array_size(all), 2);
	cr_assert_lt(strlen(str(json_array_get(all, 0), "message")), 2 * n);
	json_decref(all);
	free(text);
	free(msg);
}

Test(log, long_field_then_a_raw_number_stays_json)
{
	struct log_field f[2];
	json_t *all;
	char *big, *text;
	size_t len;

	capture_begin();
	for (len = 3700; len < 4010; len++) {
		big = malloc(len + 1);
		cr_assert_not_null(big);
		memset(big, 'e', len);
		big[len] = '\0';
		error_then_number(f, big);
		log_write(LOG_LEVEL_INFO, NULL, "m", f, 2);
		free(big);
	}
	text = capture_end();
	all = lines(text);
	cr_assert_eq(json_array_size(all), 4010 - 3700);
	json_decref(all);
	free(text);
}

/*
 * A reader that never reads must not block the writer: lines that do not
 * fit are dropped and counted, and those written are whole lines.
 */
Test(log, full_pipe_drops_instead_of_blocking, .timeout = 20)
{
	int p[2], saved, flags;
	char *buf, *nl;
	ssize_t n;
	size_t len, i;
	json_t *all;

	cr_assert_eq(pipe(p), 0);
	saved = dup(STDERR_FILENO);
	cr_assert(dup2(p[1], STDERR_FILENO) != -1);
	(void)close(p[1]);
	log_init("Bee Test", LOG_LEVEL_INFO);
	for (i = 0; i < 20000; i++)
		log_info(TRACE,
		    "a line that fills the pipe and then the "
		    "buffer behind it, never blocking the worker");
	cr_assert_gt(log_dropped(), 0);

	/* what reached the pipe: whole JSON lines */
	flags = fcntl(p[0], F_GETFL);
	(void)fcntl(p[0], F_SETFL, flags | O_NONBLOCK);
	buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	len = 0;
	while ((n = read(p[0], buf + len, (1 << 20) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	cr_assert_gt(len, 0);
	nl = strrchr(buf, '\n');
	cr_assert_not_null(nl);
	cr_assert_eq((size_t)(nl - buf) + 1, len, "a partial line in the pipe");
	all = lines(buf);
	cr_assert_gt(json_array_size(all), 0);
	json_decref(all);
	free(buf);
	(void)dup2(saved, STDERR_FILENO);
	(void)close(saved);
	(void)close(p[0]);
}

/* ---- hostile bytes: every line must still be JSON, and UTF-8 ---- */

#define LINE_MAX_BYTES 4001 /* LOG_LINE_MAX and the closing brace */

/*
 * Every line of text parses (jansson refuses invalid UTF-8 and bad
 * escapes) and stays within the line limit; how many lines.
 */
static size_t
check_lines(const char *text)
{
	json_error_t err;
	const char *p, *nl;
	json_t *v;
	size_t n;

	n = 0;
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "a line without its newline");
		cr_assert_leq((size_t)(nl - p), LINE_MAX_BYTES,
		    "line %zu is %zu bytes", n, (size_t)(nl - p));
		v = json_loadb(p, (size_t)(nl - p), 0, &err);
		cr_assert_not_null(v, "line %zu not JSON (%s at %d): %.*s", n,
		    err.text, err.position, (int)(nl - p), p);
		cr_assert(json_is_object(v));
		json_decref(v);
		n++;
	}
	return (n);
}

/* The hostile units a string is made of, repeated. */
static const char *const hostile[] = {
	"\x80", /* a lone continuation byte */
	"\xbf",
	"\xc3", /* a lead byte without its continuation */
	"\xe2\x82", /* truncated 3-byte sequence */
	"\xf0\x9f\x98", /* truncated 4-byte sequence */
	"\xc0\xaf", /* overlong '/' */
	"\xc1\xbf",
	"\xe0\x80\xaf",
	"\xf0\x80\x80\xaf",
	"\xed\xa0\x80", /* UTF-16 surrogates */
	"\xed\xbf\xbf",
	"\xf4\x90\x80\x80", /* above U+10FFFF */
	"\xf8\x88\x80\x80\x80", /* 5- and 6-byte forms */
	"\xfc\x84\x80\x80\x80\x80",
	"\xfe",
	"\xff",
	"\x01", /* controls: 6 bytes each once escaped */
	"\x1f",
	"\"",
	"\\",
	"\x7f",
	"\xc3\xa9", /* valid: é, €, an emoji; cut only between characters */
	"\xe2\x82\xac",
	"\xf0\x9f\x98\x80",
	"\x01\x80", /* escapes and replacements interleaved */
	"\xe2\x82\xac\x80",
	"a\xc3",
};
#define HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* skip bytes of 'x', then unit repeated, to len bytes (malloc'd). */
static char *
hostile_string(const char *unit, size_t skip, size_t len)
{
	char *s;
	size_t i, u;

	s = malloc(len + 1);
	cr_assert_not_null(s);
	u = strlen(unit);
	for (i = 0; i < len; i++)
		s[i] = i < skip ? 'x' : unit[(i - skip) % u];
	s[len] = '\0';
	return (s);
}

/*
 * Each hostile unit as the message, a field (then a raw number), a trace
 * id and a path, at every length around the line limit and with every
 * alignment of the unit against it.
 */
Test(log, hostile_strings_at_every_length_near_the_limit)
{
	struct log_field f[2];
	char *s, *text;
	size_t i, len, skip, lines;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	lines = 0;
	for (i = 0; i < HOSTILE; i++) {
		for (len = 1; len < 4064; len += len < 3936 ? 61 : 1) {
			skip = len % 5;
			s = hostile_string(hostile[i], skip, len);
			error_then_number(f, s);
			log_write(LOG_LEVEL_INFO, s, s, f, 2);
			log_write(LOG_LEVEL_INFO, TRACE, "m", f, 2);
			log_request(s, "GET", "/customers/{customer_id}", s,
			    404, 1.0, NULL);
			lines += 3;
			free(s);
		}
		log_flush();
	}
	text = capture_end();
	cr_assert_eq(check_lines(text), lines);
	free(text);
}

/* Every byte value, alone and repeated past the limit. */
Test(log, every_byte_value)
{
	char all[256], one[2], *s, *text;
	size_t b, lines;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	lines = 0;
	for (b = 1; b < 256; b++) {
		one[0] = (char)b;
		one[1] = '\0';
		all[b - 1] = (char)b;
		s = hostile_string(one, 0, 4500);
		log_write(LOG_LEVEL_INFO, one, one, NULL, 0);
		log_write(LOG_LEVEL_INFO, s, s, NULL, 0);
		log_request(s, "GET", "unmatched", s, 404, 1.0, s);
		lines += 3;
		free(s);
		log_flush();
	}
	all[255] = '\0';
	s = hostile_string(all, 0, 5000);
	log_write(LOG_LEVEL_INFO, all, all, NULL, 0);
	log_request(s, "GET", "unmatched", s, 404, 1.0, s);
	lines += 2;
	free(s);
	text = capture_end();
	cr_assert_eq(check_lines(text), lines);
	free(text);
}

/*
 * A defect found once: GET /customers/ + 661 x \x01 + 1300 x \x80 without a token.
 * The controls filled the line's room and every continuation byte was
 * then copied unchecked, past the end of log_write's stack buffer.
 */
Test(log, continuation_run_after_escapes_stays_in_the_line)
{
	json_t *v;
	char *path, *text;
	size_t len;

	len = strlen("/customers/") + 661 + 1300;
	path = malloc(len + 1);
	cr_assert_not_null(path);
	memcpy(path, "/customers/", 11);
	memset(path + 11, '\x01', 661);
	memset(path + 11 + 661, '\x80', 1300);
	path[len] = '\0';

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	log_request(TRACE, "GET", path, path, 401, 0.1, NULL);
	log_write(LOG_LEVEL_INFO, TRACE, path, NULL, 0);
	text = capture_end();
	cr_assert_eq(check_lines(text), 2);
	v = json_loadb(text, strchr(text, '\n') - text, 0, NULL);
	cr_assert_not_null(v);
	/* the path field is bounded and what the log kept is a prefix */
	cr_assert_leq(strlen(str(v, "path")), LOG_PATH_MAX);
	cr_assert_eq(strncmp(str(v, "path"), "/customers/\x01\x01", 13), 0);
	/* the route did not fit whole: left out, the fields after it kept */
	cr_assert_null(json_object_get(v, "route"));
	cr_assert_eq(json_integer_value(json_object_get(v, "status")), 401);
	json_decref(v);
	free(text);
	free(path);
}

/* Invalid UTF-8 becomes U+FFFD, one per byte; valid UTF-8 passes. */
Test(log, invalid_utf8_replaced)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\x80z", "a\xef\xbf\xbdz" }, { "\xc3", "\xef\xbf\xbd" },
		{ "\xc3z", "\xef\xbf\xbdz" }, { "\xc3\xa9", "\xc3\xa9" },
		{ "\xe2\x82\xac", "\xe2\x82\xac" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" }, /* U+10FFFF */
	};
	json_t *all;
	char *text;
	size_t i;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		log_info(NULL, cases[i].in);
	text = capture_end();
	all = lines(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(str(json_array_get(all, i), "message"),
		    cases[i].out, "case %zu", i);
	json_decref(all);
	free(text);
}

/* The path is cut at LOG_PATH_MAX bytes, between characters. */
Test(log, path_bounded_and_cut_between_characters)
{
	json_t *all;
	char *path, *text;
	const char *got;
	size_t i, len;

	capture_begin();
	log_init("Bee Test", LOG_LEVEL_INFO);
	for (i = 0; i < 4; i++) {
		/* é (2 bytes) after 0..3 bytes of x: every cut alignment */
		path = hostile_string("\xc3\xa9", i, 1000);
		log_request(TRACE, "GET", "unmatched", path, 404, 1.0, NULL);
		free(path);
	}
	path = hostile_string("\"", 0, 1000);
	log_request(TRACE, "GET", "unmatched", path, 404, 1.0, NULL);
	free(path);
	text = capture_end();
	all = lines(text);
	for (i = 0; i < 4; i++) {
		got = str(json_array_get(all, i), "path");
		len = strlen(got);
		cr_assert_geq(len, LOG_PATH_MAX - 1);
		cr_assert_leq(len, LOG_PATH_MAX);
		cr_assert_str_eq(got + len - 2, "\xc3\xa9");
		cr_assert_str_eq(str(json_array_get(all, i), "route"),
		    "unmatched");
	}
	/* escaped bytes count: 128 quotes take 256 */
	cr_assert_eq(strlen(str(json_array_get(all, 4), "path")),
	    LOG_PATH_MAX / 2);
	json_decref(all);
	free(text);
}
