/*
 * RabbitMQ for the fault tests (see broker.h), with rabbitmq-c's blocking
 * API.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <criterion/criterion.h>

#include "broker.h"
#include "instance.h"

amqp_connection_state_t
broker_open(void)
{
	struct amqp_connection_info ci;
	amqp_connection_state_t c;
	amqp_rpc_reply_t r;
	const char *env;
	char *url;

	env = getenv("RABBITMQ_URL");
	cr_assert(env != NULL && *env != '\0', "RABBITMQ_URL not set");
	url = strdup(env);
	cr_assert_not_null(url);
	cr_assert_eq(amqp_parse_url(url, &ci), AMQP_STATUS_OK, "RABBITMQ_URL");
	if (ci.vhost == NULL || *ci.vhost == '\0')
		ci.vhost = "/";
	c = amqp_new_connection();
	cr_assert_eq(amqp_socket_open(amqp_tcp_socket_new(c), ci.host, ci.port),
	    AMQP_STATUS_OK, "cannot reach RabbitMQ at %s", env);
	r = amqp_login(c, ci.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
	    ci.user, ci.password);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "amqp login");
	free(url);
	amqp_channel_open(c, 1);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "channel.open");
	return (c);
}

void
broker_close(amqp_connection_state_t c)
{
	(void)amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	(void)amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	(void)amqp_destroy_connection(c);
}

int
broker_exchange_declare(const char *name, const char *type, int passive)
{
	amqp_connection_state_t c;
	amqp_rpc_reply_t r;
	int code;

	c = broker_open();
	(void)amqp_exchange_declare(c, 1, amqp_cstring_bytes(name),
	    amqp_cstring_bytes(type), passive, 1, 0, 0, amqp_empty_table);
	r = amqp_get_rpc_reply(c);
	if (r.reply_type == AMQP_RESPONSE_NORMAL) {
		broker_close(c);
		return (0);
	}
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_SERVER_EXCEPTION,
	    "exchange.declare %s: no reply", name);
	cr_assert_eq(r.reply.id, AMQP_CHANNEL_CLOSE_METHOD);
	code = ((amqp_channel_close_t *)r.reply.decoded)->reply_code;
	(void)amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	(void)amqp_destroy_connection(c);
	return (code);
}

int
broker_queue_counts(const char *queue, long *messages, long *consumers)
{
	amqp_connection_state_t c;
	amqp_queue_declare_ok_t *ok;

	c = broker_open();
	/* passive: a missing queue closes the channel (404), nothing else */
	ok = amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 1, 0, 0, 0,
	    amqp_empty_table);
	if (ok == NULL) {
		(void)amqp_connection_close(c, AMQP_REPLY_SUCCESS);
		(void)amqp_destroy_connection(c);
		return (0);
	}
	*messages = (long)ok->message_count;
	*consumers = (long)ok->consumer_count;
	broker_close(c);
	return (1);
}

int
broker_wait_consumers(const char *queue, long n, int ms)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	long deadline, m, c;

	deadline = instance_now_ms() + ms;
	do {
		if (broker_queue_counts(queue, &m, &c) && c == n)
			return (1);
		(void)nanosleep(&nap, NULL);
	} while (instance_now_ms() < deadline);
	return (0);
}

int
broker_wait_queue(const char *queue, long messages, long consumers, int ms)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	long deadline, m, c;

	deadline = instance_now_ms() + ms;
	do {
		if (broker_queue_counts(queue, &m, &c) && m == messages &&
		    (consumers < 0 || c == consumers))
			return (1);
		(void)nanosleep(&nap, NULL);
	} while (instance_now_ms() < deadline);
	return (0);
}

void
broker_expect_consumed(const char *queue, const char *dlq)
{
	long m, c;

	cr_assert(broker_wait_queue(queue, 0, 1, 10000), "%s not consumed",
	    queue);
	cr_assert(broker_queue_counts(dlq, &m, &c), "%s missing", dlq);
	cr_assert_eq(m, 0, "%ld message(s) dead-lettered", m);
}

void
broker_publish(const char *exchange, const char *key, const char *body)
{
	amqp_connection_state_t c;
	amqp_basic_properties_t p;

	c = broker_open();
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.content_type = amqp_cstring_bytes("application/json");
	p.delivery_mode = 2;
	cr_assert_eq(amqp_basic_publish(c, 1, amqp_cstring_bytes(exchange),
			 amqp_cstring_bytes(key), 0, 0, &p,
			 amqp_cstring_bytes(body)),
	    AMQP_STATUS_OK, "publish to %s", exchange);
	broker_close(c);
}

amqp_connection_state_t
broker_tap(const char *exchange)
{
	amqp_connection_state_t c;
	amqp_queue_declare_ok_t *q;
	amqp_bytes_t name;

	c = broker_open();
	/* as the service declares it: the tap may come first */
	(void)amqp_exchange_declare(c, 1, amqp_cstring_bytes(exchange),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "exchange.declare %s", exchange);
	/*
	 * durable, so that the broker confirms a persistent message only
	 * once it is on disk, as it does for the services' queues
	 */
	q = amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 1, 0, 1,
	    amqp_empty_table);
	cr_assert_not_null(q, "queue.declare");
	name = amqp_bytes_malloc_dup(q->queue);
	(void)amqp_queue_bind(c, 1, name, amqp_cstring_bytes(exchange),
	    amqp_cstring_bytes("#"), amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "queue.bind to %s", exchange);
	(void)amqp_basic_consume(c, 1, name, amqp_empty_bytes, 0, 1, 1,
	    amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "basic.consume");
	amqp_bytes_free(name);
	return (c);
}

int
broker_tap_next(amqp_connection_state_t c, char *id, size_t len, int ms)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	amqp_basic_properties_t *p;
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	amqp_maybe_release_buffers(c);
	r = amqp_consume_message(c, &env, &tv, 0);
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_TIMEOUT)
		return (0);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "consume from a tap");
	p = &env.message.properties;
	if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
		(void)snprintf(id, len, "%.*s", (int)p->message_id.len,
		    (const char *)p->message_id.bytes);
	else
		(void)snprintf(id, len, "%s", "");
	amqp_destroy_envelope(&env);
	return (1);
}
