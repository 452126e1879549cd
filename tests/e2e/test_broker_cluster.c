/*
 * The service on a three-node RabbitMQ cluster (scripts/stack start
 * --rabbitmq-nodes 3, on a stack of the test's own): RABBITMQ_URL lists
 * the three nodes; the service connects to the first, and what it
 * declares and publishes there is one cluster's: its quorum history queue
 * has its consumer seen from the third node, a history event published to
 * the third node is applied, and a new customer's event is confirmed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "broker.h"
#include "db.h"
#include "events_flow.h"
#include "instance.h"
#include "stack.h"

#define QUEUE "bee.customers.history"

Test(broker_cluster, three_nodes_one_cluster, .timeout = 300)
{
	static const char *const env[] = { "WORKERS", "1", NULL };
	struct instance in;
	struct stack s;
	char third[256];
	const char *nodes, *p;
	int commas;

	stack_start(&s, "--rabbitmq-nodes 3 postgres rabbitmq");
	nodes = getenv("RABBITMQ_URL");
	cr_assert_not_null(nodes);
	for (commas = 0, p = nodes; (p = strchr(p, ',')) != NULL; p++)
		commas++;
	cr_assert_eq(commas, 2, "RABBITMQ_URL=%s: not three nodes", nodes);
	instance_start(&in, env);

	/* from now on the test's own AMQP client talks to the third node */
	p = strrchr(nodes, ',') + 1;
	(void)snprintf(third, sizeof(third), "%s", p);
	cr_assert_eq(setenv("RABBITMQ_URL", third, 1), 0);
	cr_assert(broker_wait_consumers(QUEUE, 1, 30000),
	    "the third node sees no consumer on %s", QUEUE);

	events_flow_expect("cluster");

	instance_stop(&in);
	instance_expect_clean(&in);
	db_close();
	stack_reset(&s);
}
