/*
 * Host names follow the network: DATABASE_URL names a host
 * that a hosts file of the instance's own (its mount namespace, see
 * instance.h) maps to an address of a PostgreSQL of the test's own stack,
 * which listens on 127.0.0.1 and one more loopback address (PG_LISTEN,
 * scripts/stack). The test moves the server from 127.0.0.2 to 127.0.0.3
 * and rewrites the file: the old address stops answering, and the
 * service must find the new one without a restart (an earlier version
 * kept the address resolved at start-up for good). Then the name goes
 * away: 503 {"detail":"database unavailable"}, the reason logged, no
 * worker killed (libpq's resolver never runs in the sandbox); and back.
 * Redis and RabbitMQ named by hosts that resolve only later are found
 * then (in an earlier version both stayed disabled until a restart).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "stack.h"
#include "token.h"
#include "uuid4.h"

#define NAME "bee-db.test"
#define UNAVAILABLE "{\"detail\":\"database unavailable\"}"

static void hosts_write(const char *, const char *);
static void hosts_write2(const char *, const char *, const char *);
static int ready_check_up(const char *);
static long long redis_keys(const char *, const char *);
static int status_of(const char *, const char *);
static long wait_status(const char *, const char *, int, int);

/* The file, rewritten in place (the bind mount holds its inode). */
static void
hosts_write(const char *path, const char *ip)
{
	hosts_write2(path, ip != NULL ? ip : NULL, ip != NULL ? NAME : NULL);
}

/* localhost, and `name` at `ip` when not NULL. */
static void
hosts_write2(const char *path, const char *ip, const char *name)
{
	FILE *fp;

	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fputs("127.0.0.1 localhost\n::1 localhost\n", fp);
	if (ip != NULL)
		fprintf(fp, "%s %s\n", ip, name);
	cr_assert(fclose(fp) == 0);
}

/* 1 when /ready reports the check `name` "up". */
static int
ready_check_up(const char *name)
{
	struct http_resp *r;
	json_t *j;
	const char *v;
	int up;

	r = http_req("GET", "/ready", NULL, NULL, 0);
	j = resp_json(r);
	v = json_string_value(
	    json_object_get(json_object_get(j, "checks"), name));
	up = v != NULL && !strcmp(v, "up");
	json_decref(j);
	http_resp_free(r);
	return (up);
}

/* The number of keys matching pattern in the Redis at 127.0.0.1:port. */
static long long
redis_keys(const char *port, const char *pattern)
{
	redisContext *rc;
	redisReply *rep;
	long long n;

	rc = redisConnect("127.0.0.1", (int)strtol(port, NULL, 10));
	cr_assert(rc != NULL && rc->err == 0, "redis on port %s", port);
	rep = redisCommand(rc, "KEYS %s", pattern);
	cr_assert(rep != NULL && rep->type == REDIS_REPLY_ARRAY);
	n = (long long)rep->elements;
	freeReplyObject(rep);
	redisFree(rc);
	return (n);
}

static int
status_of(const char *tok, const char *path)
{
	struct http_resp *r;
	int status;

	r = http_req_tok("GET", path, tok, NULL);
	status = r->status;
	if (status == 503)
		expect_body(r, UNAVAILABLE);
	http_resp_free(r);
	return (status);
}

/* Polls GET path until it answers want; the time it took (ms). */
static long
wait_status(const char *tok, const char *path, int want, int ms)
{
	long t0;
	int last;

	t0 = instance_now_ms();
	while ((last = status_of(tok, path)) != want) {
		cr_assert(instance_now_ms() - t0 < ms,
		    "GET %s: %d after %d ms, want %d", path, last, ms, want);
		usleep(100000);
	}
	return (instance_now_ms() - t0);
}

Test(dns, database_follows_its_name, .timeout = 180)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char url[512], path[128], port[16];
	const char *env[3];
	struct instance in;
	struct stack s;
	char *tok;
	long took;
	int i;

	cr_assert(setenv("PG_LISTEN", "127.0.0.2", 1) == 0);
	stack_start(&s, "postgres");
	cr_assert(sscanf(getenv("DATABASE_URL"),
		      "postgresql://postgres@127.0.0.1:%15[0-9]/", port) == 1,
	    "DATABASE_URL %s", getenv("DATABASE_URL"));
	snprintf(url, sizeof(url),
	    "postgresql://postgres@" NAME ":%s/"
	    "bee_customers",
	    port);
	env[0] = "DATABASE_URL";
	env[1] = url;
	env[2] = NULL;

	instance_prepare(&in, NULL, NULL);
	snprintf(in.hosts, sizeof(in.hosts), "%s/hosts", in.dir);
	hosts_write(in.hosts, "127.0.0.2");
	instance_spawn(&in, env);
	instance_wait_ready(&in);
	tok = tok_superadmin();
	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(path, sizeof(path), "/customers/%s", id);
	cr_assert_eq(status_of(tok, path), 200);

	/* a failover: the old address stops answering, the name moves */
	stack_ctl(&s, "stop", "postgres");
	cr_assert(setenv("PG_LISTEN", "127.0.0.3", 1) == 0);
	hosts_write(in.hosts, "127.0.0.3");
	stack_ctl(&s, "start", "postgres");
	took = wait_status(tok, path, 200, 15000);
	cr_log_info("followed the move in %ld ms", took);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
	    "PostgreSQL host " NAME " resolves to 127\\.0\\.0\\.3", 2000));

	/* the name is gone: a clean 503, logged, nobody killed */
	hosts_write(in.hosts, NULL);
	stack_ctl(&s, "stop", "postgres");
	stack_ctl(&s, "start", "postgres");
	wait_status(tok, path, 503, 15000);
	/* and stays so: 20 requests over 2 s, not one answer by chance */
	for (i = 0; i < 20; i++) {
		cr_assert_eq(status_of(tok, path), 503);
		usleep(100000);
	}
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "\"level\":\"error\".*database host " NAME
		      " does not resolve",
		      2000),
	    "%s", instance_file_text(&in, "kore.err"));
	cr_assert(instance_file_matches(&in, "kore.err",
	    "PostgreSQL host " NAME " does not resolve"));

	/* and back */
	hosts_write(in.hosts, "127.0.0.3");
	wait_status(tok, path, 200, 15000);
	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
	stack_reset(&s);
}

