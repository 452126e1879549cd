/*
 * The history consumer's queues as HISTORY_QUEUE_TYPE says: quorum queues
 * (x-queue-type quorum, replicated over a cluster, a poison message
 * dead-lettered after HISTORY_DELIVERY_LIMIT deliveries) or classic ones,
 * for brokers before 3.8. Apart from consumer.c so the arguments, and what
 * a broker's refusal of them means, are in one place.
 */
#ifndef BEE_HISTORY_QUEUE_H
#define BEE_HISTORY_QUEUE_H

#include <stddef.h>

#include <amqp.h>

#define HISTORY_QUEUE_MISMATCH (-2)

/*
 * Declares the durable queue `name` on `channel`, dead-lettering to `dlx`
 * when not NULL. 0; -1 with the reason in err; HISTORY_QUEUE_MISMATCH when
 * the broker refused (406 PRECONDITION_FAILED: a queue of that name
 * exists with other arguments, a classic one declared before, say), with
 * the broker's words and the way out in err. The channel is closed then.
 */
int history_queue_declare(amqp_connection_state_t, int channel,
    const char *name, const char *dlx, char *err, size_t errlen);

#endif
