/*
 * RABBITMQ_URL as a list of nodes (docs/operations.md): an instance whose
 * list starts with a loopback port nobody listens on, then the real
 * broker, publishes its events (the outbox rows confirmed and marked
 * sent) and consumes history events (applied to the database), and /ready
 * calls RabbitMQ up. With no node answering, /ready calls it down.
 *
 * The first test consumes from the history queue, which the shared e2e
 * service consumes too, so it runs on a stack of its own (lib/stack.c);
 * the second touches no broker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "broker.h"
#include "db.h"
#include "events_flow.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "stack.h"

#define QUEUE "bee.customers.history"

static int ready_says(const char *, int);

/* Polls /ready (ms at most) until its body contains `part`. */
static int
ready_says(const char *part, int ms)
{
	struct http_resp *r;
	long deadline;
	int found;

	deadline = instance_now_ms() + ms;
	do {
		r = http_req("GET", "/ready", NULL, NULL, 0);
		found = r->body != NULL && strstr(r->body, part) != NULL;
		http_resp_free(r);
		if (found)
			return (1);
		(void)poll(NULL, 0, 100);
	} while (instance_now_ms() < deadline);
	return (0);
}

Test(broker_nodes, dead_first_node_passed_over, .timeout = 90)
{
	struct instance in;
	struct stack s;
	char nodes[1024];
	const char *real;

	stack_start(&s, "postgres rabbitmq");
	real = getenv("RABBITMQ_URL");
	cr_assert_not_null(real);
	(void)snprintf(nodes, sizeof(nodes),
	    "amqp://guest:guest@127.0.0.1:%u/,%s", instance_free_port(), real);
	{
		const char *env[] = { "WORKERS", "1", "RABBITMQ_URL", nodes,
			NULL };

		instance_start(&in, env);
	}
	cr_assert(ready_says("\"rabbitmq\":\"up\"", 10000),
	    "/ready does not call RabbitMQ up with its second node up");

	/* the consumer reached the second node: it consumes the queue */
	cr_assert(broker_wait_consumers(QUEUE, 1, 20000), "no consumer on %s",
	    QUEUE);

	/* the publisher too, and history events are applied */
	events_flow_expect("nodes");

	instance_stop(&in);
	instance_expect_clean(&in);
	db_close();
	stack_reset(&s);
}

Test(broker_nodes, no_node_answers_ready_says_down, .timeout = 60)
{
	struct instance in;
	char nodes[256];

	(void)snprintf(nodes, sizeof(nodes),
	    "amqp://guest:guest@127.0.0.1:%u/,amqp://guest:guest@[::1]:%u/",
	    instance_free_port(), instance_free_port());
	{
		const char *env[] = { "RABBITMQ_URL", nodes, NULL };

		instance_start(&in, env);
	}
	cr_assert(ready_says("\"rabbitmq\":\"down\"", 10000),
	    "/ready does not call RabbitMQ down with no node answering");
	instance_stop(&in);
	instance_expect_clean(&in);
}
