/*
 * Graceful drain on SIGTERM and SIGINT (src/http/drain.c): the module's
 * own signal handlers in place of Kore's stop-at-once.
 */
#ifndef BEE_DRAIN_H
#define BEE_DRAIN_H

struct connection;

/* In each worker, from kore_worker_configure. */
void drain_start(void);
/* In the parent, from kore_parent_configure. */
void drain_parent_start(void);
/* A stop signal came: /ready answers 503 "draining". */
int drain_active(void);
/* While draining, the response about to be built closes its connection. */
void drain_reply_closes(struct connection *);

#endif
