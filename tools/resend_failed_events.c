/*
 * resend-failed-events: publishes the Redis mirror failed_events
 * (docs/events.md) to RABBITMQ_EXCHANGE, from the head, one item at a
 * time: LINDEX 0, publish with a confirm, then pop the item only if it is
 * still the head (another process, the service's publisher, may have
 * removed it meanwhile). Each published item's outbox row is marked sent
 * by message_id when the database can be reached.
 *
 * It never waits for a broker: the first broker failure stops it (exit 2)
 * with the item still at the head, for the next run. Malformed items
 * (not JSON, event or payload missing or of the wrong type) go to
 * "<list>:invalid" so that they cannot block the list.
 *
 * Settings as the service reads them (environment, then .env): REDIS_URL,
 * RABBITMQ_URL, RABBITMQ_EXCHANGE, DATABASE_URL; FAILED_EVENTS_KEY names
 * another list (tests). Links the module's pure sources, no Kore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "events/amqp_pub.h"
#include "events/mirror.h"
#include "events/resend_item.h"
#include "infra/settings.h"
#include "model/uuid.h"
#include "model/xalloc.h"

#define AMQP_TIMEOUT_MS 5000
#define REDIS_TIMEOUT_MS 5000

#define EXIT_REDIS 1 /* settings, Redis: nothing was lost */
#define EXIT_BROKER 2 /* the head item stays for the next run */
#define EXIT_USAGE 64

/* Pops the head only when it is still ARGV[1]: 1 popped, 0 not. */
static const char lua_pop[] =
    "if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then"
    " redis.call('LPOP', KEYS[1]) return 1 end return 0";
/* The same, and appends the item to KEYS[2]. */
static const char lua_move[] =
    "if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then"
    " redis.call('LPOP', KEYS[1]) redis.call('RPUSH', KEYS[2], ARGV[1])"
    " return 1 end return 0";
static const char sql_sent[] = "UPDATE outbox SET sent_at = now()"
			       " WHERE event_id = $1 AND sent_at IS NULL";

struct run {
	const char *key; /* the list */
	char *invalid_key; /* key + ":invalid" */
	redisContext *redis;
	struct amqp_pub amqp;
	int amqp_open;
	PGconn *pg;
	int pg_failed; /* warned once; no more attempts */
	long moved;
	long invalid;
};

static void usage(FILE *);
static int dry_run(struct run *);
static int resend(struct run *);
static redisReply *head(struct run *);
static void redis_failed(struct run *, redisReply *, const char *);
static int pop_if_head(struct run *, const redisReply *, int);
static int broker_open(struct run *, char *, size_t);
static int publish(struct run *, struct resend_item *);
static void mark_sent(struct run *, const char *);
static void summary(const struct run *);

int
main(int argc, char **argv)
{
	struct run run;
	struct mirror m;
	const char *key;
	char err[SETTINGS_ERRLEN];
	size_t klen;
	int dry, i, rc;

	dry = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return (0);
		} else {
			usage(stderr);
			return (EXIT_USAGE);
		}
	}
	if (settings_load_noauth(&settings, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "resend-failed-events: %s\n", err);
		return (EXIT_REDIS);
	}
	if (*settings.redis_url == '\0') {
		fprintf(stderr,
		    "resend-failed-events: REDIS_URL is empty: "
		    "there is no failed_events list\n");
		settings_free(&settings);
		return (EXIT_REDIS);
	}
	key = getenv("FAILED_EVENTS_KEY");
	memset(&run, 0, sizeof(run));
	run.key = key != NULL && *key != '\0' ? key : MIRROR_LIST;
	klen = strlen(run.key) + sizeof(":invalid");
	run.invalid_key = xmalloc(klen);
	(void)snprintf(run.invalid_key, klen, "%s:invalid", run.key);
	if (mirror_connect(&m, settings.redis_url, NULL, REDIS_TIMEOUT_MS, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "resend-failed-events: %s\n", err);
		free(run.invalid_key);
		settings_free(&settings);
		return (EXIT_REDIS);
	}
	run.redis = m.ctx;
	rc = dry ? dry_run(&run) : resend(&run);
	if (!dry)
		summary(&run);
	mirror_close(&m);
	if (run.amqp_open)
		amqp_pub_close(&run.amqp);
	if (run.pg != NULL)
		PQfinish(run.pg);
	free(run.invalid_key);
	settings_free(&settings);
	return (rc);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: scripts/resend-failed-events [--dry-run]\n"
	    "\n"
	    "Publishes the Redis list failed_events (FAILED_EVENTS_KEY "
	    "overrides the name)\n"
	    "to RABBITMQ_EXCHANGE from the head, with publisher confirms, "
	    "popping each\n"
	    "item once confirmed and marking its outbox row sent (when "
	    "DATABASE_URL\n"
	    "answers). Malformed items move to failed_events:invalid. "
	    "Settings: the\n"
	    "environment, then .env (REDIS_URL, RABBITMQ_URL, "
	    "RABBITMQ_EXCHANGE,\n"
	    "DATABASE_URL).\n"
	    "\n"
	    "  --dry-run  list what would be sent; change nothing\n"
	    "\n"
	    "Exit: 0 the list is empty (prints \"moved N, invalid M\"); 1 "
	    "settings or\n"
	    "Redis; 2 the broker failed, the item stays at the head; 64 "
	    "usage.\n");
}

