/*
 * Prometheus metrics counted across all workers (issue 7, design.md
 * section 7). The counters live in one anonymous shared mapping that the
 * parent creates before it forks the workers, so every worker (a respawned
 * one too) adds to the same figures and any worker can render them for
 * GET /metrics. Updates are relaxed atomic adds: a scrape may see one
 * request's counter before its histogram, never a torn value.
 *
 * No Kore header: the store and the text format are unit-tested. Every
 * function is a no-op (render: zeros) until metrics_init() succeeded, so
 * code shared with tools and unit tests may count unconditionally.
 */
#ifndef BEE_METRICS_H
#define BEE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_counter {
	METRIC_AMQP_RETURNS, /* basic.return frames (unroutable events) */
	METRIC_LOG_FORWARD_DROPPED, /* lines the log forwarder lost */
	METRIC_LOG_LINES_DROPPED, /* lines stderr could not take */
	METRIC_RATE_LIMITED, /* 429 answers of the PATCH rate limit */
	METRIC_COUNTERS
};

enum metric_gauge {
	METRIC_OUTBOX_PENDING, /* outbox rows not yet confirmed */
	METRIC_FAILED_EVENTS, /* LLEN failed_events */
	METRIC_GAUGES
};

enum metric_dep {
	METRIC_DEP_POSTGRES,
	METRIC_DEP_RABBITMQ,
	METRIC_DEP_REDIS,
	METRIC_DEPS
};

/* Worker slots for RSS: Kore's own limit on workers is 255. */
#define METRICS_WORKERS 256

/* Maps the shared region; once, in the parent. 0, or -1 (errno set). */
int metrics_init(void);
/* Unmaps it (tests). */
void metrics_reset(void);
/* In each worker (metrics_http.c): its RSS, once a second. */
void metrics_worker_start(void);

/*
 * The route templates that have a label, in the order they are rendered.
 * Returns the index of `route` (a template such as
 * "/customers/{customer_id}"), or -1 when it has none.
 */
int metrics_route_index(const char *route);
/*
 * The template of a request that never reached its handler (a failed
 * authentication check): from the name of the configured handler and the
 * request path. NULL when unknown.
 */
const char *metrics_route_of_handler(const char *func, const char *path);

/*
 * One answered request. `method` is the name ("GET"); scrapes and probes
 * (/metrics, /health, /ready) are not counted, so that counts after known
 * traffic are exact.
 */
void metrics_request(const char *route, const char *method, int status,
    uint64_t duration_us, size_t request_bytes, size_t response_bytes);
void metrics_add(enum metric_counter m, uint64_t n);
/* A gauge's value; < 0 renders NaN (unknown: the last refresh failed). */
void metrics_gauge(enum metric_gauge g, int64_t value);
/* This worker's resident set size. */
void metrics_rss(unsigned int worker_id, uint64_t bytes);

/*
 * The Prometheus text format (version 0.0.4) of every metric, with the
 * dependency gauges given by the caller (-1: not configured, omitted).
 * A malloc'd string the caller frees; NULL when out of memory.
 */
char *metrics_render(const int deps_up[METRIC_DEPS], size_t *len);

#endif
