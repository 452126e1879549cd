/*
 * The outbox publisher (docs/events.md).
 *
 * Where it runs: a Kore task thread in worker 1 only, started from
 * kore_worker_configure. It never returns, so it holds one of the
 * worker's task_threads for good (the config keeps a second one free).
 * Blocking I/O is fine there: HTTP runs on the worker's loop, and a
 * blocked or dead broker only stalls this thread. If worker 1 dies, Kore
 * restarts it and the thread starts again.
 *
 * One publisher across workers and instances: the thread holds the
 * session advisory lock PUB_LOCK on a dedicated blocking libpq connection
 * (never the worker's pool) that also LISTENs on bee_outbox. Without the
 * lock it retries every LOCK_RETRY_MS; when that connection breaks, the
 * lock is gone with it, and the thread starts over.
 *
 * The loop: read up to BATCH unsent rows in id order; publish them all
 * (mandatory, persistent, message_id = event_id, timestamp = created_at,
 * header trace_id; the body is the stored payload plus event_id,
 * occurred_at and business_id, built in SQL); wait for the broker's
 * confirms, each row its own (src/events/confirms.c: the broker confirms in any
 * order, and a basic.ack of a later tag says nothing of an earlier one);
 * mark the acked rows sent, and remove the Redis mirror item of those
 * that had been parked. A nacked row (a full reject-publish queue, say)
 * stays unsent, counts an attempt and is parked at once (mirrored, as
 * below); a closed channel or a timeout leaves the rows not acked by then
 * unsent. Then wait for a write of this instance to wake the thread
 * (src/events/outbox_wake.c; writes no longer NOTIFY, a tool still may),
 * or POLL_MS for rows other instances wrote (NACK_WAIT_MS after a batch
 * with nacks). Rows go out in
 * id order, and each batch starts at the first unsent row, so a nacked
 * row is retried first in the next batch, behind rows of its batch that
 * were acked (at least once; consumers dedupe by message_id). A batch
 * that only got nacks backs off as a broker failure does (below), without
 * parking the rows it did not try.
 *
 * Broker failures: a connection that had been idle may simply be stale
 * (a broker restart), so the batch is retried once on a fresh connection
 * at once. If that fails too, every unsent row not yet parked is mirrored
 * to Redis failed_events (RPUSH of the original's item plus message_id)
 * and marked parked_at; the outbox stays the source of truth. Retries back
 * off from 1 s, doubling, to 30 s; when the broker answers again unsent
 * rows go out in order, parked ones included, and their items are removed
 * in one script per batch, linear in the batch (src/events/mirror.c: they are
 * at the list's head; parking never pushes an item the list's tail
 * already holds, which a crash between the push and the parked_at update
 * would otherwise leave twice). The item text is a deterministic function
 * of the row (jsonb's canonical text), computed in SQL both when parking
 * and when removing, so it matches byte for byte. With Redis down too,
 * rows stay unsent and unparked, and are tried again. A mirror item whose
 * removal failed (Redis down at the confirm), or of a row sent after a
 * crash between its push and its parked_at, stays behind; resending it is
 * a duplicate that consumers drop.
 *
 * Start-up: every instance's thread declares the exchange first, before
 * the lock and whatever the outbox holds (declare_exchange), so that a
 * service binding a queue to it finds it however the services started;
 * it closes that connection unless it holds the lock by then. While the
 * broker is away it tries again with the back-off, between the loop's
 * other work (parking goes on meanwhile), and logs the failure once.
 *
 * Pruning: once a minute, sent rows older than OUTBOX_RETENTION_DAYS go.
 *
 * Stopping (the worker drains, http/drain.c through task_threads_stop):
 * the batch in hand is finished as always (published, its confirms
 * awaited, the acked rows marked sent, the others left unsent), then no
 * new batch starts; the thread closes its AMQP connection and its
 * PostgreSQL connection, which releases the advisory lock at once (the
 * next instance's publisher takes it at its next try, within
 * LOCK_RETRY_MS), logs "Outbox publisher stopped" with the rows its last
 * batch marked sent, and returns, which the drain waits for. Every wait
 * (a notification, a back-off, the lock's retry) ends within
 * TASK_STOP_TICK_MS of the stop; a batch's own waits do not (up to
 * AMQP_TIMEOUT_MS for the confirms), and SHUTDOWN_GRACE_SECONDS bounds them.
 *
 * The thread touches no Kore state and does not call log.c (not
 * thread-safe): it queues its log lines with task_log (src/events/task_log.c).
 */
