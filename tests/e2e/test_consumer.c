/*
 * The history consumer (docs/events.md, src/events/consumer.c): events
 * published to bee.orders.events / bee.scheduling.events as the orders and
 * scheduling teams will, consumed by the running service, checked in the
 * database (polled, bounded) and through the API; malformed ones and those
 * naming an unknown customer_id found in bee.customers.history.dlq.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <criterion/criterion.h>
#include <jansson.h>

#include "broker.h"
#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define ORDERS "bee.orders.events"
#define SCHEDULING "bee.scheduling.events"
#define DLQ "bee.customers.history.dlq"
#define WAIT_MS 15000
#define CONSUMER_APP "bee-customers history consumer"

static void order_lock(const char *);

static void
order(const char *event_id, const char *bid, const char *who_key,
    const char *who, const char *order_id, const char *total,
    const char *status, const char *created_at, const char *updated_at)
{
	char body[2048];

	snprintf(body, sizeof(body),
	    "{\"event_id\":\"%s\",\"order_id\":\"%s\",\"business_id\":\"%s\","
	    "\"%s\":\"%s\",\"total\":%s,\"currency\":\"RON\","
	    "\"status\":\"%s\",\"created_at\":\"%s\",\"updated_at\":\"%s\"}",
	    event_id, order_id, bid, who_key, who, total, status, created_at,
	    updated_at);
	broker_publish(ORDERS,
	    !strcmp(status, "cancelled") ? "v1.order.cancelled" :
					   "v1.order.updated",
	    body);
}

static void
appointment(const char *bid, const char *who_key, const char *who,
    const char *appointment_id, const char *status, const char *starts_at)
{
	char body[2048], ev[UUID_STR_LEN];

	uuid4(ev);
	snprintf(body, sizeof(body),
	    "{\"event_id\":\"%s\",\"appointment_id\":\"%s\","
	    "\"business_id\":\"%s\",\"%s\":\"%s\",\"starts_at\":\"%s\","
	    "\"status\":\"%s\",\"updated_at\":\"2025-01-01T00:00:00Z\"}",
	    ev, appointment_id, bid, who_key, who, starts_at, status);
	broker_publish(SCHEDULING, "v1.appointment.created", body);
}

/* Polls `SELECT count(*)` until it is want (bounded). */
static void
expect_rows(long want, const char *sql, const char *a, const char *b)
{
	long n = db_wait_count(want, want, WAIT_MS, sql, a, b, DB_END);

	cr_assert_eq(n, want, "%s: %ld rows, want %ld", sql, n, want);
}

static void
wait_order(const char *order_id)
{
	expect_rows(1,
	    "SELECT count(*) FROM customer_orders WHERE order_id = $1"
	    " AND order_id = $2",
	    order_id, order_id);
}

/*
 * Tests running at once share the service's one consumer, and
 * database_error_requeues kills its database connection: what it held is
 * requeued and comes after later messages. A test that needs its messages
 * applied in the order sent holds this lock shared ("_shared"), that test
 * holds it alone (""): a session advisory lock on the e2e database, held
 * until the test's process ends (copies of this binary agree too).
 */
static void
order_lock(const char *mode)
{
	char sql[160];

	(void)snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM (SELECT pg_advisory_lock%s("
	    "hashtext('bee-e2e consumer order'))) l",
	    mode);
	cr_assert_eq(db_count(sql, DB_END), 1);
}

static char *
oid(char *buf, const char *pre, const char *name)
{
	sprintf(buf, "%s-%s", pre, name);
	return (buf);
}

static void
expect_value(const char *want, const char *sql, const char *a)
{
	char *v = db_value(sql, a, DB_END);

	cr_assert(v != NULL && !strcmp(v, want), "%s: got %s, want %s", sql,
	    v != NULL ? v : "NULL", want);
	free(v);
}

/*
 * Orders and appointments upserted; the stats of the existing customer
 * recomputed: cancelled ones excluded, lifetime_value their sum, the last
 * dates the latest not in the future; an event naming only customer_id
 * resolved to the customer's (business_id, user_id).
 */
Test(consumer, history_upserted_and_stats_recomputed)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char pre[UUID_STR_LEN], ev[UUID_STR_LEN], o[6][80];

	uuid4(bid);
	uuid4(uid);
	uuid4(pre);
	cust_create_for(uid, bid, id);
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[0], pre, "a"), "10.50", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	uuid4(ev);
	order(ev, bid, "customer_id", id, oid(o[1], pre, "b"), "\"6\"",
	    "created", "2025-07-03T23:30:00-02:00", "2025-07-03T10:00:00Z");
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[2], pre, "c"), "100", "cancelled",
	    "2025-07-09T10:00:00Z", "2025-07-09T10:00:00Z");
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[3], pre, "d"), "1", "created",
	    "2099-01-01T00:00:00Z", "2025-07-09T10:00:00Z");
	appointment(bid, "user_id", uid, oid(o[4], pre, "x"), "booked",
	    "2025-08-01T09:00:00Z");
	appointment(bid, "customer_id", id, oid(o[5], pre, "y"), "booked",
	    "2099-08-01T09:00:00Z");
	appointment(bid, "user_id", uid, oid(o[5], pre, "z"), "cancelled",
	    "2025-09-01T09:00:00Z");
	expect_rows(4,
	    "SELECT count(*) FROM customer_orders WHERE business_id = $1"
	    " AND user_id = $2",
	    bid, uid);
	expect_rows(3,
	    "SELECT count(*) FROM customer_appointments WHERE business_id = $1"
	    " AND user_id = $2",
	    bid, uid);
	/* every row knows its customer, the customer_id-only ones too */
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders WHERE"
			      " business_id = $1 AND customer_id = $2",
			 bid, id, DB_END),
	    4);
	/* a 10.50, b 6 and d 1 (future, so not the last date); c cancelled */
	expect_value("3|17.50|2025-07-04|2|2025-08-01",
	    "SELECT concat_ws('|', total_orders, lifetime_value,"
	    " last_order_date, total_appointments, last_appointment_date)"
	    " FROM customers WHERE id = $1",
	    id);
}

