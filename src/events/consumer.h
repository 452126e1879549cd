/*
 * The history consumer (design.md section 6, "In"): a task thread in
 * worker 1 that applies the orders and scheduling teams' events to
 * customer_orders / customer_appointments and the customers' stats. See
 * consumer.c for how it works.
 */
#ifndef BEE_CONSUMER_H
#define BEE_CONSUMER_H

/* From kore_worker_configure: starts the thread in worker 1 only. */
void consumer_start(void);

#endif