#include <sys/types.h>

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/tasks.h>
#include <libpq-fe.h>

#include "events/amqp_nodes.h"
#include "events/amqp_pub.h"
#include "infra/deps.h"
#include "infra/log.h"
#include "infra/metrics.h"
#include "infra/monotime.h"
#include "events/mirror.h"
#include "events/outbox_sql.h"
#include "events/outbox_wake.h"
#include "model/pg_array.h"
#include "events/publisher.h"
#include "infra/settings.h"
#include "events/task_db.h"
#include "events/task_log.h"
#include "events/task_thread.h"

/* pg_try_advisory_lock(int, int): "beec" and "publ" (the migrator: "migr") */
#define PUB_LOCK "1650812259, 1886740076"
#define BATCH 100 /* = the LIMIT of sql_unsent */
#define PARK_MAX 1000 /* = the LIMIT of sql_unparked */
/*
 * How often the lock holder looks for rows it was not woken for: written
 * by another instance (only its own instance's writes wake it), or left
 * by a wake-up lost with a restarted worker. One index scan of the
 * partial index outbox_unsent when there is nothing to send.
 */
#define POLL_MS 50
#define NACK_WAIT_MS 1000
#define LOCK_RETRY_MS 3000
#define DB_RETRY_MS 1000
#define AMQP_TIMEOUT_MS 5000
#define REDIS_TIMEOUT_MS 500
#define PRUNE_EVERY_S 60
#define GAUGES_EVERY_S 1

static const char sql_lock[] = "SELECT pg_try_advisory_lock(" PUB_LOCK ")";
static const char sql_unsent[] =
    "SELECT o.id, o.event_id, o.routing_key, o.trace_id,"
    " extract(epoch FROM o.created_at)::bigint, b.body::text,"
    " o.parked_at IS NOT NULL, " SQL_ITEM
    " FROM outbox o, LATERAL (SELECT " SQL_BODY " AS body) b"
    " WHERE o.sent_at IS NULL ORDER BY o.id LIMIT 100";
static const char sql_unparked[] =
    "SELECT o.id, " SQL_ITEM " FROM outbox o, LATERAL (SELECT " SQL_BODY
    " AS body) b"
    " WHERE o.sent_at IS NULL AND o.parked_at IS NULL"
    " ORDER BY o.id LIMIT 1000";
static const char sql_sent[] =
    "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])";
static const char sql_parked[] =
    "UPDATE outbox SET parked_at = now() WHERE id = ANY($1::bigint[])";
static const char sql_attempted[] = "UPDATE outbox SET attempts = attempts + 1"
				    " WHERE id = ANY($1::bigint[])";
/* Counted through the partial index outbox_unsent. */
static const char sql_pending[] =
    "SELECT count(*) FROM outbox WHERE sent_at IS NULL";
static const char sql_prune[] =
    "DELETE FROM outbox WHERE sent_at IS NOT NULL"
    " AND sent_at < now() - make_interval(days => $1::int)";

/*
 * SENT_PART: the broker answered every row, nacking some; REFUSED: it
 * nacked every one.
 */
enum outcome {
	SENT_ALL,
	SENT_SOME,
	SENT_PART,
	REFUSED,
	BROKER_FAILED,
	DB_FAILED
};

struct publisher {
	PGconn *pg; /* dedicated: LISTEN and the advisory lock */
	int locked;
	struct amqp_pub amqp;
	int amqp_used; /* the connection has carried a batch already */
	size_t amqp_next; /* RABBITMQ_URL's node to try first (amqp_nodes.h) */
	struct mirror redis;
	int backoff_ms;
	int broker_down; /* logged once per outage */
	int refusing; /* logged once per run of nacked batches */
	int last_sent; /* rows the batch in hand marked sent */
	int nacked; /* the last batch had nacks */
	int declared; /* the exchange declared since the thread started */
	int declare_ms; /* the declaration's back-off */
	int declare_failed; /* logged once until it succeeds */
	long long declare_at; /* monotime_ms of its next try */
	time_t pruned_at;
	time_t gauged_at;
	char err[AMQP_PUB_ERRLEN];
};

static struct kore_task task;