/* An older update after a newer one changes nothing; a duplicate event_id
 * is applied once. */
Test(consumer, newest_wins_and_duplicates_applied_once)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], pre[UUID_STR_LEN];
	char ev[UUID_STR_LEN], dup[UUID_STR_LEN], o[3][80];

	order_lock("_shared");
	uuid4(bid);
	uuid4(uid);
	uuid4(pre);
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[0], pre, "a"), "20", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-02T10:00:00Z");
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[0], pre, "a"), "10", "created",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	uuid4(dup);
	order(dup, bid, "user_id", uid, oid(o[1], pre, "b"), "5", "created",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	order(dup, bid, "user_id", uid, oid(o[1], pre, "b"), "7", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-05T10:00:00Z");
	/* one consumer, in order: once the marker is in, the rest is too */
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[2], pre, "marker"), "1", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	wait_order(o[2]);
	expect_value("paid 20.00 2025-07-02 10:00:00+00",
	    "SELECT concat_ws(' ', status, total, updated_at AT TIME ZONE 'UTC'"
	    " || '+00') FROM customer_orders WHERE order_id = $1",
	    o[0]);
	expect_value("created 5.00",
	    "SELECT concat_ws(' ', status, total) FROM customer_orders"
	    " WHERE order_id = $1",
	    o[1]);
	cr_assert_eq(db_count("SELECT count(*) FROM processed_events"
			      " WHERE event_id = $1",
			 dup, DB_END),
	    1);
}

/* History that arrives before the profile is kept and shows once the
 * customer is created. */
Test(consumer, history_before_profile)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char pre[UUID_STR_LEN], ev[UUID_STR_LEN], o[80], path[160];
	struct http_resp *r;
	char *tok;

	uuid4(bid);
	uuid4(uid);
	uuid4(pre);
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o, pre, "early"), "12.5", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	wait_order(o);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders WHERE"
			      " order_id = $1 AND customer_id IS NULL"
			      " AND user_id = $2",
			 o, uid, DB_END),
	    1);
	cust_create_for(uid, bid, id);
	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s/orders", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	cr_assert_not_null(strstr(r->body, o), "%s", r->body);
	cr_assert_not_null(strstr(r->body, "\"total\":12.5"), "%s", r->body);
	http_resp_free(r);
	free(tok);
}

/*
 * Takes from the DLQ until a message whose body contains `needle`
 * (others go back); 1 when found within WAIT_MS.
 */
static int
dlq_find(amqp_connection_state_t c, const char *needle)
{
	amqp_rpc_reply_t r;
	amqp_message_t m;
	amqp_basic_get_ok_t *ok;
	char *body;
	int waited, found;

	for (waited = 0; waited < WAIT_MS;) {
		r = amqp_basic_get(c, 1, amqp_cstring_bytes(DLQ), 0);
		cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "basic.get");
		if (r.reply.id != AMQP_BASIC_GET_OK_METHOD) {
			(void)poll(NULL, 0, 100);
			waited += 100;
			continue;
		}
		ok = r.reply.decoded;
		cr_assert_eq(amqp_read_message(c, 1, &m, 0).reply_type,
		    AMQP_RESPONSE_NORMAL);
		body = strndup(m.body.bytes, m.body.len);
		found = strstr(body, needle) != NULL;
		free(body);
		if (found)
			amqp_basic_ack(c, 1, ok->delivery_tag, 0);
		else
			amqp_basic_reject(c, 1, ok->delivery_tag, 1);
		amqp_destroy_message(&m);
		if (found)
			return (1);
	}
	return (0);
}

/* Malformed events and events naming an unknown customer_id are
 * dead-lettered, and nothing of them is applied. */
