/*
 * The life of a task thread (the outbox publisher, the history consumer):
 * started once, on the first worker; a plain sleep and the doubling
 * back-off both threads retry with.
 */
#ifndef BEE_TASK_THREAD_H
#define BEE_TASK_THREAD_H

struct kore_task;

#define TASK_BACKOFF_MIN_MS 1000
#define TASK_BACKOFF_MAX_MS 30000

/*
 * On worker 1 only (one thread for the whole service): task runs run in
 * a thread of its own, with task_log's timer started. task is static.
 */
void task_thread_start(struct kore_task *task, int (*run)(struct kore_task *));
/* Sleeps ms milliseconds. */
void task_nap(int ms);
/* Sleeps *ms, then doubles *ms up to TASK_BACKOFF_MAX_MS. */
void task_backoff(int *ms);

#endif