static int run(struct kore_task *);
static void declare_exchange(struct publisher *);
static int amqp_reopen(struct publisher *);
static int db_ready(struct publisher *);
static void db_drop(struct publisher *);
static int db_ok(struct publisher *, PGresult *, ExecStatusType);
static int ids_update(struct publisher *, const char *, const char *);
static enum outcome send_batch(struct publisher *);
static int mark(struct publisher *, PGresult *, int);
static int any_confirmed(struct publisher *, int);
static void park(struct publisher *);
static int park_rows(struct publisher *, PGresult *, const int *, int, int);
static int mirror_ready(struct publisher *);
static void prune(struct publisher *);
static void gauges(struct publisher *);
static void wait_notify(struct publisher *, int);
static void stop(struct publisher *);
static int amqp_open_node(void *, const char *, const char *, char *, size_t);

void
publisher_start(void)
{
	task_thread_start(&task, run, "publisher");
}

static int
run(struct kore_task *t)
{
	struct publisher p;
	enum outcome o;

	(void)t;
	memset(&p, 0, sizeof(p));
	p.amqp.failed = 1;
	p.backoff_ms = TASK_BACKOFF_MIN_MS;
	p.declare_ms = TASK_BACKOFF_MIN_MS;
	while (!task_stopping()) {
		declare_exchange(&p);
		if (!db_ready(&p))
			continue;
		prune(&p);
		/* before the read: a commit after this wakes the wait below */
		outbox_wake_clear();
		o = send_batch(&p);
		if (o == DB_FAILED) {
			db_drop(&p);
			task_nap(DB_RETRY_MS);
			continue;
		}
		if (o == BROKER_FAILED) {
			if (!p.broker_down)
				task_log(LOG_LEVEL_WARNING,
				    "Broker unreachable: outbox events parked",
				    p.err, -1);
			p.broker_down = 1;
			park(&p);
			task_backoff(&p.backoff_ms);
			continue;
		}
		if (o == REFUSED) {
			if (!p.refusing)
				task_log(LOG_LEVEL_WARNING,
				    "Broker nacked outbox events: retried "
				    "with backoff",
				    p.err, -1);
			p.refusing = 1;
			/*
			 * then on a fresh channel: one opened as a cluster
			 * node stopped nacked every message until that node
			 * came back (the drill, RabbitMQ 3.10)
			 */
			p.amqp.failed = 1;
			p.nacked = 1;
			task_backoff(&p.backoff_ms);
			continue;
		}
		/*
		 * Such a channel nacks only the rows routed to the queues of
		 * that node when others are acked: nacks twice in a row get a
		 * fresh channel too (a full queue nacks again on any channel,
		 * at the cost of one reconnect per batch).
		 */
		if (o == SENT_PART && p.nacked)
			p.amqp.failed = 1;
		p.nacked = o == SENT_PART;
		p.refusing = 0;
		p.backoff_ms = TASK_BACKOFF_MIN_MS;
		if (o == SENT_SOME)
			continue; /* a full batch: more may wait */
		/* its nacked rows wait a little, unless new rows come */
		wait_notify(&p, o == SENT_PART ? NACK_WAIT_MS : POLL_MS);
	}
	stop(&p);
	return (KORE_RESULT_OK);
}

/*
 * The start-up declaration (top comment): amqp_pub_open declares the
 * exchange exactly as every batch's connection does (topic, durable).
 */
static void
declare_exchange(struct publisher *p)
{
	if (p->declared || monotime_ms() < p->declare_at)
		return;
	if (p->amqp.failed && amqp_reopen(p) == -1) {
		if (!p->declare_failed)
			task_log(LOG_LEVEL_WARNING,
			    "Publisher cannot declare its exchange: will retry",
			    p->err, -1);
		p->declare_failed = 1;
		p->declare_at = monotime_ms() + p->declare_ms;
		p->declare_ms = p->declare_ms * 2 > TASK_BACKOFF_MAX_MS ?
		    TASK_BACKOFF_MAX_MS :
		    p->declare_ms * 2;
		return;
	}
	task_log(LOG_LEVEL_INFO, "Publisher exchange declared", NULL, -1);
	if (!p->locked)
		amqp_pub_close(&p->amqp); /* the lock holder's only */
}

/*
 * A fresh connection, the exchange declared on it; -1 with p->err when no
 * node of RABBITMQ_URL answers.
 */
static int
amqp_reopen(struct publisher *p)
{
	amqp_pub_close(&p->amqp);
	if (amqp_nodes_open(&p->amqp_next, amqp_open_node, p, p->err,
		sizeof(p->err)) == -1)
		return (-1);
	p->amqp_used = 0;
	p->declared = 1;
	return (0);
}

