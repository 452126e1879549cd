/*
 * The history consumer (docs/events.md, consumed events).
 *
 * Where it runs: like the outbox publisher (src/events/publisher.c), a Kore task
 * thread in worker 1 only that never returns, with blocking rabbitmq-c
 * and a dedicated blocking libpq connection; HTTP never waits for it. If
 * worker 1 dies, Kore restarts it and the thread starts again. Several
 * instances may consume the same queue: every message is one transaction,
 * idempotent by event_id.
 *
 * Topology, declared at every connect (idempotent), the first thing the
 * thread does, before the database is asked for: the topic exchanges
 * bee.orders.events and bee.scheduling.events (durable); the fanout
 * exchange bee.customers.history.dlx and the queue
 * bee.customers.history.dlq bound to it; the durable queue
 * bee.customers.history with x-dead-letter-exchange = that exchange, bound
 * to v1.order.* and v1.appointment.*. Both quorum queues unless
 * HISTORY_QUEUE_TYPE says classic (history_queue.c: the arguments, the
 * delivery limit, a refusal logged at every attempt). It consumes once
 * the database answers too: prefetch PREFETCH, manual acks.
 *
 * A message: parsed and checked by history_event.c; malformed (not JSON,
 * a missing or mistyped member, an unknown routing key) is rejected
 * without requeue, i.e. dead-lettered. Otherwise one transaction: insert
 * event_id into processed_events (already there: a duplicate, acked and
 * nothing done); resolve a customer_id-only event to its (business_id,
 * user_id) (no such customer in that business: rolled back and
 * dead-lettered); upsert the row by (business_id, order_id) /
 * (business_id, appointment_id), as upstream ids are unique only within
 * a business (migration 0009; the newest updated_at wins, ties to the
 * later message); recompute the stats of the customer (business_id,
 * user_id) if it exists; commit; then ack. History of a customer without
 * a profile is kept and counted when the profile is created (POST
 * /customers computes the same history_stats.h values).
 *
 * Failures: a database error nacks the message with requeue, closes the
 * AMQP connection (the broker requeues the prefetched ones too: nothing
 * is consumed while the database is away) and waits TASK_BACKOFF_MIN_MS,
 * doubling to TASK_BACKOFF_MAX_MS, before reconnecting, database first. A
 * broker error reconnects with the same backoff; unacked messages come
 * back and are deduplicated. A good message is never dead-lettered.
 *
 * Pruning: once a minute, processed_events older than 30 days go.
 *
 * Stopping (the worker drains, http/drain.c through task_threads_stop):
 * the message in hand is processed and settled as always; then the
 * consumer cancels its subscription (basic.cancel: the broker sends no
 * more), rejects with requeue every message delivered to it and not yet
 * processed (basic.nack, multiple, of all outstanding: the prefetched
 * ones go back to the queue at once, for another instance's consumer,
 * rather than keep this one past the grace; order does not matter, as
 * every event is idempotent and the newest updated_at wins), closes its
 * connection, logs "History consumer stopped" and returns, which the
 * drain waits for. Idle, it notices the stop within POLL_MS; in a
 * back-off within TASK_STOP_TICK_MS.
 *
 * The thread touches no Kore state and logs through task_log.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <kore/kore.h>
#include <kore/tasks.h>
#include <libpq-fe.h>

#include "events/amqp_nodes.h"
#include "events/amqp_pub.h"
#include "events/consumer.h"
#include "events/history_queue.h"
#include "model/history_event.h"
#include "model/history_stats.h"
#include "infra/log.h"
#include "infra/monotime.h"
#include "infra/settings.h"
#include "events/task_db.h"
#include "events/task_log.h"
#include "events/task_thread.h"

#define QUEUE "bee.customers.history"
#define DLX "bee.customers.history.dlx"
#define DLQ "bee.customers.history.dlq"
#define X_ORDERS "bee.orders.events"
#define X_SCHEDULING "bee.scheduling.events"
#define CHANNEL 1 /* the one amqp_pub_connect opens */
#define PREFETCH 50
#define POLL_MS 100 /* an idle wait for a message: how soon a stop shows */
#define AMQP_TIMEOUT_MS 5000
#define PRUNE_EVERY_S 60
#define KEYLEN 256

static const char sql_seen[] = "INSERT INTO processed_events (event_id)"
			       " VALUES ($1) ON CONFLICT DO NOTHING";
static const char sql_resolve[] = "SELECT user_id FROM customers"
				  " WHERE id = $1 AND business_id = $2";
