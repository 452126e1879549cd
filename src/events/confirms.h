/*
 * Publisher-confirm bookkeeping for one batch of AMQP publishes, per
 * delivery tag. RabbitMQ confirms in any order: an unroutable message at
 * once, a persistent or quorum-queue one after its write, a full
 * reject-publish queue with a nack. A basic.ack or basic.nack with
 * multiple=0 settles its own tag only; with multiple=1 it settles every
 * tag of the batch up to and including its own that is still pending (a
 * tag of 0 with multiple=1: all of them). The batch is complete once
 * every tag has an ack or a nack, and only an acked message was taken by
 * the broker. Pure C, no rabbitmq-c (tests/unit/test_confirms.c).
 */
#ifndef BEE_CONFIRMS_H
#define BEE_CONFIRMS_H

#include <stddef.h>
#include <stdint.h>

/* At most this many messages wait for their confirms at a time. */
#define CONFIRMS_MAX 1024

enum confirm { CONFIRM_PENDING, CONFIRM_ACK, CONFIRM_NACK };

struct confirms {
	uint64_t first; /* delivery tag of state[0]; 0: no batch yet */
	size_t n; /* messages published in this batch */
	size_t pending; /* of them, neither acked nor nacked */
	size_t nacked;
	unsigned char state[CONFIRMS_MAX]; /* enum confirm */
};

/* A new, empty batch whose first message will get delivery tag `first`. */
void confirms_begin(struct confirms *c, uint64_t first);
/* The next message of the batch was published: 0, or -1 when full. */
int confirms_add(struct confirms *c);
/*
 * A basic.ack (nack = 0) or basic.nack (nack = 1) frame. Tags before the
 * batch, and tags already settled, are left alone (the first word
 * stands). 0, or -1 when the frame names a tag the batch never published
 * (a broker out of step: the channel should be dropped).
 */
int confirms_frame(struct confirms *c, uint64_t tag, int multiple, int nack);
/* The confirm of the i-th message of the batch (0-based). */
enum confirm confirms_get(const struct confirms *c, size_t i);

#endif
