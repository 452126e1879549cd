/*
 * The events side of the graceful drain (docs/operations.md "Stopping",
 * docs/events.md): on SIGTERM the outbox publisher finishes the batch it
 * is sending and lets go of the outbox lock, the history consumer settles
 * what it holds, and the drain waits for both, however long their
 * back-off.
 *
 * The publisher's test owns a scratch database (its outbox and advisory
 * lock meet no other instance) and taps the shared exchange; the
 * consumer's owns a stack (its queue meets no other consumer).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "broker.h"
#include "customer.h"
#include "db.h"
#include "env.h"
#include "events_flow.h"
#include "instance.h"
#include "rowlock.h"
#include "scratch.h"
#include "stack.h"
#include "uuid4.h"

#define QUEUE "bee.customers.history"
#define DLQ "bee.customers.history.dlq"
#define HELD_EVENTS 20 /* history events delivered when the signal comes */
#define ID_LEN 64
#define BATCH 100 /* the publisher's batch */
#define LEFT 30 /* rows beyond it */

/* The message ids a tap received. */
struct seen {
	char (*id)[ID_LEN];
	size_t n, cap;
};

static void tap_collect(amqp_connection_state_t, struct seen *, int);
static char *ids_array(const struct seen *);
static long count_ids(PGconn *, const struct seen *, const char *);
static void expect_stopped(struct instance *, long, const char *);

/* Every message the tap has, until none came for quiet_ms. */
static void
tap_collect(amqp_connection_state_t tap, struct seen *s, int quiet_ms)
{
	char id[ID_LEN];

	while (broker_tap_next(tap, id, sizeof(id), quiet_ms) == 1) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			s->id = realloc(s->id, s->cap * sizeof(s->id[0]));
			cr_assert_not_null(s->id);
		}
		(void)snprintf(s->id[s->n++], ID_LEN, "%s", id);
	}
}

/* "{id,...}" of the ids that look like an event id (the tap sees all). */
static char *
ids_array(const struct seen *s)
{
	char *a;
	size_t i, len;

	a = malloc(s->n * (ID_LEN + 1) + 3);
	cr_assert_not_null(a);
	len = 0;
	a[len++] = '{';
	for (i = 0; i < s->n; i++) {
		if (strlen(s->id[i]) != UUID_STR_LEN - 1)
			continue;
		len += (size_t)sprintf(a + len, "%s%s", len > 1 ? "," : "",
		    s->id[i]);
	}
	a[len++] = '}';
	a[len] = '\0';
	return (a);
}

/* Outbox rows among the ids seen that match the condition `where`. */
static long
count_ids(PGconn *c, const struct seen *s, const char *where)
{
	char sql[256], *ids;
	long n;

	(void)snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[])%s",
	    where);
	ids = ids_array(s);
	n = db_count_on(c, sql, ids, DB_END);
	free(ids);
	return (n);
}

/*
 * Gone (SIGTERM at t0) before the grace of 10 s, having logged a line
 * that starts with `line` (a regular expression), with no thread cut at
 * the deadline.
 */
static void
expect_stopped(struct instance *in, long t0, const char *line)
{
	char re[128];
	long gone;

	cr_assert_geq(instance_wait_exit(in, 15000), 0, "still up 15 s after");
	gone = instance_now_ms() - t0;
	cr_assert_lt(gone, 10000, "gone after %ld ms: cut at the grace", gone);
	(void)snprintf(re, sizeof(re), "\"message\":\"%s", line);
	cr_assert(instance_file_matches(in, "kore.err", re), "no %s: %s", re,
	    instance_file_text(in, "kore.err"));
	cr_assert(instance_file_matches(in, "kore.err",
	    "\"message\":\"drained\".*\"threads_cut\":0"));
}

/*
 * A SIGTERM while the publisher has a batch on the exchange, confirmed
 * but not marked yet (its UPDATE waits on a row lock of the test's own):
 * the batch is marked before the worker exits, where a cut would leave
 * its messages on the exchange and its rows unsent (sent again, as
 * duplicates, by the next publisher), and the lock goes with the stop: a
 * second instance on the same database sends the rest at once.
 */
