/*
 * RabbitMQ for the fault tests (see broker.h), with rabbitmq-c's blocking
 * API.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

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