/* LRANGE the list, say what each item would become. */
static int
dry_run(struct run *r)
{
	struct resend_item it;
	redisReply *rep, *e;
	char err[RESEND_ERRLEN];
	long ok, bad;
	size_t i;

	rep = redisCommand(r->redis, "LRANGE %s 0 -1", r->key);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		redis_failed(r, rep, "LRANGE");
		return (EXIT_REDIS);
	}
	ok = bad = 0;
	for (i = 0; i < rep->elements; i++) {
		e = rep->element[i];
		if (e->type != REDIS_REPLY_STRING)
			continue;
		if (resend_item_parse(e->str, e->len, &it, err, sizeof(err)) ==
		    -1) {
			printf("invalid %s: %.200s\n", err, e->str);
			bad++;
			continue;
		}
		printf("would send %s message_id=%s %zu bytes\n", it.event,
		    it.message_id[0] != '\0' ? it.message_id : "(new)",
		    it.body_len);
		ok++;
		resend_item_free(&it);
	}
	freeReplyObject(rep);
	printf("would move %ld, invalid %ld\n", ok, bad);
	return (0);
}

static int
resend(struct run *r)
{
	struct resend_item it;
	redisReply *h;
	char err[RESEND_ERRLEN];
	int rc;

	for (;;) {
		if ((h = head(r)) == NULL)
			return (EXIT_REDIS);
		if (h->type == REDIS_REPLY_NIL) {
			freeReplyObject(h);
			return (0);
		}
		if (resend_item_parse(h->str, h->len, &it, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr,
			    "resend-failed-events: invalid item (%s), "
			    "moved to %s\n",
			    err, r->invalid_key);
			rc = pop_if_head(r, h, 1);
			freeReplyObject(h);
			if (rc == -1)
				return (EXIT_REDIS);
			r->invalid += rc;
			continue;
		}
		if (publish(r, &it) == -1) {
			resend_item_free(&it);
			freeReplyObject(h);
			return (EXIT_BROKER);
		}
		/* confirmed: it counts even if the publisher popped it */
		r->moved++;
		rc = pop_if_head(r, h, 0);
		freeReplyObject(h);
		if (rc != -1 && it.message_id[0] != '\0')
			mark_sent(r, it.message_id);
		resend_item_free(&it);
		if (rc == -1)
			return (EXIT_REDIS);
	}
}

/* A command without the reply it wants: why, on stderr; rep is freed. */
static void
redis_failed(struct run *r, redisReply *rep, const char *command)
{
	fprintf(stderr, "resend-failed-events: redis %s: %s\n", command,
	    rep != NULL && rep->type == REDIS_REPLY_ERROR ? rep->str :
							    r->redis->errstr);
	freeReplyObject(rep);
}

/* LINDEX key 0: a string or nil reply, NULL after saying why. */
static redisReply *
head(struct run *r)
{
	redisReply *h;

	h = redisCommand(r->redis, "LINDEX %s 0", r->key);
	if (h != NULL &&
	    (h->type == REDIS_REPLY_STRING || h->type == REDIS_REPLY_NIL))
		return (h);
	fprintf(stderr, "resend-failed-events: redis LINDEX %s: %s\n", r->key,
	    h != NULL && h->type == REDIS_REPLY_ERROR ? h->str :
		h != NULL			      ? "not a list" :
							r->redis->errstr);
	freeReplyObject(h);
	return (NULL);
}