/* the row's customer_id: the event's, else the profile's if it exists */
#define CUSTOMER_ID(b, u, cid) \
	"coalesce(" cid "::uuid, (SELECT c.id FROM customers c" \
	" WHERE c.business_id = " b "::uuid AND c.user_id = " u "::uuid))"
static const char sql_order[] =
    "INSERT INTO customer_orders AS x (order_id, business_id, user_id,"
    " customer_id, total, currency, status, created_at, updated_at,"
    " event_id) VALUES ($1, $2, $3, " CUSTOMER_ID("$2", "$3",
	"$4") ", $5::numeric, $6, $7, $8::timestamptz, $9::timestamptz, $10)"
	      " ON CONFLICT (business_id, order_id) DO UPDATE SET user_id = excluded.user_id,"
	      " customer_id = excluded.customer_id, total = excluded.total,"
	      " currency = excluded.currency, status = excluded.status,"
	      " created_at = excluded.created_at, updated_at = excluded.updated_at,"
	      " event_id = excluded.event_id"
	      " WHERE x.updated_at <= excluded.updated_at";
static const char sql_appointment[] =
    "INSERT INTO customer_appointments AS x (appointment_id, business_id,"
    " user_id, customer_id, starts_at, status, updated_at, event_id)"
    " VALUES ($1, $2, $3, " CUSTOMER_ID("$2", "$3",
	"$4") ", $5::timestamptz, $6, $7::timestamptz, $8)"
	      " ON CONFLICT (business_id, appointment_id) DO UPDATE SET user_id = excluded.user_id,"
	      " customer_id = excluded.customer_id, starts_at = excluded.starts_at,"
	      " status = excluded.status, updated_at = excluded.updated_at,"
	      " event_id = excluded.event_id"
	      " WHERE x.updated_at <= excluded.updated_at";
/*
 * Only when they differ: each write adds one to the row's version
 * (migration 0012; written here, so that its trigger need not run), and
 * an event that leaves the statistics as they were (a status change, an
 * older update) must not change the customer's ETag.
 */
/* clang-format off */
static const char sql_stats[] =
    "UPDATE customers c SET (" HISTORY_STATS_COLUMNS ")"
    " = (s.o, s.v, s.od, s.a, s.ad), version = c.version + 1"
    " FROM (SELECT " HISTORY_STATS_VALUES("$1::uuid", "$2::uuid") ")"
    " AS s(o, v, od, a, ad)"
    " WHERE c.business_id = $1 AND c.user_id = $2"
    " AND (" HISTORY_STATS_COLUMNS ")"
    " IS DISTINCT FROM (s.o, s.v, s.od, s.a, s.ad)";
/* clang-format on */
static const char sql_prune[] =
    "DELETE FROM processed_events"
    " WHERE processed_at < now() - interval '30 days'";

enum applied { APPLIED, DUPLICATE, NO_CUSTOMER, DB_FAILED };

struct consumer {
	PGconn *pg;
	amqp_connection_state_t amqp; /* NULL: closed */
	size_t amqp_next; /* RABBITMQ_URL's node to try first (amqp_nodes.h) */
	int backoff_ms;
	int down; /* an outage being logged once */
	int started;
	char tag[KEYLEN]; /* the subscription's consumer tag */
	time_t pruned_at;
	char err[AMQP_PUB_ERRLEN];
};

static struct kore_task task;

static int run(struct kore_task *);
static int db_ready(struct consumer *);
static int db_ok(struct consumer *, PGresult *, ExecStatusType);
static int amqp_ready(struct consumer *);
static int subscribed(struct consumer *);
static int amqp_failed(struct consumer *, int);
static int amqp_connect_node(void *, const char *, const char *, char *,
    size_t);
static int rpc_ok(struct consumer *, const char *);
static void amqp_drop(struct consumer *);
static int consume(struct consumer *);
static enum applied apply(struct consumer *, struct hev *);
static int db_ok_keep(struct consumer *, PGresult *, ExecStatusType);
static int run_sql(struct consumer *, const char *, int, const char *const *,
    ExecStatusType, PGresult **);
static void prune(struct consumer *);
static void stop(struct consumer *);
static const char *or_null(const char *);

void
consumer_start(void)
{
	task_thread_start(&task, run, "consumer");
}

