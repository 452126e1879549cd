/*
 * Reads batched under one Sync (src/db/db.c): a batch is one implicit
 * transaction, so a read that fails aborts the reads after it in the same
 * batch. Those must be sent again and answered, never left asleep, never a
 * 5xx of their own.
 *
 * An instance of the test's own connects as a role that may not read
 * customer_orders nor the column customers.avatar_file: GET /uploads/{file}
 * (a quick read: one indexed row) and GET /customers/{id}/orders (a long
 * read: the whole history) fail in PostgreSQL (42501, a 500), GET
 * /customers/{id} works. Threads send a failing read and the GET at once,
 * so the worker's batches would mix them; a long read must never share a
 * batch.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "db.h"
#include "env.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "token.h"
#include "uuid4.h"

/*
 * A role per test: tests running at once grant and revoke apart. Grants on
 * the same tables still update the same catalog rows ("tuple concurrently
 * updated"), so they run one transaction at a time, under this lock.
 */
#define ROLE_PREFIX "bee_e2e_no_orders_"
#define GRANTS_LOCK \
	"SELECT pg_advisory_xact_lock(hashtext('bee-e2e db_batch grants'))"
#define THREADS 8
#define ROUNDS 40

struct worker {
	const char *tok;
	const char *id;
	int ok_customer; /* GET /customers/{id}: 200 with its id */
	const char *failing; /* the path of the read that fails */
	int failed; /* GET <failing>: 500 */
	int other; /* anything else */
	char other_text[128];
};

static char role[64];

/* DATABASE_URL with its user replaced by the test's role. */
static void
limited_url(char *out, size_t len)
{
	const char *url, *at, *scheme;

	url = env_database_url();
	scheme = strstr(url, "://");
	at = strchr(url, '@');
	cr_assert(scheme != NULL && at != NULL, "DATABASE_URL %s", url);
	(void)snprintf(out, len, "%.*s://%s%s", (int)(scheme - url), url, role,
	    at);
}

/* sql with every %1$s replaced by the test's role. */
static void
role_exec(const char *sql)
{
	char buf[1024];

	cr_assert((size_t)snprintf(buf, sizeof(buf), sql, role) < sizeof(buf));
	db_exec(buf, DB_END);
}

static void
create_role(void)
{
	char tag[UUID_STR_LEN];

	uuid4(tag);
	(void)snprintf(role, sizeof(role), ROLE_PREFIX "%.8s", tag);
	db_exec("BEGIN", DB_END);
	db_exec(GRANTS_LOCK, DB_END);
	role_exec("CREATE ROLE %1$s LOGIN");
	role_exec("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN "
		  "SCHEMA public TO %1$s");
	role_exec("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %1$s");
	role_exec("REVOKE SELECT ON customers, customer_orders FROM %1$s");
	role_exec(
	    "DO $$ DECLARE cols text; BEGIN"
	    " SELECT string_agg(quote_ident(column_name), ', ') INTO cols"
	    " FROM information_schema.columns WHERE table_schema = 'public'"
	    " AND table_name = 'customers' AND column_name <> 'avatar_file';"
	    " EXECUTE format('GRANT SELECT (%%s) ON customers TO %1$s',"
	    " cols); END $$");
	db_exec("COMMIT", DB_END);
}

/* After instance_stop: the role and its grants go. */
static void
drop_role(void)
{
	db_exec("BEGIN", DB_END);
	db_exec(GRANTS_LOCK, DB_END);
	role_exec("DROP OWNED BY %1$s");
	role_exec("DROP ROLE %1$s");
	db_exec("COMMIT", DB_END);
}

static void *
hammer(void *arg)
{
	struct worker *w = arg;
	struct http_resp *r;
	char path[160];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if (i % 2)
			(void)snprintf(path, sizeof(path), "%s", w->failing);
		else
			(void)snprintf(path, sizeof(path), "/customers/%s",
			    w->id);
		r = http_req_tok("GET", path, w->tok, NULL);
		if (i % 2 == 0 && r->status == 200 && strstr(r->body, w->id))
			w->ok_customer++;
		else if (i % 2 == 1 && r->status == 500)
			w->failed++;
		else if (w->other++ == 0)
			(void)snprintf(w->other_text, sizeof(w->other_text),
			    "GET %s: %d %.60s", path, r->status, r->body);
		http_resp_free(r);
	}
	return (NULL);
}

/* A well-formed avatar name: the lookup runs (and fails) in PostgreSQL. */
#define AVATAR_PATH "/uploads/0123456789abcdef0123456789abcdef.png"

/*
 * One instance with one database connection (every read of a loop turn
 * shares its batch), THREADS threads sending GET /customers/{id} and the
 * failing read alternately: the avatar lookup (quick), or the customer's
 * orders (long). Returns the instance, running, for its log.
 */
static void
mix_reads(struct instance *in, int long_read)
{
	char url[512], bid[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char failing[160];
	const char *env[] = { "DATABASE_URL", url, "DB_POOL_SIZE", "1", NULL };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	char *tok;
	int i, ok, failed;

	create_role();
	uuid4(bid);
	cust_create(bid, id, user); /* through the shared service */
	limited_url(url, sizeof(url));
	instance_start(in, env);
	tok = tok_admin(bid);
	if (long_read)
		(void)snprintf(failing, sizeof(failing), "/customers/%s/orders",
		    id);
	else
		(void)snprintf(failing, sizeof(failing), "%s", AVATAR_PATH);

	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].tok = tok;
		w[i].id = id;
		w[i].failing = failing;
		cr_assert_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	ok = failed = 0;
	for (i = 0; i < THREADS; i++) {
		cr_assert_eq(pthread_join(t[i], NULL), 0);
		ok += w[i].ok_customer;
		failed += w[i].failed;
		cr_expect_eq(w[i].other, 0, "%d unexpected answers, first: %s",
		    w[i].other, w[i].other_text);
	}
	cr_expect_eq(ok, THREADS * ROUNDS / 2);
	cr_expect_eq(failed, THREADS * ROUNDS / 2);
	free(tok);
}

Test(db_batch, reads_aborted_by_a_failing_neighbour_are_sent_again,
    .timeout = 60)
{
	struct instance in;

	mix_reads(&in, 0);
	/* the path under test was taken (else the test proves nothing) */
	cr_expect(instance_wait_file_matches(&in, "kore.err",
		      "a read sent again, an earlier read of its batch failed",
		      5000),
	    "no read was aborted by a failing neighbour: no batch mixed them");
	instance_stop(&in);
	instance_expect_clean(&in);
	drop_role();
}

Test(db_batch, a_long_read_never_shares_a_batch, .timeout = 60)
{
	const char *marker[] = { "X-Trace-Id: db-batch-end", NULL };
	struct instance in;
	struct http_resp *r;

	mix_reads(&in, 1);
	/* every line of the traffic is written once this last one is */
	r = http_req("GET", "/healthcheck", marker, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
	    "\"trace_id\":\"db-batch-end\"", 5000));
	/* its failure aborted no neighbour: none had to be sent again */
	cr_expect(!instance_file_matches(&in, "kore.err", "a read sent again"),
	    "a quick read shared a batch with a failing long read");
	instance_stop(&in);
	instance_expect_clean(&in);
	drop_role();
}
