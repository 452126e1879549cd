/*
 * A blocking AMQP 0-9-1 publisher with confirms (rabbitmq-c), for threads
 * and command-line tools, never for a worker's loop: the publisher task
 * (src/publisher.c) and scripts/resend-failed-events link it. No Kore
 * header, so it is unit-testable and usable outside the service.
 *
 * One connection, channel 1 in confirm mode, the topic exchange declared
 * durable at open. Messages go out with mandatory set and are persistent;
 * amqp_pub_confirm() waits for the broker's basic.ack of everything
 * published so far, counting basic.return (unroutable) on the way.
 *
 * (Named amqp_pub, not amqp: src/ is on the include path, and <amqp.h> is
 * rabbitmq-c's own header.)
 */
#ifndef BEE_AMQP_PUB_H
#define BEE_AMQP_PUB_H

#include <stddef.h>
#include <stdint.h>

#include <amqp.h>

#define AMQP_PUB_ERRLEN 256

struct amqp_pub {
	amqp_connection_state_t conn; /* NULL: closed */
	char exchange[256];
	uint64_t published; /* delivery tags handed out on this channel */
	uint64_t acked; /* highest tag the broker confirmed */
	uint64_t returns; /* basic.return frames seen (unroutable) */
	int failed; /* a nack, a close or an I/O error: reopen */
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
/* Publishes one message (no wait). 0, or -1 with the reason in err. */
int amqp_pub_send(struct amqp_pub *p, const struct amqp_msg *m, char *err,
    size_t errlen);
/*
 * Waits up to timeout_ms for the confirms of every message sent so far.
 * 0 when all are acked; -1 on a nack, a closed channel or connection, an
 * I/O error or the timeout (p->acked tells how far the broker got).
 */
int amqp_pub_confirm(struct amqp_pub *p, int timeout_ms, char *err,
    size_t errlen);
/* Closes (politely when the connection still works) and resets p. */
void amqp_pub_close(struct amqp_pub *p);

#endif
