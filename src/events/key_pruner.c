/*
 * The key pruner (key_pruner.h). Every keyed write leaves a row in
 * idempotency_keys holding its answer, personal data included, which
 * must be gone IDEMPOTENCY_TTL_HOURS later: a retry after that counts as
 * a new request anyway (http/idem.c).
 *
 * A pass runs every PASS_EVERY_MS and deletes the expired rows BATCH at a
 * time, so that no claim ever waits long behind one delete, batch after
 * batch while they come back full, for at most PASS_MS: a batch takes a
 * few milliseconds, so a pass keeps up with thousands of keyed writes a
 * second, and a larger backlog (the first start after an outage) goes
 * over the next passes. The batches skip rows that another transaction
 * locks (a claim taking over an expired key, another instance's pruner),
 * so two instances never wait on each other.
 *
 * It is a thread of its own, not a step of the publisher's loop: a
 * statement every second on the publisher's connection delays the
 * publishing of the batch that waits behind it, and its stop on a drain.
 * Errors: the connection is dropped, logged once per outage, and retried
 * with the task threads' back-off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/tasks.h>

#include "events/key_pruner.h"
#include "events/task_db.h"
#include "events/task_log.h"
#include "events/task_thread.h"
#include "infra/log.h"
#include "infra/monotime.h"
#include "infra/settings.h"

#define PASS_EVERY_MS 1000
#define PASS_MS 50
#define BATCH 1000
#define BATCH_S "1000" /* = BATCH */

/* $1 the TTL in hours; by created_at's index. */
static const char sql_prune[] =
    "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
    " SELECT ctid FROM idempotency_keys"
    " WHERE created_at < now() - make_interval(hours => $1::int)"
    " LIMIT " BATCH_S " FOR UPDATE SKIP LOCKED))";

static struct kore_task task;

static int run(struct kore_task *);
static int pass(PGconn **, char *, size_t);

void
key_pruner_start(void)
{
	task_thread_start(&task, run, "key pruner");
}

static int
run(struct kore_task *t)
{
	PGconn *pg;
	int backoff_ms, down;
	char name[64], why[256];

	(void)t;
	pg = NULL;
	backoff_ms = TASK_BACKOFF_MIN_MS;
	down = 0;
	while (!task_stopping()) {
		if (pg == NULL) {
			(void)snprintf(name, sizeof(name),
			    "bee-customers key pruner %d", (int)getpid());
			/* task_db_connect logs why it failed */
			pg = task_db_connect(name,
			    "Key pruner cannot connect to PostgreSQL");
			if (pg == NULL) {
				task_backoff(&backoff_ms);
				continue;
			}
		}
		if (!pass(&pg, why, sizeof(why))) {
			if (!down)
				task_log(LOG_LEVEL_WARNING,
				    "Key pruner query failed", why, -1);
			down = 1;
			task_backoff(&backoff_ms);
			continue;
		}
		down = 0;
		backoff_ms = TASK_BACKOFF_MIN_MS;
		task_nap(PASS_EVERY_MS);
	}
	task_db_close(&pg);
	return (KORE_RESULT_OK);
}

/*
 * One pass: batches while they come back full, for PASS_MS at most; 0
 * when a statement failed (*pg closed, the reason in why).
 */
static int
pass(PGconn **pg, char *why, size_t whylen)
{
	PGresult *r;
	char hours[16];
	const char *params[1] = { hours };
	long long until;
	int full;

	(void)snprintf(hours, sizeof(hours), "%d",
	    settings.idempotency_ttl_hours);
	until = monotime_ms() + PASS_MS;
	do {
		r = PQexecParams(*pg, sql_prune, 1, NULL, params, NULL, NULL,
		    0);
		full = PQresultStatus(r) == PGRES_COMMAND_OK &&
		    strtol(PQcmdTuples(r), NULL, 10) == BATCH;
		if (!task_db_ok(pg, r, PGRES_COMMAND_OK, why, whylen))
			return (0);
	} while (full && monotime_ms() < until && !task_stopping());
	return (1);
}
