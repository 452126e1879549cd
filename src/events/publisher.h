/*
 * The outbox publisher (design.md section 6): a task thread in worker 1
 * that sends unsent outbox rows to RABBITMQ_EXCHANGE with confirms, mirrors
 * them to Redis failed_events while the broker is unreachable, and prunes
 * sent rows. See publisher.c for how it works.
 */
#ifndef BEE_PUBLISHER_H
#define BEE_PUBLISHER_H

#include <stdint.h>

/* From kore_worker_configure: starts the thread in worker 1 only. */
void publisher_start(void);

#endif
