/* Both directions of the service's events (events_flow.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>

#include <criterion/criterion.h>

#include "broker.h"
#include "customer.h"
#include "db.h"
#include "events_flow.h"
#include "uuid4.h"

void
events_flow_expect(const char *tag)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char ev[UUID_STR_LEN], order[64];

	uuid4(bid);
	uuid4(uid);
	cust_create_for(uid, bid, id);
	cr_assert_eq(db_wait_count(1, 1, 20000,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND sent_at IS NOT NULL",
			 id, DB_END),
	    1, "the customer's event was not confirmed");

	uuid4(ev);
	(void)snprintf(order, sizeof(order), "%s-%.8s", tag, ev);
	events_flow_order(ev, order, bid, uid);
	cr_assert_eq(db_wait_count(1, 1, 20000,
			 "SELECT count(*) FROM customer_orders WHERE"
			 " order_id = $1",
			 order, DB_END),
	    1, "the order event was not applied");
}

void
events_flow_order(const char *ev, const char *order, const char *bid,
    const char *uid)
{
	char body[1024];

	(void)snprintf(body, sizeof(body),
	    "{\"event_id\":\"%s\",\"order_id\":\"%s\",\"business_id\":\"%s\","
	    "\"user_id\":\"%s\",\"total\":\"7.00\",\"currency\":\"RON\","
	    "\"status\":\"paid\",\"created_at\":\"2025-07-01T10:00:00Z\","
	    "\"updated_at\":\"2025-07-01T10:00:00Z\"}",
	    ev, order, bid, uid);
	broker_publish("bee.orders.events", "v1.order.created", body);
}