static int
run(struct kore_task *t)
{
	struct consumer c;
	int rc;

	(void)t;
	memset(&c, 0, sizeof(c));
	c.backoff_ms = TASK_BACKOFF_MIN_MS;
	while (!task_stopping()) {
		if (!amqp_ready(&c) || !db_ready(&c) || !subscribed(&c)) {
			amqp_drop(&c);
			task_backoff(&c.backoff_ms);
			continue;
		}
		if (c.down || !c.started) {
			task_log(LOG_LEVEL_INFO,
			    c.started ? "History consumer resumed" :
					"History consumer started",
			    NULL, -1);
			c.down = 0;
			c.started = 1;
		}
		prune(&c);
		if ((rc = consume(&c)) == 0)
			continue;
		if (!c.down)
			task_log(LOG_LEVEL_WARNING,
			    "History consumer paused: will retry", c.err, -1);
		c.down = 1;
		/* closing returns the prefetched messages to the queue */
		amqp_drop(&c);
		if (rc == -2)
			task_db_close(&c.pg);
		task_backoff(&c.backoff_ms);
	}
	stop(&c);
	return (KORE_RESULT_OK);
}

/*
 * The message in hand is settled by then (consume() acks or nacks it
 * before the loop looks at the stop); closing the connection returns every
 * delivery not yet settled to the queue, prefetched ones included, as a
 * broker error's close does: nothing more to send first.
 */
static void
stop(struct consumer *c)
{
	amqp_drop(c);
	task_db_close(&c->pg);
	task_log(LOG_LEVEL_INFO, "History consumer stopped", NULL, -1);
}

static int
db_ready(struct consumer *c)
{
	PGresult *r;

	if (c->pg != NULL && PQstatus(c->pg) != CONNECTION_OK)
		task_db_close(&c->pg);
	if (c->pg != NULL)
		return (1);
	c->pg = task_db_connect("bee-customers history consumer",
	    c->down ? "History consumer: PostgreSQL still unreachable" :
		      "History consumer cannot connect to PostgreSQL");
	if (c->pg == NULL) {
		c->down = 1;
		return (0);
	}
	/* timestamps without an offset are UTC (history_event.h) */
	r = PQexec(c->pg, "SET TIME ZONE 'UTC'");
	return (db_ok(c, r, PGRES_COMMAND_OK));
}

/* Clears r unless it holds rows; on an unexpected status drops the
 * connection (which rolls back) and keeps the reason in c->err. */
static int
db_ok(struct consumer *c, PGresult *r, ExecStatusType want)
{
	return (task_db_ok(&c->pg, r, want, c->err, sizeof(c->err)));
}

/* db_ok that keeps a good r whatever its status (the caller clears it). */
static int
db_ok_keep(struct consumer *c, PGresult *r, ExecStatusType want)
{
	if (r != NULL && PQresultStatus(r) == want)
		return (1);
	return (db_ok(c, r, want));
}

static int
run_sql(struct consumer *c, const char *sql, int n, const char *const *params,
    ExecStatusType want, PGresult **out)
{
	PGresult *r;

	r = PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
	if (!db_ok(c, r, want))
		return (0);
	if (out != NULL)
		*out = r;
	else if (want == PGRES_TUPLES_OK)
		PQclear(r);
	return (1);
}

static void
amqp_drop(struct consumer *c)
{
	if (c->amqp == NULL)
		return;
	(void)amqp_connection_close(c->amqp, AMQP_REPLY_SUCCESS);
	(void)amqp_destroy_connection(c->amqp);
	c->amqp = NULL;
}

static int
rpc_ok(struct consumer *c, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(c->amqp);

	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return (1);
	(void)snprintf(c->err, sizeof(c->err), "%s: %s", what,
	    r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ?
		amqp_error_string2(r.library_error) :
		"refused by the broker");
	return (0);
}

/* One node of RABBITMQ_URL, for amqp_nodes_open. */
static int
amqp_connect_node(void *arg, const char *url, const char *address, char *err,
    size_t errlen)
{
	struct consumer *c = arg;

	return (amqp_pub_connect(&c->amqp, url, address, AMQP_TIMEOUT_MS, err,
	    errlen));
}

/*
 * Connected and the topology declared: first thing at start-up, before
 * the database is asked for, so that a service starting next binds to
 * what is there. 0 with c->err when not.
 */
