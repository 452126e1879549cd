/*
 * Log lines from task threads (the outbox publisher, the history
 * consumer). log.c is not thread-safe, so a thread queues its lines under
 * a mutex and a timer on worker's loop writes them with log_write.
 */
#ifndef BEE_TASK_LOG_H
#define BEE_TASK_LOG_H

/* Worker side, before starting a thread: the draining timer (once). */
void task_log_start(void);
/*
 * Thread side: queue a line with an optional "error" field (detail, NULL
 * for none) and "count" (-1 for none); dropped when the queue is full.
 */
void task_log(int level, const char *message, const char *detail,
    long long count);
/*
 * Worker side: writes the queued lines now (the drain, before its last
 * line: a thread's stop line comes before "drained").
 */
void task_log_flush(void);

#endif
