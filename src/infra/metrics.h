/*
 * Prometheus metrics counted across all workers (docs/operations.md,
 * metrics). The counters live in one anonymous shared mapping that the
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

/*
 * The slot of `route`, a template of the route table
 * (model/route_table.h) such as "/customers/{customer_id}", in the order
 * the labels are rendered; -1 when the table does not have it.
 */
int metrics_route_index(const char *route);

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
 * An allocated string the caller frees.
 */
char *metrics_render(const int deps_up[METRIC_DEPS], size_t *len);

#endif