Test(dns, redis_and_broker_found_once_their_names_resolve, .timeout = 180)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char redis_port[16], amqp_port[16], redis_url[256], amqp_url[256];
	char pattern[128], path[128];
	const char *env[5];
	struct instance in;
	struct http_resp *r;
	struct stack s;
	char *tok;
	long t0;

	stack_start(&s, "");
	cr_assert(sscanf(getenv("REDIS_URL"), "redis://127.0.0.1:%15[0-9]/",
		      redis_port) == 1);
	cr_assert(
	    sscanf(getenv("RABBITMQ_URL"),
		"amqp://guest:guest@127.0.0.1:%15[0-9]/", amqp_port) == 1);
	snprintf(redis_url, sizeof(redis_url), "redis://bee-redis.test:%s/0",
	    redis_port);
	snprintf(amqp_url, sizeof(amqp_url),
	    "amqp://guest:guest@bee-mq.test:%s/", amqp_port);
	env[0] = "REDIS_URL";
	env[1] = redis_url;
	env[2] = "RABBITMQ_URL";
	env[3] = amqp_url;
	env[4] = NULL;

	instance_prepare(&in, NULL, NULL);
	snprintf(in.hosts, sizeof(in.hosts), "%s/hosts", in.dir);
	hosts_write2(in.hosts, NULL, NULL);
	instance_spawn(&in, env);
	instance_wait_ready(&in);
	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", id);
	snprintf(pattern, sizeof(pattern), "rl:patch:*:%s", id);
	/* the publisher tried the broker, whose name does not resolve */
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "Broker unreachable: outbox events parked", 15000),
	    "%s", instance_file_text(&in, "kore.err"));
	cr_assert(!ready_check_up("redis") && !ready_check_up("rabbitmq"));
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE sent_at IS"
			      " NULL AND customer_id = $1",
			 id, DB_END),
	    1, "the event left without a broker");

	hosts_write2(in.hosts, "127.0.0.1", "bee-redis.test bee-mq.test");
	t0 = instance_now_ms();
	while (!ready_check_up("redis") || !ready_check_up("rabbitmq")) {
		/* probed every second: 15 s is a defect, not a slow machine */
		cr_assert(instance_now_ms() - t0 < 15000,
		    "/ready: Redis or RabbitMQ not up 15 s after the names "
		    "resolve");
		usleep(100000);
	}
	/* the publisher, backing off from its failures, sends the event */
	while (db_count("SELECT count(*) FROM outbox WHERE sent_at IS NULL"
			" AND customer_id = $1",
		   id, DB_END) != 0) {
		cr_assert(instance_now_ms() - t0 < 40000,
		    "event not sent 40 s after the broker's name resolves");
		usleep(200000);
	}
	/*
	 * The rate limiter counts in Redis again once the worker's client
	 * reconnects (it retries every second): a PATCH of a new customer
	 * each time, since the limit is 5 a minute per customer.
	 */
	t0 = instance_now_ms();
	for (;;) {
		r = http_req_tok("PATCH", path, tok, "{}");
		expect_status(r, 200);
		http_resp_free(r);
		if (redis_keys(redis_port, pattern) != 0)
			break;
		cr_assert(instance_now_ms() - t0 < 15000,
		    "no rate-limit key in Redis 15 s after it is up");
		usleep(200000);
		cust_create(bid, id, uid);
		snprintf(path, sizeof(path), "/customers/%s", id);
		snprintf(pattern, sizeof(pattern), "rl:patch:*:%s", id);
	}
	cr_assert_eq(redis_keys(redis_port, pattern), 1,
	    "no rate-limit key in Redis");
	cr_assert(instance_file_matches(&in, "kore.out",
	    "Redis host bee-redis.test does not resolve"));
	cr_assert(instance_file_matches(&in, "kore.out",
	    "RabbitMQ host bee-mq.test does not resolve"));
	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
	stack_reset(&s);
}
