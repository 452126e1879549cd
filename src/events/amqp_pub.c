/*
 * Blocking AMQP publisher with confirms (see amqp_pub.h). Every call is
 * bounded: the TCP connect and the handshake by the open timeout, RPCs by
 * the same timeout (amqp_set_rpc_timeout), confirms by the caller's. A
 * blocked broker (connection.blocked, a full socket) turns into a confirm
 * timeout, and the caller reopens.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#include "events/amqp_pub.h"
#include "infra/monotime.h"

#define CHANNEL 1

static int fail(struct amqp_pub *, char *, size_t, const char *, const char *);
static int rpc_ok(struct amqp_pub *, const char *, char *, size_t);
static void tv_ms(struct timeval *, int);
static int frame_wait(struct amqp_pub *, struct timeval *, char *, size_t);
static int connect_login(struct amqp_pub *, const char *, const char *, int,
    char *, size_t);

static int
fail(struct amqp_pub *p, char *err, size_t errlen, const char *what,
    const char *why)
{
	p->failed = 1;
	(void)snprintf(err, errlen, "%s: %s", what, why);
	return (-1);
}

static void
tv_ms(struct timeval *tv, int ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* The last RPC's reply: 1 when normal, else 0 with the reason in err. */
static int
rpc_ok(struct amqp_pub *p, const char *what, char *err, size_t errlen)
{
	amqp_rpc_reply_t r;
	char why[128];

	r = amqp_get_rpc_reply(p->conn);
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return (1);
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		(void)fail(p, err, errlen, what,
		    amqp_error_string2(r.library_error));
		return (0);
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			amqp_connection_close_t *c = r.reply.decoded;

			(void)snprintf(why, sizeof(why),
			    "connection closed %u %.*s", c->reply_code,
			    (int)c->reply_text.len,
			    (const char *)c->reply_text.bytes);
		} else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_channel_close_t *c = r.reply.decoded;

			(void)snprintf(why, sizeof(why),
			    "channel closed %u %.*s", c->reply_code,
			    (int)c->reply_text.len,
			    (const char *)c->reply_text.bytes);
		} else
			(void)snprintf(why, sizeof(why), "server method %08x",
			    r.reply.id);
		(void)fail(p, err, errlen, what, why);
		return (0);
	default:
		(void)fail(p, err, errlen, what, "no reply");
		return (0);
	}
}

/*
 * Connects, logs in and opens channel 1 (shared with the history consumer,
 * src/events/consumer.c). 0 with *out set, or -1 with the reason in err.
 */
int
amqp_pub_connect(amqp_connection_state_t *out, const char *url,
    const char *address, int timeout_ms, char *err, size_t errlen)
{
	struct amqp_pub p;

	memset(&p, 0, sizeof(p));
	*out = NULL;
	if (connect_login(&p, url, address, timeout_ms, err, errlen) == -1)
		return (-1);
	*out = p.conn;
	return (0);
}