static int
amqp_ready(struct consumer *c)
{
	amqp_connection_state_t a;
	int rc;

	if (c->amqp != NULL)
		return (1);
	c->tag[0] = '\0';
	rc = 0;
	if (amqp_nodes_open(&c->amqp_next, amqp_connect_node, c, c->err,
		sizeof(c->err)) == -1)
		return (amqp_failed(c, rc));
	a = c->amqp;
	(void)amqp_exchange_declare(a, CHANNEL, amqp_cstring_bytes(X_ORDERS),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	if (!rpc_ok(c, "exchange.declare " X_ORDERS))
		return (amqp_failed(c, rc));
	(void)amqp_exchange_declare(a, CHANNEL,
	    amqp_cstring_bytes(X_SCHEDULING), amqp_cstring_bytes("topic"), 0, 1,
	    0, 0, amqp_empty_table);
	if (!rpc_ok(c, "exchange.declare " X_SCHEDULING))
		return (amqp_failed(c, rc));
	(void)amqp_exchange_declare(a, CHANNEL, amqp_cstring_bytes(DLX),
	    amqp_cstring_bytes("fanout"), 0, 1, 0, 0, amqp_empty_table);
	if (!rpc_ok(c, "exchange.declare " DLX))
		return (amqp_failed(c, rc));
	if ((rc = history_queue_declare(a, CHANNEL, DLQ, NULL, c->err,
		 sizeof(c->err))) != 0)
		return (amqp_failed(c, rc));
	(void)amqp_queue_bind(a, CHANNEL, amqp_cstring_bytes(DLQ),
	    amqp_cstring_bytes(DLX), amqp_cstring_bytes(""), amqp_empty_table);
	if (!rpc_ok(c, "queue.bind " DLQ))
		return (amqp_failed(c, rc));
	if ((rc = history_queue_declare(a, CHANNEL, QUEUE, DLX, c->err,
		 sizeof(c->err))) != 0)
		return (amqp_failed(c, rc));
	(void)amqp_queue_bind(a, CHANNEL, amqp_cstring_bytes(QUEUE),
	    amqp_cstring_bytes(X_ORDERS), amqp_cstring_bytes("v1.order.*"),
	    amqp_empty_table);
	if (!rpc_ok(c, "queue.bind v1.order.*"))
		return (amqp_failed(c, rc));
	(void)amqp_queue_bind(a, CHANNEL, amqp_cstring_bytes(QUEUE),
	    amqp_cstring_bytes(X_SCHEDULING),
	    amqp_cstring_bytes("v1.appointment.*"), amqp_empty_table);
	if (!rpc_ok(c, "queue.bind v1.appointment.*"))
		return (amqp_failed(c, rc));
	return (1);
}

/*
 * Consuming from the queue, once the database answers too: nothing is
 * taken that could not be applied. 0 with c->err when not.
 */
static int
subscribed(struct consumer *c)
{
	amqp_basic_consume_ok_t *ok;

	if (c->tag[0] != '\0')
		return (1);
	(void)amqp_basic_qos(c->amqp, CHANNEL, 0, PREFETCH, 0);
	if (!rpc_ok(c, "basic.qos"))
		return (amqp_failed(c, 0));
	ok = amqp_basic_consume(c->amqp, CHANNEL, amqp_cstring_bytes(QUEUE),
	    amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
	if (!rpc_ok(c, "basic.consume") || ok == NULL ||
	    ok->consumer_tag.len >= sizeof(c->tag))
		return (amqp_failed(c, 0));
	/* the reply lives in the connection's pool: released later */
	memcpy(c->tag, ok->consumer_tag.bytes, ok->consumer_tag.len);
	c->tag[ok->consumer_tag.len] = '\0';
	return (1);
}

/* amqp_ready's or subscribed's failure, rc history_queue_declare's: 0. */
static int
amqp_failed(struct consumer *c, int rc)
{
	/* a queue of another type stays so until someone acts: every time */
	if (rc == HISTORY_QUEUE_MISMATCH)
		task_log(LOG_LEVEL_ERROR,
		    "History consumer: the broker refuses its queue", c->err,
		    -1);
	else if (!c->down)
		task_log(LOG_LEVEL_WARNING,
		    "History consumer cannot consume from RabbitMQ", c->err,
		    -1);
	c->down = 1;
	return (0);
}

/*
 * Waits up to POLL_MS for one message and settles it. 0 when done (or
 * nothing came), -1 on a broker failure, -2 on a database failure (the
 * message nacked with requeue).
 */
static int
consume(struct consumer *c)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	struct timeval tv;
	struct hev e;
	char key[KEYLEN], why[HEV_ERRLEN];
	uint64_t tag;
	size_t n;
	int rc, st;

	amqp_maybe_release_buffers(c->amqp);
	tv.tv_sec = POLL_MS / 1000;
	tv.tv_usec = (POLL_MS % 1000) * 1000;
	r = amqp_consume_message(c->amqp, &env, &tv, 0);
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_TIMEOUT) {
		c->backoff_ms = TASK_BACKOFF_MIN_MS; /* idle and healthy */
		return (0);
	}
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		(void)snprintf(c->err, sizeof(c->err), "consume: %s",
		    r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ?
			amqp_error_string2(r.library_error) :
			"closed by the broker");
		return (-1);
	}
	tag = env.delivery_tag;
	n = env.routing_key.len < KEYLEN - 1 ? env.routing_key.len : KEYLEN - 1;
	memcpy(key, env.routing_key.bytes, n);
	key[n] = '\0';
	rc = 0;
	if (hev_parse(key, env.message.body.bytes, env.message.body.len, &e,
		why, sizeof(why)) == -1) {
		task_log(LOG_LEVEL_WARNING, "History event dead-lettered", why,
		    -1);
		st = amqp_basic_reject(c->amqp, CHANNEL, tag, 0);
	} else {
		switch (apply(c, &e)) {
		case APPLIED:
		case DUPLICATE:
			c->backoff_ms = TASK_BACKOFF_MIN_MS;
			st = amqp_basic_ack(c->amqp, CHANNEL, tag, 0);
			break;
		case NO_CUSTOMER:
			task_log(LOG_LEVEL_WARNING,
			    "History event dead-lettered",
			    "customer_id: no such customer", -1);
			st = amqp_basic_reject(c->amqp, CHANNEL, tag, 0);
			break;
		default:
			(void)amqp_basic_nack(c->amqp, CHANNEL, tag, 0, 1);
			st = AMQP_STATUS_OK;
			rc = -2;
			break;
		}
	}
	amqp_destroy_envelope(&env);
	if (rc == 0 && st != AMQP_STATUS_OK) {
		(void)snprintf(c->err, sizeof(c->err), "settle: %s",
		    amqp_error_string2(st));
		rc = -1;
	}
	return (rc);
}

