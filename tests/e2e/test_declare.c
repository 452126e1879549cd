/*
 * Start-up declarations (docs/events.md, start-up): an instance declares
 * the publisher's exchange, and its consumer the exchanges and queues it
 * consumes, as soon as it starts, before any write, whether or not its
 * publisher holds the outbox lock, so that a service started next binds
 * its queue to an exchange that is there. The arguments are the contract's:
 * the broker refuses (406) a declaration of other ones.
 *
 * On a broker of its own (lib/stack.c), fresh, so that nothing was
 * declared before; the instance uses the shared database, whose outbox
 * lock the shared service holds. Then, everything deleted, an instance
 * started with the broker stopped and PostgreSQL unreachable: the
 * publisher logs once that it will retry, and both declare once the
 * broker is back, the database still away.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <criterion/criterion.h>

#include "broker.h"
#include "instance.h"
#include "stack.h"
#include "uuid4.h"

#define EXCHANGE "bee.customers.events"
#define ORDERS "bee.orders.events"
#define SCHEDULING "bee.scheduling.events"
#define DLX "bee.customers.history.dlx"
#define QUEUE "bee.customers.history"
#define DLQ "bee.customers.history.dlq"
/* a consumer's back-off reaches 30 s, and the broker takes its time */
#define DECLARE_MS 45000
#define RETRY_LOGGED "Publisher cannot declare its exchange: will retry"

static int exchange_wait(const char *, int);
static int queue_wait(const char *, int);
static void expect_exchange(const char *, const char *, const char *);
static void expect_bindable(const char *, const char *);
static int count_lines(const struct instance *, const char *);
static void stack_on_shared_db(struct stack *);
static void expect_topology(const char *);
static void delete_topology(const char *);

/* Polls a passive declare of name until it exists: 1, or 0 after ms. */
static int
exchange_wait(const char *name, int ms)
{
	long t0;

	t0 = instance_now_ms();
	do {
		if (broker_exchange_declare(name, "topic", 1) == 0)
			return (1);
		usleep(100000);
	} while (instance_now_ms() - t0 < ms);
	return (0);
}

/* Polls until the queue exists: 1, or 0 after ms. */
static int
queue_wait(const char *name, int ms)
{
	long t0, m, c;

	t0 = instance_now_ms();
	do {
		if (broker_queue_counts(name, &m, &c))
			return (1);
		usleep(100000);
	} while (instance_now_ms() - t0 < ms);
	return (0);
}

/* name exists as a durable exchange of type, and of no other type. */
static void
expect_exchange(const char *name, const char *type, const char *other)
{
	cr_assert(exchange_wait(name, DECLARE_MS), "no exchange %s", name);
	cr_assert_eq(broker_exchange_declare(name, type, 0), 0,
	    "%s is not a durable %s exchange", name, type);
	cr_assert_eq(broker_exchange_declare(name, other, 0),
	    AMQP_PRECONDITION_FAILED, "%s accepted as %s", name, other);
}

/*
 * A queue of another service's (server-named, exclusive) bound to
 * exchange with key, without declaring the exchange: a missing one would
 * close the channel (404).
 */
static void
expect_bindable(const char *exchange, const char *key)
{
	amqp_connection_state_t c;
	amqp_queue_declare_ok_t *q;
	amqp_bytes_t name;

	c = broker_open();
	q = amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1,
	    amqp_empty_table);
	cr_assert_not_null(q, "queue.declare");
	name = amqp_bytes_malloc_dup(q->queue);
	(void)amqp_queue_bind(c, 1, name, amqp_cstring_bytes(exchange),
	    amqp_cstring_bytes(key), amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "a queue cannot be bound to %s", exchange);
	amqp_bytes_free(name);
	broker_close(c);
}