/* amqp_pub_connect's work on p: p->conn is NULL on a failure. */
static int
connect_login(struct amqp_pub *p, const char *url, const char *address,
    int timeout_ms, char *err, size_t errlen)
{
	struct amqp_connection_info ci;
	amqp_socket_t *sock;
	struct timeval tv;
	char *copy;
	int rc;

	if ((copy = strdup(url)) == NULL)
		return (fail(p, err, errlen, "open", "out of memory"));
	amqp_default_connection_info(&ci);
	if (amqp_parse_url(copy, &ci) != AMQP_STATUS_OK) {
		free(copy);
		return (fail(p, err, errlen, "RABBITMQ_URL", "not parsed"));
	}
	/* "amqp://host/" names the default vhost, as the Python clients
	 * read it; amqp_parse_url leaves it empty (encoded: %2f) */
	if (ci.vhost == NULL || *ci.vhost == '\0')
		ci.vhost = "/";
	if ((p->conn = amqp_new_connection()) == NULL ||
	    (sock = amqp_tcp_socket_new(p->conn)) == NULL) {
		free(copy);
		amqp_pub_close(p);
		return (fail(p, err, errlen, "open", "out of memory"));
	}
	tv_ms(&tv, timeout_ms);
	(void)amqp_set_handshake_timeout(p->conn, &tv);
	(void)amqp_set_rpc_timeout(p->conn, &tv);
	rc = amqp_socket_open_noblock(sock,
	    address != NULL && *address != '\0' ? address : ci.host, ci.port,
	    &tv);
	if (rc != AMQP_STATUS_OK) {
		free(copy);
		(void)fail(p, err, errlen, "connect", amqp_error_string2(rc));
		amqp_pub_close(p);
		return (-1);
	}
	{
		amqp_rpc_reply_t r = amqp_login(p->conn, ci.vhost, 0, 131072, 0,
		    AMQP_SASL_METHOD_PLAIN, ci.user, ci.password);

		free(copy);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			(void)fail(p, err, errlen, "login",
			    r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ?
				amqp_error_string2(r.library_error) :
				"refused");
			amqp_pub_close(p);
			return (-1);
		}
	}
	(void)amqp_channel_open(p->conn, CHANNEL);
	if (!rpc_ok(p, "channel.open", err, errlen)) {
		amqp_pub_close(p);
		return (-1);
	}
	return (0);
}

int
amqp_pub_open(struct amqp_pub *p, const char *url, const char *address,
    const char *exchange, int timeout_ms, char *err, size_t errlen)
{
	size_t len;

	memset(p, 0, sizeof(*p));
	len = strlen(exchange);
	if (len >= sizeof(p->exchange))
		return (fail(p, err, errlen, "exchange", "name too long"));
	memcpy(p->exchange, exchange, len + 1);
	confirms_begin(&p->confirms, 1);
	if (connect_login(p, url, address, timeout_ms, err, errlen) == -1)
		return (-1);
	(void)amqp_confirm_select(p->conn, CHANNEL);
	if (!rpc_ok(p, "confirm.select", err, errlen))
		goto bad;
	(void)amqp_exchange_declare(p->conn, CHANNEL,
	    amqp_cstring_bytes(p->exchange), amqp_cstring_bytes("topic"), 0, 1,
	    0, 0, amqp_empty_table);
	if (!rpc_ok(p, "exchange.declare", err, errlen))
		goto bad;
	p->failed = 0;
	return (0);
bad:
	amqp_pub_close(p);
	p->failed = 1;
	return (-1);
}

int
amqp_pub_send(struct amqp_pub *p, const struct amqp_msg *m, char *err,
    size_t errlen)
{
	amqp_basic_properties_t props;
	amqp_table_entry_t hdr;
	amqp_bytes_t body;
	int rc;

	if (p->confirmed) {
		confirms_begin(&p->confirms, p->published + 1);
		p->confirmed = 0;
	}
	if (p->conn == NULL || p->failed)
		return (fail(p, err, errlen, "publish", "not connected"));
	if (p->confirms.n == CONFIRMS_MAX) {
		(void)snprintf(err, errlen, "publish: %d messages unconfirmed",
		    CONFIRMS_MAX);
		return (-1);
	}
	memset(&props, 0, sizeof(props));
	props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG |
	    AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
	    AMQP_BASIC_TIMESTAMP_FLAG;
	props.content_type = amqp_cstring_bytes("application/json");
	props.delivery_mode = 2; /* persistent */
	props.message_id = amqp_cstring_bytes(m->message_id);
	props.timestamp = m->timestamp;
	if (m->trace_id != NULL) {
		hdr.key = amqp_cstring_bytes("trace_id");
		hdr.value.kind = AMQP_FIELD_KIND_UTF8;
		hdr.value.value.bytes = amqp_cstring_bytes(m->trace_id);
		props.headers.num_entries = 1;
		props.headers.entries = &hdr;
		props._flags |= AMQP_BASIC_HEADERS_FLAG;
	}
	body.bytes = (void *)(uintptr_t)m->body;
	body.len = m->body_len;
	rc = amqp_basic_publish(p->conn, CHANNEL,
	    amqp_cstring_bytes(p->exchange), amqp_cstring_bytes(m->routing_key),
	    1, 0, &props, body);
	if (rc != AMQP_STATUS_OK)
		return (
		    fail(p, err, errlen, "publish", amqp_error_string2(rc)));
	p->published++;
	(void)confirms_add(&p->confirms); /* room checked above */
	return (0);
}

