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

#include "log.h"
#include "metrics.h"

#define LOG_BUF_SIZE (256 * 1024)
#define LOG_LINE_MAX 4000
#define LOG_BATCH_BYTES (32 * 1024)

static char buf[LOG_BUF_SIZE];
static size_t buf_len;
static int log_fd = STDERR_FILENO;
static int log_min = LOG_LEVEL_INFO;
static char service[128] = "BeeConect Customer Service";
static uint64_t dropped;
static int batched;
static void (*line_hook)(const char *, size_t);

static const char *level_names[] = { "debug", "info", "warning", "error" };

static size_t put_str(char *, size_t, size_t, const char *);
static size_t put_raw(char *, size_t, size_t, const char *);
static size_t put_field(char *, size_t, const struct log_field *);
static void enqueue(const char *, size_t);

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
	char line[LOG_LINE_MAX + 2], field[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t len, flen, i;
	int n;

	if (level < log_min || level < 0 || level > LOG_LEVEL_ERROR)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);

	n = snprintf(line, LOG_LINE_MAX,
	    "{\"timestamp\":\"%04d-%02d-%02dT"
	    "%02d:%02d:%02d.%06ldZ\",\"level\":\"%s\",\"service_name\":",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000, level_names[level]);
	len = (size_t)n;
	len = put_str(line, len, LOG_LINE_MAX, service);
	if (trace_id != NULL) {
		len = put_raw(line, len, LOG_LINE_MAX, ",\"trace_id\":");
		len = put_str(line, len, LOG_LINE_MAX, trace_id);
	}
	len = put_raw(line, len, LOG_LINE_MAX, ",\"message\":");
	len = put_str(line, len, LOG_LINE_MAX, message);

	/* A field goes in whole or not at all: the line stays valid JSON. */
	for (i = 0; i < nfields; i++) {
		flen = put_field(field, sizeof(field), &fields[i]);
		if (flen == 0 || len + flen > LOG_LINE_MAX)
			break;
		memcpy(line + len, field, flen);
		len += flen;
	}
	if (len > LOG_LINE_MAX)
		len = LOG_LINE_MAX;
	line[len++] = '}';
	if (line_hook != NULL)
		line_hook(line, len);
	line[len++] = '\n';
	enqueue(line, len);
}

void
log_request(const char *trace_id, const char *method, const char *route,
    int status, double duration_ms, const char *customer_id)
{
	struct log_field f[5];
	char ms[32];
	size_t n;

	(void)snprintf(ms, sizeof(ms), "%.3f", duration_ms);
	memset(f, 0, sizeof(f));
	n = 0;
	f[n].key = "method";
	f[n++].str = method;
	f[n].key = "route";
	f[n++].str = route;
	f[n].key = "status";
	f[n++].num = status;
	f[n].key = "duration_ms";
	f[n].raw = 1;
	f[n++].str = ms;
	if (customer_id != NULL && *customer_id != '\0') {
		f[n].key = "customer_id";
		f[n++].str = customer_id;
	}
	log_write(status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, trace_id,
	    "request", f, n);
}

/* ,"key":value into out; 0 when it does not fit. */
static size_t
put_field(char *out, size_t max, const struct log_field *f)
{
	size_t len;
	int n;

	len = 0;
	out[len++] = ',';
	len = put_str(out, len, max, f->key);
	if (len + 2 >= max)
		return (0);
	out[len++] = ':';
	if (f->str != NULL && f->raw)
		len = put_raw(out, len, max, f->str);
	else if (f->str != NULL)
		len = put_str(out, len, max, f->str);
	else {
		n = snprintf(out + len, max - len, "%lld", f->num);
		if (n < 0 || (size_t)n >= max - len)
			return (0);
		len += (size_t)n;
	}
	return (len + 2 < max ? len : 0);
}

static size_t
put_raw(char *line, size_t len, size_t max, const char *s)
{
	size_t n;

	n = strlen(s);
	if (len + n >= max)
		return (len);
	memcpy(line + len, s, n);
	return (len + n);
}

/*
 * Appends s as a JSON string at line[len], escaped, truncated to fit
 * within max (quotes included). Returns the new length.
 */
static size_t
put_str(char *line, size_t len, size_t max, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	if (len + 2 >= max)
		return (len);
	line[len++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		/*
		 * Room for the longest escape and the closing quote; a UTF-8
		 * lead byte reserves its whole sequence, so that a sequence
		 * is never cut in two.
		 */
		if ((*p & 0xc0) != 0x80 &&
		    len + 7 +
			    (*p >= 0xf0	       ? 3 :
				    *p >= 0xe0 ? 2 :
				    *p >= 0xc0 ? 1 :
						 0) >=
			max)
			break;
		if (*p == '"' || *p == '\\') {
			line[len++] = '\\';
			line[len++] = (char)*p;
		} else if (*p < 0x20) {
			line[len++] = '\\';
			line[len++] = 'u';
			line[len++] = '0';
			line[len++] = '0';
			line[len++] = hex[*p >> 4];
			line[len++] = hex[*p & 0xf];
		} else {
			line[len++] = (char)*p;
		}
	}
	line[len++] = '"';
	return (len);
}