Test(drain_events, publisher_finishes_its_batch_and_hands_over, .timeout = 120)
{
	static const char sql_rows[] =
	    "WITH r AS (INSERT INTO outbox (routing_key, customer_id, payload)"
	    " SELECT 'v1.customer.updated', c, jsonb_build_object('id', c)"
	    " FROM (SELECT gen_random_uuid() AS c"
	    " FROM generate_series(1, $1::int)) g RETURNING 1)"
	    " SELECT count(*) FROM r";
	struct instance a, b;
	struct rowlock *lock;
	struct seen s;
	amqp_connection_state_t tap;
	PGconn *c;
	char url[512], name[64], rows[16];
	long t0;

	c = scratch_db("bee_drainev_", url, sizeof(url), name, sizeof(name));
	tap = broker_tap(env_exchange());
	memset(&s, 0, sizeof(s));
	(void)snprintf(rows, sizeof(rows), "%d", BATCH + LEFT);
	cr_assert_eq(db_count_on(c, sql_rows, rows, DB_END), BATCH + LEFT);
	lock = rowlock_take_sql(url, "SELECT 1 FROM outbox FOR UPDATE", NULL);
	{
		const char *env[] = { "DATABASE_URL", url,
			"SHUTDOWN_GRACE_SECONDS", "10", NULL };

		instance_start(&a, env);
	}
	/* published and confirmed, the mark waiting */
	rowlock_wait_blocked(lock, 15000);
	t0 = instance_now_ms();
	cr_assert(kill(a.pid, SIGTERM) == 0);
	cr_assert(instance_wait_file_matches(&a, "kore.err",
		      "\"message\":\"draining\"", 5000),
	    "no draining line");
	/* HTTP is done within 300 ms: the drain waits for the batch */
	cr_assert_lt(instance_wait_exit(&a, 1000), 0,
	    "gone with the batch unmarked");
	rowlock_release(lock);
	expect_stopped(&a, t0, "Outbox publisher stopped\",\"count\":100");

	tap_collect(tap, &s, 1500);
	cr_assert_eq(count_ids(c, &s, " AND sent_at IS NULL"), 0,
	    "a message reached the exchange while its row stays unsent");
	cr_assert_eq(count_ids(c, &s, ""), BATCH,
	    "the batch did not reach the exchange");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
			 DB_END),
	    LEFT, "not just the batch in hand was sent");

	{
		const char *env[] = { "DATABASE_URL", url, NULL };

		instance_start(&b, env);
	}
	cr_assert_eq(db_wait_count_on(c, 0, 0, 10000,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
			 DB_END),
	    0, "the next instance did not send the rows left");
	tap_collect(tap, &s, 1500);
	cr_assert_eq(count_ids(c, &s, ""), BATCH + LEFT,
	    "not every row reached the exchange");
	instance_stop(&b);
	instance_stop(&a);
	broker_close(tap);
	free(s.id);
	scratch_drop(c, name);
}

/*
 * A SIGTERM while the consumer holds messages (the first one's statistics
 * wait on a row lock, the others are prefetched): it finishes the one in
 * hand, gives the others back to the queue and stops; the next instance
 * applies each event exactly once.
 */