/*
 * One frame within the time left in *tv; handles it. 0 when handled,
 * -1 on a failure (err set).
 */
static int
frame_wait(struct amqp_pub *p, struct timeval *tv, char *err, size_t errlen)
{
	amqp_frame_t f;
	amqp_message_t msg;
	amqp_rpc_reply_t r;
	int rc;

	amqp_maybe_release_buffers(p->conn);
	rc = amqp_simple_wait_frame_noblock(p->conn, &f, tv);
	if (rc == AMQP_STATUS_TIMEOUT)
		return (fail(p, err, errlen, "confirm", "timed out"));
	if (rc != AMQP_STATUS_OK)
		return (
		    fail(p, err, errlen, "confirm", amqp_error_string2(rc)));
	if (f.frame_type != AMQP_FRAME_METHOD)
		return (0); /* heartbeats and strays */
	switch (f.payload.method.id) {
	case AMQP_BASIC_ACK_METHOD: {
		amqp_basic_ack_t *a = f.payload.method.decoded;

		if (confirms_frame(&p->confirms, a->delivery_tag, a->multiple,
			0) == -1)
			return (fail(p, err, errlen, "confirm", "unknown tag"));
		return (0);
	}
	case AMQP_BASIC_NACK_METHOD: {
		amqp_basic_nack_t *a = f.payload.method.decoded;

		if (confirms_frame(&p->confirms, a->delivery_tag, a->multiple,
			1) == -1)
			return (fail(p, err, errlen, "confirm", "unknown tag"));
		return (0);
	}
	case AMQP_BASIC_RETURN_METHOD:
		/* unroutable: its content follows, then the ack */
		p->returns++;
		r = amqp_read_message(p->conn, f.channel, &msg, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			return (fail(p, err, errlen, "return", "unreadable"));
		amqp_destroy_message(&msg);
		return (0);
	case AMQP_CHANNEL_CLOSE_METHOD:
		return (fail(p, err, errlen, "confirm", "channel closed"));
	case AMQP_CONNECTION_CLOSE_METHOD:
		return (fail(p, err, errlen, "confirm", "connection closed"));
	default:
		return (0); /* connection.blocked/unblocked and the like */
	}
}

int
amqp_pub_confirm(struct amqp_pub *p, int timeout_ms, char *err, size_t errlen)
{
	struct timeval left;
	long long start, ms;

	p->confirmed = 1; /* its outcome stays readable until the next send */
	if (p->conn == NULL || p->failed)
		return (fail(p, err, errlen, "confirm", "not connected"));
	start = monotime_ms();
	while (p->confirms.pending > 0) {
		ms = monotime_ms() - start;
		if (ms >= timeout_ms)
			return (fail(p, err, errlen, "confirm", "timed out"));
		tv_ms(&left, (int)(timeout_ms - ms));
		if (frame_wait(p, &left, err, errlen) == -1)
			return (-1);
	}
	if (p->confirms.nacked > 0) {
		(void)snprintf(err, errlen, "confirm: %zu of %zu nacked",
		    p->confirms.nacked, p->confirms.n);
		return ((int)p->confirms.nacked);
	}
	return (0);
}

int
amqp_pub_acked(const struct amqp_pub *p, size_t i)
{
	return (confirms_get(&p->confirms, i) == CONFIRM_ACK);
}

void
amqp_pub_close(struct amqp_pub *p)
{
	if (p->conn == NULL)
		return;
	if (!p->failed) {
		(void)amqp_channel_close(p->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		(void)amqp_connection_close(p->conn, AMQP_REPLY_SUCCESS);
	}
	(void)amqp_destroy_connection(p->conn);
	p->conn = NULL;
	p->failed = 1;
}