/* Everything let go of, so that another publisher takes over at once. */
static void
stop(struct publisher *p)
{
	amqp_pub_close(&p->amqp);
	db_drop(p);
	mirror_close(&p->redis);
	task_log(LOG_LEVEL_INFO, "Outbox publisher stopped", NULL,
	    p->last_sent);
}

/*
 * A connection that LISTENs and holds the lock; 0 after waiting a little
 * when there is none yet.
 */
static int
db_ready(struct publisher *p)
{
	PGresult *r;
	int got;
	char name[64];

	if (p->pg != NULL && PQstatus(p->pg) != CONNECTION_OK)
		db_drop(p);
	if (p->pg == NULL) {
		/* the worker's pid tells which instance holds the lock */
		(void)snprintf(name, sizeof(name), "bee-customers publisher %d",
		    (int)getpid());
		p->pg = task_db_connect(name,
		    "Publisher cannot connect to PostgreSQL");
		if (p->pg == NULL) {
			metrics_gauge(METRIC_OUTBOX_PENDING, -1);
			task_nap(DB_RETRY_MS);
			return (0);
		}
		r = PQexec(p->pg, "LISTEN bee_outbox");
		if (!db_ok(p, r, PGRES_COMMAND_OK)) {
			task_nap(DB_RETRY_MS);
			return (0);
		}
	}
	gauges(p);
	if (p->locked)
		return (1);
	r = PQexec(p->pg, sql_lock);
	if (!db_ok(p, r, PGRES_TUPLES_OK)) {
		task_nap(DB_RETRY_MS);
		return (0);
	}
	got = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!got) {
		task_nap(LOCK_RETRY_MS);
		return (0);
	}
	p->locked = 1;
	task_log(LOG_LEVEL_INFO, "Outbox publisher started", NULL, -1);
	return (1);
}

static void
db_drop(struct publisher *p)
{
	task_db_close(&p->pg);
	p->locked = 0;
}

/* Clears r; on an unexpected status logs and drops the connection. */
static int
db_ok(struct publisher *p, PGresult *r, ExecStatusType want)
{
	char why[256]; /* task_log keeps as much */

	if (task_db_ok(&p->pg, r, want, why, sizeof(why)))
		return (1);
	task_log(LOG_LEVEL_ERROR, "Publisher query failed", why, -1);
	db_drop(p);
	return (0);
}

/* Runs one of the id-array UPDATEs; ids is "{1,2,...}". */
static int
ids_update(struct publisher *p, const char *sql, const char *ids)
{
	PGresult *r;
	const char *params[1] = { ids };

	r = PQexecParams(p->pg, sql, 1, NULL, params, NULL, NULL, 0);
	return (db_ok(p, r, PGRES_COMMAND_OK));
}

/* One node of RABBITMQ_URL, for amqp_nodes_open. */
static int
amqp_open_node(void *arg, const char *url, const char *address, char *err,
    size_t errlen)
{
	struct publisher *p = arg;

	return (amqp_pub_open(&p->amqp, url, address,
	    settings.rabbitmq_exchange, AMQP_TIMEOUT_MS, err, errlen));
}

/*
 * Publishes the next batch. The columns of sql_unsent: 0 id, 1 event_id,
 * 2 routing_key, 3 trace_id, 4 created_at epoch, 5 body, 6 parked,
 * 7 mirror item.
 */