Test(drain_events, consumer_settles_what_it_holds, .timeout = 150)
{
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "10",
		NULL };
	struct instance a, b;
	struct stack st;
	struct rowlock *lock;
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char ev[UUID_STR_LEN], tag[16], order[64], held[16];
	long t0;
	int i;

	stack_start(&st, "postgres rabbitmq");
	instance_start(&a, env);
	cr_assert(broker_wait_queue(QUEUE, 0, 1, 20000), "no consumer on %s",
	    QUEUE);
	uuid4(bid);
	uuid4(uid);
	uuid4(ev);
	(void)snprintf(tag, sizeof(tag), "%.8s", ev);
	cust_create_for(uid, bid, id);

	lock = rowlock_take(env_database_url(), id);
	for (i = 0; i < HELD_EVENTS; i++) {
		uuid4(ev);
		(void)snprintf(order, sizeof(order), "drain-%s-%d", tag, i);
		events_flow_order(ev, order, bid, uid);
	}
	rowlock_wait_blocked(lock, 10000);
	/* one in hand, every other one delivered to it and unacked */
	cr_assert(broker_wait_queue(QUEUE, 0, 1, 5000),
	    "messages not delivered");

	t0 = instance_now_ms();
	cr_assert(kill(a.pid, SIGTERM) == 0);
	cr_assert(instance_wait_file_matches(&a, "kore.err",
		      "\"message\":\"draining\"", 5000),
	    "no draining line");
	rowlock_release(lock);
	expect_stopped(&a, t0, "History consumer stopped\"");

	/* the one in hand committed and acked, the rest back in the queue */
	cr_assert_eq(db_count("SELECT count(*) FROM customer_orders WHERE"
			      " business_id = $1 AND order_id LIKE $2",
			 bid, "drain-%", DB_END),
	    1, "not just the message in hand was applied");
	cr_assert(broker_wait_queue(QUEUE, HELD_EVENTS - 1, 0, 5000),
	    "%s does not hold the %d messages not processed", QUEUE,
	    HELD_EVENTS - 1);

	instance_start(&b, env);
	(void)snprintf(held, sizeof(held), "%d", HELD_EVENTS);
	cr_assert_eq(db_wait_count(HELD_EVENTS, HELD_EVENTS, 30000,
			 "SELECT count(*) FROM customer_orders WHERE"
			 " business_id = $1 AND order_id LIKE $2",
			 bid, "drain-%", DB_END),
	    HELD_EVENTS, "not every event applied");
	cr_assert_eq(db_wait_count(1, 1, 10000,
			 "SELECT count(*) FROM customers WHERE id = $1"
			 " AND total_orders = $2",
			 id, held, DB_END),
	    1, "each event applied exactly once");
	broker_expect_consumed(QUEUE, DLQ);
	instance_stop(&b);
	instance_stop(&a);
	db_close();
	stack_reset(&st);
}

/*
 * With the broker away, the publisher and the consumer wait in their
 * back-off (seconds, doubling): a SIGTERM ends their waits at once, and
 * the drain does not run to its deadline.
 */
Test(drain_events, backoff_does_not_hold_the_drain, .timeout = 60)
{
	struct instance in;
	PGconn *c;
	char url[512], name[64], redis[128];
	long t0, gone;

	c = scratch_db("bee_drainev_", url, sizeof(url), name, sizeof(name));
	(void)snprintf(redis, sizeof(redis), "redis://127.0.0.1:%u/0",
	    instance_free_port());
	(void)setenv("REDIS_URL", redis, 1);
	instance_start_without_broker(&in, url);
	(void)db_count_on(c,
	    "WITH r AS (INSERT INTO outbox (routing_key, payload)"
	    " VALUES ('v1.customer.updated', '{}') RETURNING 1)"
	    " SELECT count(*) FROM r, pg_notify('bee_outbox', '') n",
	    DB_END);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "Broker unreachable: outbox events parked", 30000),
	    "the publisher never tried the broker");
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "History consumer cannot consume from RabbitMQ", 30000),
	    "the consumer never tried the broker");
	/* into their second back-off, of 2 s (not a result awaited) */
	(void)usleep(1500 * 1000);

	t0 = instance_now_ms();
	cr_assert(kill(in.pid, SIGTERM) == 0);
	cr_assert_geq(instance_wait_exit(&in, 25000), 0, "still up 25 s after");
	gone = instance_now_ms() - t0;
	cr_assert_lt(gone, 3000, "gone after %ld ms", gone);
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"message\":\"Outbox publisher stopped\""));
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"message\":\"History consumer stopped\""));
	cr_assert(
	    instance_file_matches(&in, "kore.err",
		"\"message\":\"drained\",\"duration_ms\":[0-9]{1,3},"
		"\"requests_cut\":0,\"connections_cut\":0,\"threads_cut\":0"),
	    "%s", instance_file_text(&in, "kore.err"));
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
			 DB_END),
	    1, "the row stays unsent");
	instance_stop(&in);
	scratch_drop(c, name);
}