/* Pops (or moves to :invalid) item h if still the head: 1, 0, or -1. */
static int
pop_if_head(struct run *r, const redisReply *h, int to_invalid)
{
	redisReply *rep;
	const char *argv[6];
	size_t lens[6];
	int argc, rc;

	argv[0] = "EVAL";
	argv[1] = to_invalid ? lua_move : lua_pop;
	argv[2] = to_invalid ? "2" : "1";
	argv[3] = r->key;
	argc = 4;
	if (to_invalid)
		argv[argc++] = r->invalid_key;
	argv[argc++] = h->str;
	for (rc = 0; rc < argc; rc++)
		lens[rc] = strlen(argv[rc]);
	lens[argc - 1] = h->len;
	rep = redisCommandArgv(r->redis, argc, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		redis_failed(r, rep, "EVAL");
		return (-1);
	}
	rc = rep->integer == 1;
	freeReplyObject(rep);
	return (rc);
}

/* The first of RABBITMQ_URL's nodes that answers. */
static int
broker_open(struct run *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < settings.rabbitmq_nodes; i++)
		if (amqp_pub_open(&r->amqp, settings.rabbitmq_node_url[i], NULL,
			settings.rabbitmq_exchange, AMQP_TIMEOUT_MS, err,
			errlen) == 0)
			return (0);
	return (-1);
}

/*
 * Publishes one item as the service's publisher would (src/events/publisher.c)
 * and waits for its confirm. 0, or -1 after printing the broker's error.
 */
static int
publish(struct run *r, struct resend_item *it)
{
	struct amqp_msg m;
	const char *mid;
	char err[AMQP_PUB_ERRLEN], gen[UUID_STRLEN];

	if (!r->amqp_open) {
		if (broker_open(r, err, sizeof(err)) == -1) {
			fprintf(stderr, "resend-failed-events: broker: %s\n",
			    err);
			return (-1);
		}
		r->amqp_open = 1;
	}
	mid = it->message_id;
	if (*mid == '\0') {
		/* a generated id names no outbox row: it stays unmarked */
		if (uuid_random(gen) == -1) {
			fprintf(stderr,
			    "resend-failed-events: no randomness "
			    "for a message_id\n");
			return (-1);
		}
		mid = gen;
		fprintf(stderr,
		    "resend-failed-events: item without message_id (%s): "
		    "sent as %s\n",
		    it->event, gen);
	}
	memset(&m, 0, sizeof(m));
	m.routing_key = it->event;
	m.body = it->body;
	m.body_len = it->body_len;
	m.message_id = mid;
	m.timestamp = it->timestamp != 0 ? it->timestamp : (uint64_t)time(NULL);
	m.trace_id = it->trace_id;
	if (amqp_pub_send(&r->amqp, &m, err, sizeof(err)) == -1 ||
	    amqp_pub_confirm(&r->amqp, AMQP_TIMEOUT_MS, err, sizeof(err)) !=
		0) {
		fprintf(stderr, "resend-failed-events: broker: %s\n", err);
		return (-1);
	}
	if (r->amqp.returns > 0) {
		fprintf(stderr,
		    "resend-failed-events: %s returned unroutable "
		    "(no queue bound)\n",
		    it->event);
		r->amqp.returns = 0;
	}
	return (0);
}

/* The outbox row of a confirmed item, when the database answers. */
static void
mark_sent(struct run *r, const char *message_id)
{
	PGresult *res;
	const char *params[1] = { message_id };

	if (r->pg_failed)
		return;
	if (r->pg == NULL) {
		r->pg = PQconnectdb(settings.database_conninfo);
		if (PQstatus(r->pg) != CONNECTION_OK) {
			fprintf(stderr,
			    "resend-failed-events: warning: database "
			    "unreachable, outbox rows not marked "
			    "(the publisher sends them again): %s",
			    PQerrorMessage(r->pg));
			PQfinish(r->pg);
			r->pg = NULL;
			r->pg_failed = 1;
			return;
		}
	}
	res = PQexecParams(r->pg, sql_sent, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr,
		    "resend-failed-events: warning: outbox not marked: %s",
		    PQresultErrorMessage(res));
		r->pg_failed = 1;
	}
	PQclear(res);
}

static void
summary(const struct run *r)
{
	printf("moved %ld, invalid %ld\n", r->moved, r->invalid);
}
