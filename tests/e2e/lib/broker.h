/*
 * RabbitMQ at RABBITMQ_URL for the fault tests: a connection with channel
 * 1 open, a queue's counters, a persistent publish. Every function asserts
 * with Criterion (main thread only).
 */
#ifndef E2E_BROKER_H
#define E2E_BROKER_H

#include <amqp.h>

amqp_connection_state_t broker_open(void);
void broker_close(amqp_connection_state_t);
/*
 * The ready messages and consumers of a queue, on a connection of its
 * own; 0 when the queue does not exist (yet), 1 otherwise.
 */
int broker_queue_counts(const char *queue, long *messages, long *consumers);
/* Polls until the queue has n consumers: 1, or 0 after ms. */
int broker_wait_consumers(const char *queue, long n, int ms);
/*
 * Polls until the queue's counters are (messages, consumers), consumers
 * < 0 for any number: 1, or 0 after ms.
 */
int broker_wait_queue(const char *queue, long messages, long consumers, int ms);
/*
 * The consumer is done (within 10 s queue has no ready message and one
 * consumer) and nothing was dead-lettered (dlq is empty); fails the test
 * otherwise.
 */
void broker_expect_consumed(const char *queue, const char *dlq);
/*
 * exchange.declare of name as a durable exchange of type, passive or
 * not, on a connection of its own: 0 when the broker accepts, else the
 * reply code of the channel it closed (404 NOT_FOUND for a passive
 * declare of a missing one, 406 PRECONDITION_FAILED for other arguments).
 */
int broker_exchange_declare(const char *name, const char *type, int passive);
/* A persistent application/json message to exchange with key. */
void broker_publish(const char *exchange, const char *key, const char *body);
/*
 * A tap on an exchange (declared, topic, durable): a server-named
 * durable queue bound with "#", deleted with its consumer, consumed
 * without acks on the connection returned (broker_close).
 */
amqp_connection_state_t broker_tap(const char *exchange);
/*
 * The next message of a tap: its message_id in id ("" for none), 1; 0
 * when none came within ms.
 */
int broker_tap_next(amqp_connection_state_t, char *id, size_t len, int ms);

#endif
