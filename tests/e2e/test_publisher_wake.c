/*
 * How the outbox publisher is woken (docs/events.md "Waking the
 * publisher"): a write of its own instance wakes it from that worker,
 * without NOTIFY (which would serialise every writing transaction at
 * commit), and a row no write of this instance woke it for (another
 * instance's) is published by its short poll.
 *
 * Each test owns a scratch database (its outbox and advisory lock meet no
 * other instance) and an instance of two workers on it, so that writes
 * come from the publisher's worker and from the other one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "scratch.h"
#include "token.h"
#include "uuid4.h"

#define WRITES 20
#define FOREIGN_ROWS 8

/* the longest wait from a row's commit to its sent_at, in ms */
static long
longest_delay_ms(PGconn *c, const char *customer)
{
	return (db_count_on(c,
	    "SELECT (1000 * extract(epoch FROM max(sent_at - created_at)))"
	    "::bigint FROM outbox WHERE customer_id = $1",
	    customer, DB_END));
}

static void
start(struct instance *in, PGconn **c, char *name, size_t namelen)
{
	char url[512];

	*c = scratch_db("bee_wake_", url, sizeof(url), name, namelen);
	{
		const char *env[] = { "DATABASE_URL", url, "WORKERS", "2",
			"CUSTOMER_PATCH_RATE", "1000/second", NULL };

		instance_start(in, env);
	}
}

/*
 * PATCHes through both workers: every event is published soon after its
 * commit, and not one NOTIFY reaches a listener.
 */
Test(publisher_wake, writes_wake_it_without_notify, .timeout = 120)
{
	struct instance in;
	struct http_resp *r;
	PGnotify *nt;
	PGresult *res;
	PGconn *c;
	char name[64], biz[UUID_STR_LEN], cid[UUID_STR_LEN];
	char uid[UUID_STR_LEN], path[80], body[96], *tok;
	long delay;
	int i;

	start(&in, &c, name, sizeof(name));
	res = PQexec(c, "LISTEN bee_outbox");
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	uuid4(biz);
	cust_create(biz, cid, uid);
	tok = tok_superadmin();
	(void)snprintf(path, sizeof(path), "/customers/%s", cid);
	for (i = 0; i < WRITES; i++) {
		(void)snprintf(body, sizeof(body),
		    "{\"full_name\":\"Wake %d\"}", i);
		r = http_req_tok("PATCH", path, tok, body);
		expect_status(r, 200);
		http_resp_free(r);
		/* apart, so that each commit finds the publisher waiting */
		(void)usleep(30 * 1000);
	}
	cr_assert_eq(db_wait_count_on(c, WRITES + 1, WRITES + 1, 10000,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND sent_at IS NOT NULL",
			 cid, DB_END),
	    WRITES + 1, "not every event was published");
	delay = longest_delay_ms(c, cid);
	cr_log_info("longest delay from commit to publish: %ld ms", delay);
	cr_assert_lt(delay, 1000, "an event waited %ld ms", delay);
	cr_assert(PQconsumeInput(c));
	nt = PQnotifies(c);
	cr_assert_null(nt, "a write sent NOTIFY %s", nt ? nt->relname : "");
	free(tok);
	instance_stop(&in);
	scratch_drop(c, name);
}

/*
 * Rows written behind this instance's back (by another instance, whose
 * writes wake only its own publisher) go out within the poll: well under
 * a second, the poll interval before writes stopped notifying.
 */
Test(publisher_wake, rows_of_another_instance_go_out_within_the_poll,
    .timeout = 120)
{
	struct instance in;
	PGconn *c;
	char name[64], cid[UUID_STR_LEN];
	long delay;
	int i;

	start(&in, &c, name, sizeof(name));
	uuid4(cid);
	for (i = 0; i < FOREIGN_ROWS; i++) {
		(void)db_count_on(c,
		    "WITH r AS (INSERT INTO outbox (routing_key, customer_id,"
		    " payload) VALUES ('v1.customer.updated', $1::uuid,"
		    " jsonb_build_object('id', $1::text)) RETURNING 1)"
		    " SELECT count(*) FROM r",
		    cid, DB_END);
		/* spread over the poll's phases */
		(void)usleep(137 * 1000);
	}
	cr_assert_eq(db_wait_count_on(c, FOREIGN_ROWS, FOREIGN_ROWS, 10000,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND sent_at IS NOT NULL",
			 cid, DB_END),
	    FOREIGN_ROWS, "not every row was published");
	delay = longest_delay_ms(c, cid);
	cr_log_info("longest delay from insert to publish: %ld ms", delay);
	cr_assert_lt(delay, 400, "a row waited %ld ms", delay);
	instance_stop(&in);
	scratch_drop(c, name);
}
