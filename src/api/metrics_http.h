/*
 * The worker's side of the metrics store (metrics_http.c, with GET
 * /metrics): the upkeep only a running worker can do.
 */
#ifndef BEE_METRICS_HTTP_H
#define BEE_METRICS_HTTP_H

/* In each worker: its RSS into the shared store, once a second. */
void metrics_worker_start(void);

#endif
