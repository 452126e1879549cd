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

static void
insert_customers(PGconn *c, int from, int to)
{
	char sql[512];
	PGresult *r;

	(void)snprintf(sql, sizeof(sql),
	    "INSERT INTO customers (user_id, business_id, full_name, email) "
	    "SELECT gen_random_uuid(), gen_random_uuid(), 'Gin Cleaner ' || i,"
	    " 'gin' || i || '@example.org' FROM generate_series(%d, %d) i",
	    from, to);
	r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(c));
	PQclear(r);
}

Test(gin_cleaner, empties_the_pending_list_of_the_trigram_index, .timeout = 120)
{
	struct instance in;
	PGconn *c;
	PGresult *r;
	char url[512], name[64];

	c = scratch_db("bee_gin_", url, sizeof(url), name, sizeof(name));
	r = PQexec(c, "CREATE EXTENSION IF NOT EXISTS pgstattuple");
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(c));
	PQclear(r);

	/* without the service, writes leave their trigrams pending */
	insert_customers(c, 1, 500);
	cr_assert_gt(db_count_on(c, PENDING, DB_END), 0,
	    "fastupdate is off: nothing would ever be pending");

	instance_start_without_broker(&in, url);
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING, DB_END), 0,
	    "the pending list was not emptied");
	/* and again after more writes while it runs */
	insert_customers(c, 501, 1000);
	cr_expect_eq(db_wait_count_on(c, 0, 0, 10000, PENDING, DB_END), 0,
	    "the pending list was not emptied after later writes");
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}