static enum outcome
send_batch(struct publisher *p)
{
	PGresult *r;
	struct amqp_msg m;
	int i, n, sent, nacked, retried;

	p->last_sent = 0; /* a stop reports the batch in hand, if any */
	r = PQexec(p->pg, sql_unsent);
	if (!db_ok(p, r, PGRES_TUPLES_OK))
		return (DB_FAILED);
	if ((n = PQntuples(r)) == 0) {
		PQclear(r);
		return (SENT_ALL);
	}
	retried = 0;
again:
	if (p->amqp.failed) {
		if (amqp_reopen(p) == -1) {
			PQclear(r);
			return (BROKER_FAILED);
		}
		if (p->broker_down)
			task_log(LOG_LEVEL_INFO, "Broker reachable again", NULL,
			    -1);
		p->broker_down = 0;
	}
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.message_id = PQgetvalue(r, i, 1);
		m.routing_key = PQgetvalue(r, i, 2);
		m.trace_id = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
		m.timestamp = strtoull(PQgetvalue(r, i, 4), NULL, 10);
		m.body = PQgetvalue(r, i, 5);
		m.body_len = (size_t)PQgetlength(r, i, 5);
		if (amqp_pub_send(&p->amqp, &m, p->err, sizeof(p->err)) == -1)
			break;
	}
	nacked = 0;
	if (i == n)
		nacked = amqp_pub_confirm(&p->amqp, AMQP_TIMEOUT_MS, p->err,
		    sizeof(p->err));
	metrics_add(METRIC_AMQP_RETURNS, p->amqp.returns);
	p->amqp.returns = 0;
	if (p->amqp.failed && p->amqp_used && !retried &&
	    !any_confirmed(p, n)) {
		/*
		 * An idle connection may just be stale: once more, fresh. Not
		 * an attempt of the rows (mark would count one): the broker
		 * answered none of them.
		 */
		retried = 1;
		p->amqp_used = 0;
		goto again;
	}
	if ((sent = mark(p, r, n)) == -1) {
		PQclear(r);
		return (DB_FAILED);
	}
	p->last_sent = sent;
	if (!p->amqp.failed) {
		/* every row has its ack or nack */
		p->amqp_used = 1;
		PQclear(r);
		if (nacked > 0)
			return (sent > 0 ? SENT_PART : REFUSED);
		return (n == BATCH ? SENT_SOME : SENT_ALL);
	}
	PQclear(r);
	return (sent > 0 ? SENT_SOME : BROKER_FAILED);
}

/*
 * After the confirms of the n rows of r: marks the acked ones sent (and
 * removes the mirror items of those that were parked), counts an attempt
 * for the others, and parks the nacked ones not parked yet. The number
 * marked sent, or -1 (database).
 */
static int
mark(struct publisher *p, PGresult *r, int n)
{
	struct pg_array done, rest;
	const char *items[BATCH];
	int nacked_rows[BATCH];
	int i, sent, parked, nacked, ok;

	memset(&done, 0, sizeof(done));
	memset(&rest, 0, sizeof(rest));
	sent = parked = nacked = 0;
	for (i = 0; i < n; i++) {
		if (!amqp_pub_acked(&p->amqp, (size_t)i)) {
			pg_array_add(&rest, PQgetvalue(r, i, 0));
			if (confirms_get(&p->amqp.confirms, (size_t)i) ==
				CONFIRM_NACK &&
			    strcmp(PQgetvalue(r, i, 6), "t"))
				nacked_rows[nacked++] = i;
			continue;
		}
		pg_array_add(&done, PQgetvalue(r, i, 0));
		if (!strcmp(PQgetvalue(r, i, 6), "t"))
			items[parked++] = PQgetvalue(r, i, 7);
		sent++;
	}
	ok = 1;
	if (sent > 0)
		ok = ids_update(p, sql_sent, pg_array_text(&done));
	if (ok && sent < n)
		ok = ids_update(p, sql_attempted, pg_array_text(&rest));
	pg_array_free(&done);
	pg_array_free(&rest);
	if (!ok)
		return (-1);
	if (parked > 0 && mirror_ready(p) &&
	    mirror_remove(&p->redis, items, parked, p->err, sizeof(p->err)) ==
		-1)
		task_log(LOG_LEVEL_WARNING,
		    "Mirror items of sent events left in failed_events", p->err,
		    -1);
	if (nacked > 0 && park_rows(p, r, nacked_rows, nacked, 7) == -1)
		return (-1);
	return (sent);
}

/* Whether the broker acked or nacked any of the n rows just sent. */
static int
any_confirmed(struct publisher *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (confirms_get(&p->amqp.confirms, (size_t)i) !=
		    CONFIRM_PENDING)
			return (1);
	return (0);
}

static int
mirror_ready(struct publisher *p)
{
	if (p->redis.ctx != NULL)
		return (1);
	if (*settings.redis_url == '\0' || *deps_address(DEP_REDIS) == '\0')
		return (0); /* disabled, or no address (no resolver here) */
	return (mirror_connect(&p->redis, settings.redis_url,
		    deps_address(DEP_REDIS), REDIS_TIMEOUT_MS, p->err,
		    sizeof(p->err)) == 0);
}

