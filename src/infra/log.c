/*
 * The JSON log writer. A worker must never wait on a slow reader of its
 * stderr (a full pipe would freeze every request it serves), so stderr is
 * reopened non-blocking for this process and lines queue in a bounded
 * buffer that the loop drains; a full buffer drops the line and counts it.
 * Writes end on line boundaries and stay within PIPE_BUF, so lines from
 * several workers sharing one pipe never interleave.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "infra/log.h"
#include "infra/metrics.h"
#include "model/utf8.h"

#define LOG_BUF_SIZE (256 * 1024)
#define LOG_LINE_MAX 4000
#define LOG_BATCH_BYTES (32 * 1024)
/* The most bytes the service's name or a trace id takes in a line. */
#define LOG_NAME_MAX 256

static char buf[LOG_BUF_SIZE];
static size_t buf_len;
static int log_fd = STDERR_FILENO;
static int log_min = LOG_LEVEL_INFO;
static char service[128] = "BeeConect Customer Service";
static uint64_t dropped;
static int batched;
static void (*line_hook)(const char *, size_t);

static const char *level_names[] = { "debug", "info", "warning", "error" };

static size_t json_char(const unsigned char *, size_t *, char *);
static size_t put_str(char *, size_t, const char *, size_t, int *);
static size_t put_raw(char *, size_t, const char *);
static size_t put_field(char *, size_t, const struct log_field *, int);
static void enqueue(const char *, size_t);
static void request_line(const char *, const char *, const char *, const char *,
    int, double, const char *, int);

void
log_init(const char *service_name, int min_level)
{
	struct stat st;
	int fd;

	(void)snprintf(service, sizeof(service), "%s", service_name);
	log_min = min_level;

	/*
	 * A new open file description, so that O_NONBLOCK does not leak to
	 * the other processes (or to stdout) sharing the pipe. Regular files
	 * never block and keep the shared description (O_APPEND offsets).
	 */
	if (fstat(STDERR_FILENO, &st) == -1 || S_ISREG(st.st_mode))
		return;
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd != -1) {
		log_fd = fd;
		return;
	}
	(void)fcntl(STDERR_FILENO, F_SETFL,
	    fcntl(STDERR_FILENO, F_GETFL) | O_NONBLOCK);
}

uint64_t
log_dropped(void)
{
	return (dropped);
}

