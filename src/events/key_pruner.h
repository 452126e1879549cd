/*
 * The key pruner: a task thread in worker 1 that deletes the stored
 * answers of Idempotency-Keys older than IDEMPOTENCY_TTL_HOURS (migration
 * 0013), every second, on a connection of its own. See key_pruner.c.
 */
#ifndef BEE_KEY_PRUNER_H
#define BEE_KEY_PRUNER_H

/* From kore_worker_configure: starts the thread in worker 1 only. */
void key_pruner_start(void);

#endif