/* Mirrors unsent, unparked rows to failed_events and marks them parked. */
static void
park(struct publisher *p)
{
	PGresult *r;
	int rows[PARK_MAX];
	int i, n;

	if (!mirror_ready(p))
		return;
	r = PQexec(p->pg, sql_unparked);
	if (!db_ok(p, r, PGRES_TUPLES_OK))
		return;
	n = PQntuples(r);
	for (i = 0; i < n && i < PARK_MAX; i++)
		rows[i] = i;
	(void)park_rows(p, r, rows, i, 1);
	PQclear(r);
}

/*
 * Mirrors the items (column itemcol) of the given rows of r, whose column
 * 0 is the outbox id, and marks those rows parked. 0, also when Redis is
 * not there (the rows stay unparked, tried again later), or -1 when the
 * database failed.
 */
static int
park_rows(struct publisher *p, PGresult *r, const int *rows, int n, int itemcol)
{
	struct pg_array ids;
	const char *items[PARK_MAX];
	int i, ok;

	if (n == 0 || !mirror_ready(p))
		return (0);
	for (i = 0; i < n; i++)
		items[i] = PQgetvalue(r, rows[i], itemcol);
	if (mirror_push(&p->redis, items, n, p->err, sizeof(p->err)) == -1) {
		task_log(LOG_LEVEL_WARNING,
		    "Redis unreachable: events stay in the outbox", p->err, -1);
		return (0);
	}
	memset(&ids, 0, sizeof(ids));
	for (i = 0; i < n; i++)
		pg_array_add(&ids, PQgetvalue(r, rows[i], 0));
	if ((ok = ids_update(p, sql_parked, pg_array_text(&ids))))
		task_log(LOG_LEVEL_WARNING,
		    "Outbox events mirrored to failed_events", NULL, n);
	pg_array_free(&ids);
	return (ok ? 0 : -1);
}

static void
prune(struct publisher *p)
{
	PGresult *r;
	char days[16];
	const char *params[1] = { days };
	time_t now;

	now = monotime_ms() / 1000;
	if (now - p->pruned_at < PRUNE_EVERY_S)
		return;
	p->pruned_at = now;
	(void)snprintf(days, sizeof(days), "%d",
	    settings.outbox_retention_days);
	r = PQexecParams(p->pg, sql_prune, 1, NULL, params, NULL, NULL, 0);
	(void)db_ok(p, r, PGRES_COMMAND_OK);
}

/*
 * The backlog gauges of /metrics, once a second, by every instance's
 * publisher thread whether it holds the lock or not (metrics.h): -1
 * (rendered NaN) when a figure cannot be read.
 */
static void
gauges(struct publisher *p)
{
	PGresult *r;
	long long n;
	time_t now;

	now = monotime_ms() / 1000;
	if (now - p->gauged_at < GAUGES_EVERY_S)
		return;
	p->gauged_at = now;
	r = PQexec(p->pg, sql_pending);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		metrics_gauge(METRIC_OUTBOX_PENDING,
		    strtoll(PQgetvalue(r, 0, 0), NULL, 10));
	else
		metrics_gauge(METRIC_OUTBOX_PENDING, -1);
	PQclear(r);
	if (mirror_ready(p) &&
	    mirror_length(&p->redis, &n, p->err, sizeof(p->err)) == 0)
		metrics_gauge(METRIC_FAILED_EVENTS, n);
	else
		metrics_gauge(METRIC_FAILED_EVENTS, -1);
}

/*
 * Until a wake-up by a write of this instance (outbox_wake.h), a
 * bee_outbox notification (a tool may still send one), a stop or ms
 * pass; drains notifications.
 */
static void
wait_notify(struct publisher *p, int ms)
{
	struct pollfd pfd[2];
	PGnotify *nt;
	int woke, step;

	woke = 0;
	for (;;) {
		if (PQconsumeInput(p->pg) == 0) {
			db_drop(p);
			return;
		}
		while ((nt = PQnotifies(p->pg)) != NULL) {
			PQfreemem(nt);
			woke = 1;
		}
		if (woke)
			return;
		if (ms <= 0 || task_stopping())
			return;
		pfd[0].fd = PQsocket(p->pg);
		pfd[1].fd = outbox_wake_fd();
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		step = ms < TASK_STOP_TICK_MS ? ms : TASK_STOP_TICK_MS;
		switch (poll(pfd, 2, step)) {
		case -1:
			return;
		case 0:
			ms -= step;
			break;
		default:
			if (pfd[1].revents != 0)
				return; /* woken: the caller clears it */
			ms = 0; /* readable: consume, then return either way */
			break;
		}
	}
}
