/*
 * Structured logs: one JSON object per line on stderr, written without
 * ever blocking the worker's loop (a bounded buffer; lines that do not fit
 * are dropped and counted). Kore's own lines stay on stdout. Every line is
 * valid JSON and UTF-8 whatever bytes its strings hold (invalid UTF-8 is
 * logged as U+FFFD) and at most 4000 bytes long.
 */
#ifndef BEE_LOG_H
#define BEE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "infra/settings.h"

struct log_field {
	const char *key;
	const char *str; /* a JSON string, or ... */
	long long num; /* ... this number when str is NULL */
	int raw; /* str is JSON already (a decimal) */
	size_t cap; /* at most this many bytes of str in the line; 0: any */
};

/* The most bytes of a request's raw path in its log line (escaped). */
#define LOG_PATH_MAX 256

/* In each process that logs: stderr made non-blocking for this process. */
void log_init(const char *service_name, int min_level);
void log_flush(void);
/* Lines wait for log_flush (a timer) instead of one write each. */
void log_batch(int on);
void log_write(int level, const char *trace_id, const char *message,
    const struct log_field *fields, size_t nfields);
/*
 * The line of a finished request: route is its template, path the raw
 * path the client sent (escaped, cut to LOG_PATH_MAX; NULL: none).
 */
void log_request(const char *trace_id, const char *method, const char *route,
    const char *path, int status, double duration_ms, const char *customer_id);
/*
 * The same for a response that failed after its headers went out (a
 * streamed body, src/http/stream.c): status is the error the client could not
 * be told, and the line says "body_cut":true.
 */
void log_request_cut(const char *trace_id, const char *method,
    const char *route, const char *path, int status, double duration_ms,
    const char *customer_id);
uint64_t log_dropped(void);
/*
 * Called with every finished line (without its newline) as it is
 * written, in the writing thread; NULL removes it (src/infra/logfwd.c).
 */
void log_set_hook(void (*hook)(const char *line, size_t len));

#define log_info(trace, msg) log_write(LOG_LEVEL_INFO, trace, msg, NULL, 0)
#define log_warn(trace, msg) log_write(LOG_LEVEL_WARNING, trace, msg, NULL, 0)
#define log_error(trace, msg) log_write(LOG_LEVEL_ERROR, trace, msg, NULL, 0)

#endif
