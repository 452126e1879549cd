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
/* A persistent application/json message to exchange with key. */
void broker_publish(const char *exchange, const char *key, const char *body);

#endif