/* Lines of its kore.err holding text. */
static int
count_lines(const struct instance *in, const char *text)
{
	const char *p;
	int n;

	n = 0;
	for (p = instance_file_text(in, "kore.err");
	     (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	return (n);
}

/* A fresh broker; the shared database (its lock is the shared service's). */
static void
stack_on_shared_db(struct stack *s)
{
	const char *shared;
	char *db;

	shared = getenv("DATABASE_URL");
	cr_assert(shared != NULL, "DATABASE_URL not set");
	db = strdup(shared);
	cr_assert_not_null(db);
	stack_start(s, "rabbitmq");
	cr_assert(setenv("DATABASE_URL", db, 1) == 0);
	free(db);
	/* nothing there yet: what follows is the instance's doing */
	cr_assert_eq(broker_exchange_declare(EXCHANGE, "topic", 1),
	    AMQP_NOT_FOUND);
	cr_assert_eq(broker_exchange_declare(ORDERS, "topic", 1),
	    AMQP_NOT_FOUND);
}

/* The publisher's exchange and the consumer's exchanges and queues. */
static void
expect_topology(const char *exchange)
{
	expect_exchange(exchange, "topic", "fanout");
	expect_bindable(exchange, "v1.customer.#");
	expect_exchange(ORDERS, "topic", "fanout");
	expect_exchange(SCHEDULING, "topic", "fanout");
	expect_exchange(DLX, "fanout", "topic");
	cr_assert(queue_wait(QUEUE, DECLARE_MS), "no queue %s", QUEUE);
	cr_assert(queue_wait(DLQ, DECLARE_MS), "no queue %s", DLQ);
}

static void
delete_topology(const char *exchange)
{
	static const char *const exchanges[] = { ORDERS, SCHEDULING, DLX,
		NULL };
	amqp_connection_state_t c;
	size_t i;

	c = broker_open();
	(void)amqp_queue_delete(c, 1, amqp_cstring_bytes(QUEUE), 0, 0);
	(void)amqp_queue_delete(c, 1, amqp_cstring_bytes(DLQ), 0, 0);
	(void)amqp_exchange_delete(c, 1, amqp_cstring_bytes(exchange), 0);
	for (i = 0; exchanges[i] != NULL; i++)
		(void)amqp_exchange_delete(c, 1,
		    amqp_cstring_bytes(exchanges[i]), 0);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL);
	broker_close(c);
	cr_assert_eq(broker_exchange_declare(exchange, "topic", 1),
	    AMQP_NOT_FOUND);
	cr_assert_eq(broker_exchange_declare(ORDERS, "topic", 1),
	    AMQP_NOT_FOUND);
}

Test(declare, at_start_up_and_once_the_broker_is_back, .timeout = 240)
{
	static const char *const env[] = { "WORKERS", "1", NULL };
	const char *away_env[7];
	struct instance in;
	struct stack s;
	char fresh[96], id[UUID_STR_LEN], dead_db[96];

	stack_on_shared_db(&s);
	instance_start(&in, env);
	expect_topology(EXCHANGE);
	/* declared by a publisher that does not hold the outbox lock */
	cr_assert(instance_wait_file_matches(&in, "kore.err",
	    "Publisher exchange declared", 5000));
	cr_assert(!instance_file_matches(&in, "kore.err",
		      "Outbox publisher started"),
	    "this instance's publisher took the shared database's lock");
	instance_stop(&in);
	instance_expect_clean(&in);

	/* the broker and the database away at start-up */
	delete_topology(EXCHANGE);
	uuid4(id);
	snprintf(fresh, sizeof(fresh), "bee.customers.events.%s", id);
	snprintf(dead_db, sizeof(dead_db),
	    "postgresql://postgres@127.0.0.1:%u/x", instance_free_port());
	away_env[0] = "WORKERS";
	away_env[1] = "1";
	away_env[2] = "RABBITMQ_EXCHANGE";
	away_env[3] = fresh;
	away_env[4] = "DATABASE_URL";
	away_env[5] = dead_db;
	away_env[6] = NULL;
	stack_ctl(&s, "stop", "rabbitmq");
	instance_start(&in, away_env);
	cr_assert(instance_wait_file_matches(&in, "kore.err", RETRY_LOGGED,
		      15000),
	    "the failed declaration is not logged");
	/* a retry or two meanwhile: still one line */
	usleep(3500000);
	stack_ctl(&s, "start", "rabbitmq");
	expect_topology(fresh);
	cr_assert_eq(count_lines(&in, RETRY_LOGGED), 1,
	    "the failed declaration logged %d times",
	    count_lines(&in, RETRY_LOGGED));
	cr_assert(instance_wait_file_matches(&in, "kore.err",
	    "Publisher exchange declared", 5000));
	instance_stop(&in);
	instance_expect_clean(&in);
	stack_reset(&s);
}
