/*
 * The history consumer under a database outage (docs/events.md, consumed
 * events): a good v1.order.* message published while PostgreSQL is down
 * is requeued, not dead-lettered, and applied once the database is back.
 *
 * It stops PostgreSQL, so it runs on a stack of its own (lib/stack.c) with
 * an instance of its own; the shared e2e servers are not touched.
 *
 * A message delivered twice is applied once: test_consumer.c,
 * consumer/newest_wins_and_duplicates_applied_once (the same event_id
 * twice; the second delivery changes nothing). A database error on the
 * consumer's connection: consumer/database_error_requeues there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "broker.h"
#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "stack.h"
#include "token.h"
#include "uuid4.h"

#define QUEUE "bee.customers.history"
#define DLQ "bee.customers.history.dlq"
#define ORDERS "bee.orders.events"

Test(faults_consumer, good_message_survives_a_database_outage, .timeout = 90)
{
	static const char *const env[] = { "WORKERS", "1", NULL };
	struct instance in;
	struct stack s;
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], ev[UUID_STR_LEN];
	char order[64], body[1024], id[UUID_STR_LEN];
	long m, c;

	stack_start(&s, "postgres rabbitmq");
	instance_start(&in, env);
	/* the consumer has declared and bound its queue and consumes it */
	cr_assert(broker_wait_queue(QUEUE, 0, 1, 20000), "no consumer on %s",
	    QUEUE);

	uuid4(bid);
	uuid4(uid);
	uuid4(ev);
	snprintf(order, sizeof(order), "faults-%.8s", ev);
	cust_create_for(uid, bid, id);

	db_close(); /* reconnects on next use */
	stack_ctl(&s, "stop", "postgres");
	snprintf(body, sizeof(body),
	    "{\"event_id\":\"%s\",\"order_id\":\"%s\",\"business_id\":\"%s\","
	    "\"user_id\":\"%s\",\"total\":\"42.50\",\"currency\":\"RON\","
	    "\"status\":\"paid\",\"created_at\":\"2025-07-01T10:00:00Z\","
	    "\"updated_at\":\"2025-07-01T10:00:00Z\"}",
	    ev, order, bid, uid);
	broker_publish(ORDERS, "v1.order.created", body);
	/*
	 * The consumer took it, failed on the database, and closed its
	 * connection (returning the message) to back off: it is back in the
	 * queue, with nobody consuming.
	 */
	cr_assert(broker_wait_queue(QUEUE, 1, 0, 15000),
	    "the message is not back in %s with the consumer paused", QUEUE);
	cr_assert(broker_queue_counts(DLQ, &m, &c) && m == 0,
	    "dead-lettered during the outage");
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "History consumer paused", 5000),
	    "the consumer did not meet the outage");
	stack_ctl(&s, "start", "postgres");

	cr_assert_eq(db_wait_count(1, 1, 45000,
			 "SELECT count(*) FROM customer_orders WHERE"
			 " order_id = $1",
			 order, DB_END),
	    1, "the order was not applied after the outage");
	cr_assert_eq(db_count("SELECT count(*) FROM processed_events WHERE"
			      " event_id = $1",
			 ev, DB_END),
	    1);
	/* applied once: one order of 42.50 in the customer's statistics */
	cr_assert_eq(db_wait_count(1, 1, 5000,
			 "SELECT count(*) FROM customers WHERE id = $1"
			 " AND total_orders = 1 AND lifetime_value = 42.50",
			 id, DB_END),
	    1, "statistics after the outage");
	broker_expect_consumed(QUEUE, DLQ);

	instance_stop(&in);
	instance_expect_clean(&in);
	db_close();
	stack_reset(&s);
}
