/*
 * The life of a task thread (the outbox publisher, the history consumer):
 * started once, on the first worker; a plain sleep and the doubling
 * back-off both threads retry with; and their stop when the worker
 * drains (http/drain.c asks, each thread notices at its next wait or
 * between two units of work, and the drain waits until they returned).
 */
#ifndef BEE_TASK_THREAD_H
#define BEE_TASK_THREAD_H

#include <stddef.h>

struct kore_task;

#define TASK_BACKOFF_MIN_MS 1000
#define TASK_BACKOFF_MAX_MS 30000
/*
 * The threads worker 1 starts here: the publisher, the consumer, the GIN
 * cleaner and the key pruner (the config's task_threads must hold them,
 * and the log forwarder: service.c checks it at start-up).
 */
#define TASK_THREADS_WORKER1 4
#define TASK_THREADS_MAX 6 /* with room */
/* How soon a waiting thread notices task_threads_stop. */
#define TASK_STOP_TICK_MS 50

/*
 * On worker 1 only (one thread for the whole service): task runs run in
 * a thread of its own, with task_log's timer started. task is static;
 * name says which thread in the drain's log ("publisher", "consumer").
 */
void task_thread_start(struct kore_task *task, int (*run)(struct kore_task *),
    const char *name);
/* Sleeps ms milliseconds, or less once the threads are asked to stop. */
void task_nap(int ms);
/* task_nap(*ms), then doubles *ms up to TASK_BACKOFF_MAX_MS. */
void task_backoff(int *ms);
/* Thread side: the worker drains; finish the unit in hand and return. */
int task_stopping(void);

/* Worker side (the drain): asks every thread of this worker to stop. */
void task_threads_stop(void);
/*
 * Worker side: how many of this worker's threads still run, their names
 * in names (up to max of them).
 */
size_t task_threads_running(const char **names, size_t max);

#endif