/* A parameter: "" is SQL NULL. */
static const char *
or_null(const char *s)
{
	return (s[0] != '\0' ? s : NULL);
}

/* One transaction for event e (see the top of the file). */
static enum applied
apply(struct consumer *c, struct hev *e)
{
	PGresult *r;
	const char *p[10];
	char user_id[UUID_STRLEN];
	int fresh;

	if (!run_sql(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL))
		return (DB_FAILED);
	p[0] = e->event_id;
	r = PQexecParams(c->pg, sql_seen, 1, NULL, p, NULL, NULL, 0);
	if (!db_ok_keep(c, r, PGRES_COMMAND_OK))
		return (DB_FAILED);
	fresh = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	if (!fresh) {
		if (!run_sql(c, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL))
			return (DB_FAILED);
		return (DUPLICATE);
	}
	(void)snprintf(user_id, sizeof(user_id), "%s", e->user_id);
	if (user_id[0] == '\0') {
		p[0] = e->customer_id;
		p[1] = e->business_id;
		if (!run_sql(c, sql_resolve, 2, p, PGRES_TUPLES_OK, &r))
			return (DB_FAILED);
		if (PQntuples(r) == 1)
			(void)snprintf(user_id, sizeof(user_id), "%s",
			    PQgetvalue(r, 0, 0));
		PQclear(r);
		if (user_id[0] == '\0') {
			if (!run_sql(c, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK,
				NULL))
				return (DB_FAILED);
			return (NO_CUSTOMER);
		}
	}
	p[0] = e->id;
	p[1] = e->business_id;
	p[2] = user_id;
	p[3] = or_null(e->customer_id);
	if (e->kind == HEV_ORDER) {
		p[4] = or_null(e->total);
		p[5] = or_null(e->currency);
		p[6] = e->status;
		p[7] = or_null(e->created_at);
		p[8] = e->updated_at;
		p[9] = e->event_id;
		if (!run_sql(c, sql_order, 10, p, PGRES_COMMAND_OK, NULL))
			return (DB_FAILED);
	} else {
		p[4] = or_null(e->starts_at);
		p[5] = e->status;
		p[6] = e->updated_at;
		p[7] = e->event_id;
		if (!run_sql(c, sql_appointment, 8, p, PGRES_COMMAND_OK, NULL))
			return (DB_FAILED);
	}
	p[0] = e->business_id;
	p[1] = user_id;
	if (!run_sql(c, sql_stats, 2, p, PGRES_COMMAND_OK, NULL) ||
	    !run_sql(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL))
		return (DB_FAILED);
	return (APPLIED);
}

static void
prune(struct consumer *c)
{
	time_t now;

	now = monotime_ms() / 1000;
	if (now - c->pruned_at < PRUNE_EVERY_S)
		return;
	c->pruned_at = now;
	(void)run_sql(c, sql_prune, 0, NULL, PGRES_COMMAND_OK, NULL);
}