Test(consumer, malformed_and_unknown_customer_dead_lettered)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], pre[UUID_STR_LEN];
	char ev[UUID_STR_LEN], nobody[UUID_STR_LEN], o[5][80];
	char body[1024];
	amqp_connection_state_t c;

	uuid4(bid);
	uuid4(uid);
	uuid4(pre);
	uuid4(nobody);
	/* not JSON */
	snprintf(body, sizeof(body), "not json %s", oid(o[0], pre, "nj"));
	broker_publish(ORDERS, "v1.order.created", body);
	/* event_id missing */
	snprintf(body, sizeof(body),
	    "{\"order_id\":\"%s\",\"business_id\":\"%s\",\"user_id\":\"%s\","
	    "\"status\":\"paid\",\"updated_at\":\"2025-07-01T10:00:00Z\"}",
	    oid(o[1], pre, "noev"), bid, uid);
	broker_publish(ORDERS, "v1.order.created", body);
	/* total of the wrong type */
	uuid4(ev);
	order(ev, bid, "user_id", uid, oid(o[2], pre, "type"), "true", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	/* an unknown routing key (v1.order.* routes it here) */
	uuid4(ev);
	snprintf(body, sizeof(body),
	    "{\"event_id\":\"%s\",\"order_id\":\"%s\",\"business_id\":\"%s\","
	    "\"user_id\":\"%s\",\"status\":\"paid\","
	    "\"updated_at\":\"2025-07-01T10:00:00Z\"}",
	    ev, oid(o[3], pre, "key"), bid, uid);
	broker_publish(ORDERS, "v1.order.shipped", body);
	/* a customer_id that names no customer */
	uuid4(ev);
	order(ev, bid, "customer_id", nobody, oid(o[4], pre, "nobody"), "1",
	    "paid", "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");

	c = broker_open();
	for (int i = 0; i < 5; i++)
		cr_assert(dlq_find(c, o[i]), "%s not dead-lettered", o[i]);
	broker_close(c);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders"
			      " WHERE order_id LIKE $1 || '%'",
			 pre, DB_END),
	    0);
	cr_assert_eq(db_count("SELECT count(*) FROM processed_events"
			      " WHERE event_id = $1",
			 ev, DB_END),
	    0);
}

/*
 * A database error (the consumer's connection killed under it) is not the
 * message's fault: it is requeued and applied once the consumer has
 * reconnected, never dead-lettered.
 */
Test(consumer, database_error_requeues)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], pre[UUID_STR_LEN];
	char ev[UUID_STR_LEN], o[80];

	order_lock("");
	uuid4(bid);
	uuid4(uid);
	uuid4(pre);
	uuid4(ev);
	/* connected (again, after another copy of this test killed it) */
	cr_assert_geq(db_wait_count(1, LONG_MAX, WAIT_MS,
			  "SELECT count(*) FROM pg_stat_activity"
			  " WHERE application_name = $1",
			  CONSUMER_APP, DB_END),
	    1, "the consumer has no database connection");
	cr_assert_geq(db_count("SELECT count(*) FROM (SELECT"
			       " pg_terminate_backend(pid) FROM"
			       " pg_stat_activity WHERE application_name"
			       " = $1) t",
			  CONSUMER_APP, DB_END),
	    1);
	order(ev, bid, "user_id", uid, oid(o, pre, "requeued"), "3", "paid",
	    "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z");
	wait_order(o);
	cr_assert_eq(db_count("SELECT count(*) FROM processed_events"
			      " WHERE event_id = $1",
			 ev, DB_END),
	    1);
}

/*
 * Upstream ids are unique only within a business: the same order id and
 * appointment id from two businesses are two rows (before migration 0009
 * the second business's was dropped, and its message acked).
 */
Test(consumer, same_ids_in_two_businesses_both_land)
{
	char b1[UUID_STR_LEN], b2[UUID_STR_LEN], u1[UUID_STR_LEN],
	    u2[UUID_STR_LEN], pre[UUID_STR_LEN], id[80], ev[UUID_STR_LEN];

	uuid4(b1);
	uuid4(b2);
	uuid4(u1);
	uuid4(u2);
	uuid4(pre);
	oid(id, pre, "1001");
	uuid4(ev);
	order(ev, b1, "user_id", u1, id, "10.00", "paid",
	    "2025-01-01T10:00:00Z", "2025-01-01T10:00:00Z");
	uuid4(ev);
	order(ev, b2, "user_id", u2, id, "20.00", "paid",
	    "2025-01-02T10:00:00Z", "2025-01-02T10:00:00Z");
	appointment(b1, "user_id", u1, id, "booked", "2025-02-01T09:00:00Z");
	appointment(b2, "user_id", u2, id, "booked", "2025-02-02T09:00:00Z");

	expect_rows(1,
	    "SELECT count(*) FROM customer_orders WHERE order_id = $1"
	    " AND business_id = $2::uuid AND total = 10.00",
	    id, b1);
	expect_rows(1,
	    "SELECT count(*) FROM customer_orders WHERE order_id = $1"
	    " AND business_id = $2::uuid AND total = 20.00",
	    id, b2);
	expect_rows(1,
	    "SELECT count(*) FROM customer_appointments"
	    " WHERE appointment_id = $1 AND business_id = $2::uuid"
	    " AND starts_at = '2025-02-01T09:00:00Z'",
	    id, b1);
	expect_rows(1,
	    "SELECT count(*) FROM customer_appointments"
	    " WHERE appointment_id = $1 AND business_id = $2::uuid"
	    " AND starts_at = '2025-02-02T09:00:00Z'",
	    id, b2);
}
