/*
 * Host names follow the network (issue 12): DATABASE_URL names a host
 * that a hosts file of the instance's own (its mount namespace, see
 * instance.h) maps to an address of a PostgreSQL of the test's own stack,
 * which listens on 127.0.0.1 and one more loopback address (PG_LISTEN,
 * scripts/stack). The test moves the server from 127.0.0.2 to 127.0.0.3
 * and rewrites the file: the old address stops answering, and the
 * service must find the new one without a restart (before issue 12 it
 * kept the address resolved at start-up for good). Then the name goes
 * away: 503 {"detail":"database unavailable"}, the reason logged, no
 * worker killed (libpq's resolver never runs in the sandbox); and back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "stack.h"
#include "token.h"
#include "uuid4.h"

#define NAME "bee-db.test"
#define UNAVAILABLE "{\"detail\":\"database unavailable\"}"

static void hosts_write(const char *, const char *);
static int status_of(const char *, const char *);
static long wait_status(const char *, const char *, int, int);

/* The file, rewritten in place (the bind mount holds its inode). */
static void
hosts_write(const char *path, const char *ip)
{
	FILE *fp;

	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fputs("127.0.0.1 localhost\n::1 localhost\n", fp);
	if (ip != NULL)
		fprintf(fp, "%s " NAME "\n", ip);
	cr_assert(fclose(fp) == 0);
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