void
log_flush(void)
{
	size_t chunk, off;
	ssize_t n;
	char *nl;

	off = 0;
	while (off < buf_len) {
		chunk = buf_len - off;
		if (chunk > PIPE_BUF) {
			/* the last whole line within PIPE_BUF */
			nl = memrchr(buf + off, '\n', PIPE_BUF);
			chunk = nl ? (size_t)(nl - (buf + off)) + 1 : PIPE_BUF;
		}
		n = write(log_fd, buf + off, chunk);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	if (off > 0) {
		memmove(buf, buf + off, buf_len - off);
		buf_len -= off;
	}
}

static void
enqueue(const char *line, size_t len)
{
	if (len > sizeof(buf) - buf_len) {
		log_flush();
		if (len > sizeof(buf) - buf_len) {
			dropped++;
			metrics_add(METRIC_LOG_LINES_DROPPED, 1);
			return;
		}
	}
	memcpy(buf + buf_len, line, len);
	buf_len += len;
	/*
	 * Batched (a worker): the loop's timer writes the lines in large
	 * chunks, one write for many requests; else at once.
	 */
	if (!batched || buf_len >= LOG_BATCH_BYTES)
		log_flush();
}

void
log_set_hook(void (*hook)(const char *, size_t))
{
	line_hook = hook;
}

void
log_batch(int on)
{
	batched = on;
}

void
log_write(int level, const char *trace_id, const char *message,
    const struct log_field *fields, size_t nfields)
{
	struct log_field member;
	char line[LOG_LINE_MAX + 2];
	struct timespec ts;
	struct tm tm;
	size_t len, n, i;

	if (level < log_min || level < 0 || level > LOG_LEVEL_ERROR)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);

	len = (size_t)snprintf(line, LOG_LINE_MAX,
	    "{\"timestamp\":\"%04d-%02d-%02dT"
	    "%02d:%02d:%02d.%06ldZ\",\"level\":\"%s\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000, level_names[level]);

	/*
	 * The message may be cut to fit; a field goes in whole or not at all
	 * (then the smaller ones after it still may).
	 */
	memset(&member, 0, sizeof(member));
	member.key = "service_name";
	member.str = service;
	member.cap = LOG_NAME_MAX;
	if ((n = put_field(line, len, &member, 1)) != 0)
		len = n;
	if (trace_id != NULL) {
		member.key = "trace_id";
		member.str = trace_id;
		if ((n = put_field(line, len, &member, 1)) != 0)
			len = n;
	}
	member.key = "message";
	member.str = message;
	member.cap = 0;
	if ((n = put_field(line, len, &member, 1)) != 0)
		len = n;
	for (i = 0; i < nfields; i++) {
		if ((n = put_field(line, len, &fields[i], 0)) != 0)
			len = n;
	}
	line[len++] = '}';
	if (line_hook != NULL)
		line_hook(line, len);
	line[len++] = '\n';
	enqueue(line, len);
}

void
log_request(const char *trace_id, const char *method, const char *route,
    const char *path, int status, double duration_ms, const char *customer_id)
{
	request_line(trace_id, method, route, path, status, duration_ms,
	    customer_id, 0);
}

void
log_request_cut(const char *trace_id, const char *method, const char *route,
    const char *path, int status, double duration_ms, const char *customer_id)
{
	request_line(trace_id, method, route, path, status, duration_ms,
	    customer_id, 1);
}

static void
request_line(const char *trace_id, const char *method, const char *route,
    const char *path, int status, double duration_ms, const char *customer_id,
    int cut)
{
	struct log_field f[7];
	char ms[32];
	size_t n;

	(void)snprintf(ms, sizeof(ms), "%.3f", duration_ms);
	memset(f, 0, sizeof(f));
	n = 0;
	f[n].key = "method";
	f[n++].str = method;
	f[n].key = "route";
	f[n++].str = route;
	/* the client's bytes: escaped, and never more than LOG_PATH_MAX */
	if (path != NULL) {
		f[n].key = "path";
		f[n].cap = LOG_PATH_MAX;
		f[n++].str = path;
	}
	f[n].key = "status";
	f[n++].num = status;
	f[n].key = "duration_ms";
	f[n].raw = 1;
	f[n++].str = ms;
	if (customer_id != NULL && *customer_id != '\0') {
		f[n].key = "customer_id";
		f[n++].str = customer_id;
	}
	if (cut) {
		f[n].key = "body_cut";
		f[n].raw = 1;
		f[n++].str = "true";
	}
	log_write(status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, trace_id,
	    "request", f, n);
}

/*
 * ,"key":value at line[len], within LOG_LINE_MAX; 0 when it does not fit.
 * A string value is cut to f->cap bytes; beyond that, to the room left
 * only when cut_ok (else the field does not fit).
 */
static size_t
put_field(char *line, size_t len, const struct log_field *f, int cut_ok)
{
	char num[32];
	int cut;

	cut = 0;
	if ((len = put_raw(line, len, ",")) == 0 ||
	    (len = put_str(line, len, f->key, 0, &cut)) == 0 || cut ||
	    (len = put_raw(line, len, ":")) == 0)
		return (0);
	if (f->str == NULL) {
		(void)snprintf(num, sizeof(num), "%lld", f->num);
		return (put_raw(line, len, num));
	}
	if (f->raw)
		return (put_raw(line, len, f->str));
	len = put_str(line, len, f->str, f->cap, &cut);
	return (cut && !cut_ok ? 0 : len);
}

/* s at line[len] if it fits whole: the new length, else 0. */
static size_t
put_raw(char *line, size_t len, const char *s)
{
	size_t n;

	n = strlen(s);
	if (n > LOG_LINE_MAX - len)
		return (0);
	memcpy(line + len, s, n);
	return (len + n);
}

/*
 * s as a JSON string at line[len]: escaped, each byte that is not part
 * of valid UTF-8 as \ufffd, and cut between characters to at most cap
 * bytes inside the quotes (0: no cap) and to the room left in the line
 * (then *cut is set). The new length; 0 when not even "" fits. Every
 * byte written is checked against LOG_LINE_MAX, whatever s holds.
 */
static size_t
put_str(char *line, size_t len, const char *s, size_t cap, int *cut)
{
	const unsigned char *p;
	const char *c;
	char out[8];
	size_t start, k, n;

	if (len + 2 > LOG_LINE_MAX)
		return (0);
	start = ++len;
	line[start - 1] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		/* most bytes are printable ASCII, written as they are */
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			c = (const char *)p;
			k = n = 1;
		} else {
			c = out;
			k = json_char(p, &n, out);
		}
		if (cap != 0 && len - start + k > cap)
			break;
		/* room for the character and the closing quote */
		if (len + k + 1 > LOG_LINE_MAX) {
			*cut = 1;
			break;
		}
		if (k == 1)
			line[len++] = *c;
		else {
			memcpy(line + len, c, k);
			len += k;
		}
	}
	line[len++] = '"';
	return (len);
}

/*
 * The JSON form of the character at p in out (k bytes, returned): *n
 * bytes of p. A valid UTF-8 sequence is copied whole; anything else is
 * one byte, escaped or replaced.
 */
static size_t
json_char(const unsigned char *p, size_t *n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	/* a NUL ends both the string and any sequence: strnlen is enough */
	*n = utf8_sequence(p, strnlen((const char *)p, 4));
	if (*n > 1) {
		memcpy(out, p, *n);
		return (*n);
	}
	if (*n == 0) {
		*n = 1;
		memcpy(out, "\\ufffd", 6);
		return (6);
	}
	if (*p == '"' || *p == '\\') {
		out[0] = '\\';
		out[1] = (char)*p;
		return (2);
	}
	if (*p < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[*p >> 4];
		out[5] = hex[*p & 0xf];
		return (6);
	}
	out[0] = (char)*p;
	return (1);
}
