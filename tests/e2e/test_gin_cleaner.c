/*
 * The GIN cleaner (src/events/gin_cleaner.c, docs/operations.md "The GIN
 * cleaner"): the pending list of the search's trigram index, which a
 * write would otherwise move into the index itself once it passes 4 MB,
 * is emptied by the service within about a second of the writes.
 *
 * The test owns a scratch database (no other test's writes refill the
 * list) and an instance on it; pgstattuple's pgstatginindex reads the
 * list's length without changing it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "db.h"
#include "instance.h"
#include "scratch.h"

#define PENDING \
	"SELECT pending_pages FROM pgstatginindex('ix_customer_search_trgm')"
/* a second GIN index of the role's, cleaned by a statement of its own */
#define PENDING_EMAIL \
	"SELECT pending_pages FROM pgstatginindex('ix_gin_cleaner_email')"
#define NONE_LINE "GIN cleaner: the role owns no GIN index to clean"

static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult *r;

	r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql,
	    PQerrorMessage(c));
	PQclear(r);
}

static void
insert_customers(PGconn *c, int from, int to)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql),
	    "INSERT INTO customers (user_id, business_id, full_name, email) "
	    "SELECT gen_random_uuid(), gen_random_uuid(), 'Gin Cleaner ' || i,"
	    " 'gin' || i || '@example.org' FROM generate_series(%d, %d) i",
	    from, to);
	exec_ok(c, sql);
}

Test(gin_cleaner, empties_the_pending_list_of_the_trigram_index, .timeout = 120)
{
	struct instance in;
	PGconn *c;
	char url[512], name[64];

	c = scratch_db("bee_gin_", url, sizeof(url), name, sizeof(name));
	exec_ok(c, "CREATE EXTENSION IF NOT EXISTS pgstattuple");
	exec_ok(c,
	    "CREATE INDEX ix_gin_cleaner_email ON customers"
	    " USING gin (email gin_trgm_ops)");

	/* without the service, writes leave their trigrams pending */
	insert_customers(c, 1, 500);
	cr_assert_gt(db_count_on(c, PENDING, DB_END), 0,
	    "fastupdate is off: nothing would ever be pending");
	cr_assert_gt(db_count_on(c, PENDING_EMAIL, DB_END), 0);

	instance_start_without_broker(&in, url);
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING, DB_END), 0,
	    "the pending list was not emptied");
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING_EMAIL, DB_END), 0,
	    "the second index's pending list was not emptied");
	/* and again after more writes while it runs */
	insert_customers(c, 501, 1000);
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING, DB_END), 0,
	    "the pending list was not emptied after later writes");
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING_EMAIL, DB_END),
	    0);
	cr_expect_not(instance_file_matches(&in, "kore.err", NONE_LINE));
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}

/*
 * A role that owns no GIN index cleans nothing and says so (once, not at
 * each look): a silent cleaner would look like one that cleans.
 */
Test(gin_cleaner, says_once_that_it_has_no_index, .timeout = 120)
{
	struct instance in;
	PGconn *c;
	char url[512], name[64];

	c = scratch_db("bee_gin_", url, sizeof(url), name, sizeof(name));
	exec_ok(c, "DROP INDEX ix_customer_search_trgm");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM pg_index i JOIN pg_class c"
			 " ON c.oid = i.indexrelid JOIN pg_am a"
			 " ON a.oid = c.relam WHERE a.amname = 'gin'"
			 " AND c.relnamespace = current_schema()::regnamespace",
			 DB_END),
	    0, "another GIN index: the cleaner would clean it");

	instance_start_without_broker(&in, url);
	cr_expect(instance_wait_file_matches(&in, "kore.err", NONE_LINE, 10000),
	    "no line saying that there is nothing to clean");
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}
