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

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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

/* Outbox rows written straight into a database, as fast as a busy API. */
struct writer {
	pthread_t thread;
	const char *url;
	atomic_int stop;
	long rows;
	char failure[256];
};

/* The message ids a tap received. */
struct seen {
	char (*id)[ID_LEN];
	size_t n, cap;
};

static void *write_rows(void *);
static void tap_collect(amqp_connection_state_t, struct seen *, int);
static char *ids_array(const struct seen *);
static long count_ids(PGconn *, const struct seen *, const char *);
static void expect_stopped(struct instance *, long, const char *);

/*
 * Ten rows and a wake-up every 10 ms, on a connection of its own: the
 * publisher always has a batch in hand. No Criterion assertion here (a
 * thread): a failure is kept for the test.
 */
static void *
write_rows(void *arg)
{
	static const char sql[] =
	    "INSERT INTO outbox (routing_key, customer_id, payload)"
	    " SELECT 'v1.customer.updated', c, jsonb_build_object('id', c)"
	    " FROM (SELECT gen_random_uuid() AS c"
	    " FROM generate_series(1, 10)) g;"
	    " SELECT pg_notify('bee_outbox', '')";
	struct writer *w = arg;
	PGresult *r;
	PGconn *c;

	c = PQconnectdb(w->url);
	if (PQstatus(c) != CONNECTION_OK) {
		(void)snprintf(w->failure, sizeof(w->failure), "connect: %s",
		    PQerrorMessage(c));
		PQfinish(c);
		return (NULL);
	}
	while (!atomic_load(&w->stop)) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			(void)snprintf(w->failure, sizeof(w->failure),
			    "insert: %s", PQerrorMessage(c));
			PQclear(r);
			break;
		}
		PQclear(r);
		w->rows += 10;
		(void)usleep(10 * 1000);
	}
	PQfinish(c);
	return (NULL);
}

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
 * Gone (SIGTERM at t0) before the grace of 10 s, having logged its line,
 * with no thread cut at the deadline.
 */
static void
expect_stopped(struct instance *in, long t0, const char *line)
{
	char re[128];
	long gone;

	cr_assert_geq(instance_wait_exit(in, 15000), 0, "still up 15 s after");
	gone = instance_now_ms() - t0;
	cr_assert_lt(gone, 10000, "gone after %ld ms: cut at the grace", gone);
	(void)snprintf(re, sizeof(re), "\"message\":\"%s\"", line);
	cr_assert(instance_file_matches(in, "kore.err", re), "no %s: %s", re,
	    instance_file_text(in, "kore.err"));
	cr_assert(instance_file_matches(in, "kore.err",
	    "\"message\":\"drained\".*\"threads_cut\":0"));
}

/*
 * Under a steady stream of writes, a SIGTERM: the publisher's last batch
 * is confirmed and marked before the worker exits (no message reached the
 * exchange while its row is still unsent, as one cut between its confirm
 * and its mark would be), it says so, and a second instance on the same
 * database takes the lock at once and sends the rest.
 */
Test(drain_events, publisher_finishes_its_batch_and_hands_over, .timeout = 120)
{
	struct instance a, b;
	struct writer w;
	struct seen s;
	amqp_connection_state_t tap;
	PGconn *c;
	char url[512], name[64];
	long total, unsent, t0;

	c = scratch_db("bee_drainev_", url, sizeof(url), name, sizeof(name));
	tap = broker_tap(env_exchange());
	memset(&s, 0, sizeof(s));
	{
		const char *env[] = { "DATABASE_URL", url,
			"SHUTDOWN_GRACE_SECONDS", "10", NULL };

		instance_start(&a, env);
	}
	cr_assert(instance_wait_file_matches(&a, "kore.err",
		      "Outbox publisher started", 15000),
	    "the publisher did not start");
	memset(&w, 0, sizeof(w));
	w.url = url;
	cr_assert_eq(pthread_create(&w.thread, NULL, write_rows, &w), 0);
	/* the publisher is busy: a few batches went out already */
	cr_assert_geq(db_wait_count_on(c, 300, LONG_MAX, 30000,
			  "SELECT count(*) FROM outbox WHERE sent_at IS NOT"
			  " NULL",
			  DB_END),
	    300, "the publisher sends too slowly: %s", w.failure);

	cr_assert(kill(a.pid, SIGTERM) == 0);
	expect_stopped(&a, instance_now_ms(), "Outbox publisher stopped");
	/* rows keep coming after it: the next publisher's part */
	(void)usleep(200 * 1000);
	atomic_store(&w.stop, 1);
	cr_assert_eq(pthread_join(w.thread, NULL), 0);
	cr_assert_eq(w.failure[0], '\0', "%s", w.failure);

	tap_collect(tap, &s, 1500);
	cr_assert_eq(count_ids(c, &s, " AND sent_at IS NULL"), 0,
	    "a message reached the exchange while its row stays unsent");
	cr_assert_eq(count_ids(c, &s, ""),
	    db_count_on(c,
		"SELECT count(*) FROM outbox WHERE sent_at IS NOT"
		" NULL",
		DB_END),
	    "a row marked sent never reached the exchange");
	unsent = db_count_on(c,
	    "SELECT count(*) FROM outbox WHERE sent_at IS NULL", DB_END);
	cr_assert_gt(unsent, 0, "nothing left for the next publisher");

	{
		const char *env[] = { "DATABASE_URL", url, NULL };

		instance_start(&b, env);
	}
	t0 = instance_now_ms();
	cr_assert_eq(db_wait_count_on(c, 0, 0, 10000,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
			 DB_END),
	    0, "the next instance did not send the %ld rows left", unsent);
	cr_assert_lt(instance_now_ms() - t0, 10000);
	tap_collect(tap, &s, 1500);
	total = db_count_on(c, "SELECT count(*) FROM outbox", DB_END);
	cr_assert_eq(count_ids(c, &s, ""), total,
	    "%ld rows, not all of them on the exchange", total);
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
	expect_stopped(&a, t0, "History consumer stopped");

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
