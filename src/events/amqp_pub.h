/*
 * A blocking AMQP 0-9-1 publisher with confirms (rabbitmq-c), for threads
 * and command-line tools, never for a worker's loop: the publisher task
 * (src/events/publisher.c) and scripts/resend-failed-events link it. No Kore
 * header, so it is unit-testable and usable outside the service.
 *
 * One connection, channel 1 in confirm mode, the topic exchange declared
 * durable at open. Messages go out with mandatory set and are persistent.
 * The messages sent since the last amqp_pub_confirm() form a batch:
 * amqp_pub_confirm() waits until every one of them has its own basic.ack
 * or basic.nack (confirms.h: in any order, single or multiple), counting
 * basic.return (unroutable, then acked) on the way; amqp_pub_acked()
 * then tells which messages the broker took.
 *
 * (Named amqp_pub, not amqp: src/ is on the include path, and <amqp.h> is
 * rabbitmq-c's own header.)
 */
#ifndef BEE_AMQP_PUB_H
#define BEE_AMQP_PUB_H

#include <stddef.h>
#include <stdint.h>

#include <amqp.h>

#include "events/confirms.h"

#define AMQP_PUB_ERRLEN 256

struct amqp_pub {
	amqp_connection_state_t conn; /* NULL: closed */
	char exchange[256];
	uint64_t published; /* delivery tags handed out on this channel */
	struct confirms confirms; /* of the current batch */
	int confirmed; /* amqp_pub_confirm ran: the next send starts a batch */
	uint64_t returns; /* basic.return frames seen (unroutable) */
	int failed; /* a close, an I/O error or a timeout: reopen */
};

struct amqp_msg {
	const char *routing_key;
	const char *body; /* JSON text */
	size_t body_len;
	const char *message_id;
	uint64_t timestamp; /* seconds since the epoch */
	const char *trace_id; /* header trace_id; NULL: none */
};

/*
 * Connects to `url` (amqp://user:pw@host:port/vhost), at `address` instead
 * of the URL's host when not NULL or empty (the workers cannot resolve
 * names), within timeout_ms; logs in, opens channel 1, selects confirms and
 * declares `exchange` (topic, durable). 0, or -1 with the reason in err.
 */
int amqp_pub_open(struct amqp_pub *p, const char *url, const char *address,
    const char *exchange, int timeout_ms, char *err, size_t errlen);
/*
 * The connection alone, for other AMQP clients (the history consumer):
 * connected and logged in as amqp_pub_open does, with channel 1 open and
 * nothing else set up. The caller owns *out (amqp_destroy_connection).
 */
int amqp_pub_connect(amqp_connection_state_t *out, const char *url,
    const char *address, int timeout_ms, char *err, size_t errlen);
/*
 * Publishes one message (no wait), the next of the batch. 0, or -1 with
 * the reason in err (CONFIRMS_MAX messages wait already, among others).
 */
int amqp_pub_send(struct amqp_pub *p, const struct amqp_msg *m, char *err,
    size_t errlen);
/*
 * Waits up to timeout_ms until every message of the batch is acked or
 * nacked. 0 when all are acked; the number nacked (> 0, err says so) when
 * all are settled; -1 on a closed channel or connection, an I/O error or
 * the timeout, with some perhaps still pending (p must be reopened). In
 * every case amqp_pub_acked() tells which messages the broker took.
 */
int amqp_pub_confirm(struct amqp_pub *p, int timeout_ms, char *err,
    size_t errlen);
/* 1 when the i-th message (0-based) of the last batch was acked. */
int amqp_pub_acked(const struct amqp_pub *p, size_t i);
/* Closes (politely when the connection still works) and resets p. */
void amqp_pub_close(struct amqp_pub *p);

#endif
