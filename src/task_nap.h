/*
 * Waiting in a task thread (the outbox publisher, the history consumer):
 * a plain sleep and the doubling back-off both threads retry with.
 */
#ifndef BEE_TASK_NAP_H
#define BEE_TASK_NAP_H

#define TASK_BACKOFF_MIN_MS 1000
#define TASK_BACKOFF_MAX_MS 30000

/* Sleeps ms milliseconds. */
void task_nap(int ms);
/* Sleeps *ms, then doubles *ms up to TASK_BACKOFF_MAX_MS. */
void task_backoff(int *ms);

#endif
