/*
 * Nothing waits forever: every pooled connection carries
 * statement_timeout (DB_STATEMENT_TIMEOUT_MS) and lock_timeout
 * (DB_LOCK_TIMEOUT_MS) in its startup packet, and a request whose
 * statement hit either gets 503 {"detail":"database unavailable"},
 * logged, without opening the breaker: the worker keeps serving. The
 * test holds a customer's row lock in a transaction of its own (SELECT
 * ... FOR UPDATE on its libpq connection) while an instance with small
 * timeouts PATCHes that row: lock_timeout below statement_timeout gives
 * 55P03, the other way round 57014.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "token.h"
#include "uuid4.h"

#define UNAVAILABLE "{\"detail\":\"database unavailable\"}"

static struct http_resp *patch_name(const char *, const char *, const char *);
static void blocked_patch_answers_503(const char *, const char *, int,
    const char *);

static struct http_resp *
patch_name(const char *tok, const char *id, const char *name)
{
	char path[128], body[128];

	snprintf(path, sizeof(path), "/customers/%s", id);
	snprintf(body, sizeof(body), "{\"full_name\":\"%s\"}", name);
	return (http_req_tok("PATCH", path, tok, body));
}

/*
 * An instance with these timeouts; the test locks a customer's row and
 * PATCHes it: 503 after about wait_ms, logged with `log_re`; meanwhile
 * and afterwards the instance serves (no breaker).
 */
static void
blocked_patch_answers_503(const char *statement_ms, const char *lock_ms,
    int wait_ms, const char *log_re)
{
	const char *env[] = { "DB_STATEMENT_TIMEOUT_MS", statement_ms,
		"DB_LOCK_TIMEOUT_MS", lock_ms, NULL };
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN], path[128];
	struct instance in;
	struct http_resp *r;
	char *tok;
	long t0, took, other_ms;
	int i;

	/* the other setting: a 503 after it would be its doing */
	other_ms = strtol(statement_ms, NULL, 10) == wait_ms ?
	    strtol(lock_ms, NULL, 10) :
	    strtol(statement_ms, NULL, 10);
	instance_start(&in, env);
	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", id);

	db_exec("BEGIN", DB_END);
	cr_assert_eq(db_count("SELECT count(*) FROM (SELECT 1 FROM customers"
			      " WHERE id = $1 FOR UPDATE) l",
			 id, DB_END),
	    1);
	/* twice: a timeout must not open the breaker for the next one */
	for (i = 0; i < 2; i++) {
		t0 = instance_now_ms();
		r = patch_name(tok, id, "Locked Out");
		took = instance_now_ms() - t0;
		expect_status(r, 503);
		expect_json_ct(r);
		expect_body(r, UNAVAILABLE);
		http_resp_free(r);
		cr_assert(took >= wait_ms * 8 / 10 && took < other_ms,
		    "503 after %ld ms, want %d (and less than %ld)", took,
		    wait_ms, other_ms);
		/* a read of the locked row is not blocked: 200 at once */
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 200);
		http_resp_free(r);
	}
	cr_assert(instance_wait_file_matches(&in, "kore.err", log_re, 15000),
	    "no log line matching %s in %s", log_re,
	    instance_file_text(&in, "kore.err"));
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"level\":\"error\".*database statement timed out"));
	db_exec("COMMIT", DB_END);

	/* the lock gone, the same PATCH goes through */
	r = patch_name(tok, id, "Unlocked");
	expect_status(r, 200);
	http_resp_free(r);
	r = http_req("GET", "/ready", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
}

Test(timeouts, row_lock_gives_503_after_lock_timeout, .timeout = 60)
{
	blocked_patch_answers_503("5000", "600", 600,
	    "lock_timeout 600 ms.*canceling statement due to lock timeout");
}

Test(timeouts, slow_statement_gives_503_after_statement_timeout, .timeout = 60)
{
	blocked_patch_answers_503("700", "5000", 700,
	    "statement_timeout 700 ms.*canceling statement due to statement "
	    "timeout");
}

Test(timeouts, bad_values_stop_start_up, .timeout = 60)
{
	static const char *const bad[][2] = {
		{ "DB_STATEMENT_TIMEOUT_MS", "0" },
		{ "DB_STATEMENT_TIMEOUT_MS", "5s" },
		{ "DB_LOCK_TIMEOUT_MS", "-1" },
		{ "DB_LOCK_TIMEOUT_MS", "3600001" },
	};
	const char *env[3];
	struct instance in;
	char re[128];
	size_t i;
	int status;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env[0] = bad[i][0];
		env[1] = bad[i][1];
		env[2] = NULL;
		instance_prepare(&in, NULL, NULL);
		instance_spawn(&in, env);
		status = instance_wait_exit(&in, 15000);
		instance_stop(&in);
		cr_assert(status > 0, "%s=%s: kore started (status %d)",
		    bad[i][0], bad[i][1], status);
		snprintf(re, sizeof(re), "^bee-customers: %s: 1 to 3600000",
		    bad[i][0]);
		cr_assert(instance_file_matches(&in, "kore.err", re), "%s",
		    instance_file_text(&in, "kore.err"));
	}
}
