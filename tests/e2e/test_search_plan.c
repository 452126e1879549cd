/*
 * The search of GET /customers is served by the trigram indexes: its very
 * filter (src/api/customer_search.h) planned by the test database with
 * sequential scans disabled must be a BitmapOr over the three trigram
 * indexes, as on the benchmark's data (README "Search").
 */
#include <string.h>

#include <criterion/criterion.h>
#include <postgresql/libpq-fe.h>

#include "../../src/api/customer_search.h"
#include "env.h"

static char *plan(const char *, const char *, int);

static char *
plan(const char *business, const char *pattern, int bitmap_only)
{
	static char text[8192];
	const char *values[4];
	PGconn *db;
	PGresult *r;
	size_t off;
	int i;

	db = PQconnectdb(env_database_url());
	cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
	PQclear(PQexec(db, "SET enable_seqscan = off"));
	if (bitmap_only)
		PQclear(PQexec(db, "SET enable_indexscan = off"));
	values[0] = business;
	values[1] = pattern;
	values[2] = "0";
	values[3] = "100";
	r = PQexecParams(db,
	    "EXPLAIN SELECT c.id FROM customers c" CUSTOMER_SEARCH_WHERE
		CUSTOMER_SEARCH_PAGE,
	    4, NULL, values, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
	    PQerrorMessage(db));
	off = 0;
	text[0] = '\0';
	for (i = 0; i < PQntuples(r); i++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n",
		    PQgetvalue(r, i, 0));
		if (off >= sizeof(text))
			break;
	}
	PQclear(r);
	PQfinish(db);
	return (text);
}

Test(search_plan, trigram_indexes_serve_the_search)
{
	const char *p;

	/*
	 * On the small test table a walk of the full_name btree in ORDER BY
	 * order is as cheap as anything, so plain index scans are off too:
	 * what is asserted is that the ILIKEs themselves are index
	 * conditions of the trigram indexes (README "Search" shows the plan
	 * on the benchmark's 100 000 rows).
	 */
	p = plan(NULL, "%qzxjv%", 1);
	cr_assert_not_null(strstr(p, "BitmapOr"), "plan:\n%s", p);
	cr_assert_not_null(strstr(p, "ix_customer_full_name_trgm"), "%s", p);
	cr_assert_not_null(strstr(p, "ix_customer_email_trgm"), "%s", p);
	cr_assert_not_null(strstr(p, "ix_customer_phone_trgm"), "%s", p);
	cr_assert_null(strstr(p, "Seq Scan"), "%s", p);
}

Test(search_plan, business_listing_uses_an_index)
{
	const char *p;

	p = plan("11111111-1111-4111-8111-111111111111", NULL, 0);
	cr_assert_null(strstr(p, "Seq Scan"), "plan:\n%s", p);
	cr_assert_not_null(strstr(p, "ix_customer_business_id"), "%s", p);
}
