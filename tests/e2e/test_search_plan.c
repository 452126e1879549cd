/*
 * The plans of GET /customers (src/api/customer_search.h), asked of a
 * database of the test's own holding 20 000 customers in 200 businesses
 * (on the shared test database's few rows any plan is as cheap as any
 * other), with sequential scans disabled, as on the benchmark's data
 * (docs/benchmark.md): over all businesses, a bitmap scan of the trigram
 * index on search_text; in one business, an index-only walk of that
 * business in ORDER BY order, then the page's rows by primary key. A page
 * after a cursor starts that walk at the cursor's key (an index
 * condition), not at the business's first row.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <postgresql/libpq-fe.h>

#include "../../src/api/customer_search.h"
#include "scratch.h"

#define BUSINESS "00000000-0000-4000-8000-000000000001"

/*
 * 100 customers a business; one in 13 named Smith, a common name: the
 * trigram posting lists hold 200 businesses' rows, as on the benchmark's
 * data they hold 100 or 1 000.
 */
static const char sql_seed[] =
    "INSERT INTO customers (user_id, business_id, full_name, email, phone)"
    " SELECT gen_random_uuid(), ('00000000-0000-4000-8000-' ||"
    " lpad((n % 200)::text, 12, '0'))::uuid,"
    " (ARRAY['Ana', 'Ion', 'Maria', 'Mihai', 'Elena', 'Andrei'])[1 + n % 6]"
    " || ' ' || CASE WHEN n % 13 = 0 THEN 'Smith' ELSE (ARRAY['Popescu',"
    " 'Ionescu', 'Stan', 'Rusu', 'Matei', 'Dumitru', 'Stoica'])"
    "[1 + (n / 7) % 7] || chr(97 + n % 26) || chr(97 + (n / 26) % 26) END,"
    " 'c' || n || '@example.org', '+4470' || lpad(n::text, 8, '0')"
    " FROM generate_series(1, 20000) AS n";

static const char sql_all[] =
    "EXPLAIN SELECT c.id FROM customers c" CUSTOMER_SEARCH_WHERE
	CUSTOMER_SEARCH_PAGE;
static const char sql_business[] =
    "EXPLAIN SELECT c.id FROM customers c" CUSTOMER_SEARCH_BUSINESS_PAGE;
static const char sql_business_next[] =
    "EXPLAIN SELECT c.id FROM customers c" CUSTOMER_SEARCH_BUSINESS_NEXT;
static const char sql_all_next[] =
    "EXPLAIN SELECT c.id FROM customers c" CUSTOMER_SEARCH_WHERE
	CUSTOMER_SEARCH_NEXT;

static PGconn *db;
static char db_name[64];

static void setup(void);
static void teardown(void);
/* How plan() asks: with the values, without index scans, or generic. */
enum plan_mode { PLAN_CUSTOM, PLAN_BITMAP_ONLY, PLAN_GENERIC };

static char *plan(const char *, const char *, const char *, const char *,
    enum plan_mode);
static char *plan_values(const char *, const char *const *, int,
    enum plan_mode);
static int index_cond_has(const char *, const char *);

static void
setup(void)
{
	char url[512];
	PGresult *r;

	db =
	    scratch_db("bee_plan_", url, sizeof(url), db_name, sizeof(db_name));
	/*
	 * The test server commits asynchronously, and a row's commit hint,
	 * which VACUUM needs to mark its page all-visible (what makes an
	 * index-only scan cheap), waits for the commit's WAL flush.
	 */
	PQclear(PQexec(db, "SET synchronous_commit = on"));
	r = PQexec(db, sql_seed);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(db));
	PQclear(r);
	/* its own statement: VACUUM cannot run in a transaction block */
	r = PQexec(db, "VACUUM ANALYZE customers");
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(db));
	PQclear(r);
}

static void
teardown(void)
{
	scratch_drop(db, db_name);
}

TestSuite(search_plan, .init = setup, .fini = teardown, .timeout = 60);

/* The first page's statements: $3 skip 0, $4 limit. */
static char *
plan(const char *sql, const char *business, const char *pattern,
    const char *limit, enum plan_mode mode)
{
	const char *values[4] = { business, pattern, "0", limit };

	return (plan_values(sql, values, 4, mode));
}

static char *
plan_values(const char *sql, const char *const *values, int n,
    enum plan_mode mode)
{
	static char text[8192];
	char execute[512];
	PGresult *r;
	size_t off;
	int i;

	PQclear(
	    PQexec(db, "RESET ALL; DEALLOCATE ALL; SET enable_seqscan = off"));
	if (mode == PLAN_BITMAP_ONLY)
		PQclear(PQexec(db, "SET enable_indexscan = off"));
	if (mode == PLAN_GENERIC) {
		/* a prepared statement's plan without its values */
		PQclear(PQexec(db, "SET plan_cache_mode = force_generic_plan"));
		r = PQprepare(db, "q", sql + strlen("EXPLAIN "), n, NULL);
		cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
		    PQerrorMessage(db));
		PQclear(r);
		off = (size_t)snprintf(execute, sizeof(execute),
		    "EXPLAIN EXECUTE q(");
		for (i = 0; i < n; i++)
			off += (size_t)snprintf(execute + off,
			    sizeof(execute) - off,
			    values[i] != NULL ? "%s'%s'" : "%sNULL",
			    i > 0 ? ", " : "", values[i]);
		(void)snprintf(execute + off, sizeof(execute) - off, ")");
		r = PQexec(db, execute);
	} else
		r = PQexecParams(db, sql, n, NULL, values, NULL, NULL, 0);
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
	return (text);
}

Test(search_plan, trigram_indexes_serve_the_search)
{
	const char *p;

	/*
	 * On the small test table a walk of the full_name btree in ORDER BY
	 * order is as cheap as anything, so plain index scans are off too:
	 * what is asserted is that the search_text test is an index
	 * condition of the one trigram index (docs/benchmark.md shows the
	 * plan on the benchmark's 100 000 rows).
	 */
	p = plan(sql_all, NULL, "%qzxjv%", "100", PLAN_BITMAP_ONLY);
	cr_assert_not_null(strstr(p,
			       "Bitmap Index Scan on ix_customer_search_trgm"),
	    "plan:\n%s", p);
	cr_assert_not_null(strstr(p, "Index Cond: (search_text ~~"), "%s", p);
	cr_assert_null(strstr(p, "BitmapOr"), "%s", p);
	cr_assert_null(strstr(p, "Seq Scan"), "%s", p);
}

Test(search_plan, business_listing_uses_an_index)
{
	const char *p;

	/* a whole business of 100 in one page: either business index */
	p = plan(sql_business, BUSINESS, NULL, "100", PLAN_CUSTOM);
	cr_assert_null(strstr(p, "Seq Scan"), "plan:\n%s", p);
	cr_assert(strstr(p, "ix_customer_business_id") != NULL ||
		strstr(p, "ix_customer_business_search") != NULL,
	    "%s", p);
	/* a page of 20: the walk in ORDER BY order, no sort */
	p = plan(sql_business, BUSINESS, NULL, "20", PLAN_CUSTOM);
	cr_assert_not_null(strstr(p,
			       "Index Only Scan using "
			       "ix_customer_business_search"),
	    "plan:\n%s", p);
	cr_assert_null(strstr(p, "Sort"), "%s", p);
}

/*
 * A business's search with a common name never reads the trigram posting
 * lists (which hold every business's rows): it walks the business's
 * entries of the covering index, matching on the index tuples, and
 * fetches the page by key; planned with its values (a page of 20, as
 * users ask) and as the generic plan PostgreSQL may switch a prepared
 * statement to.
 */
Test(search_plan, business_search_walks_its_business)
{
	const char *p;
	static const enum plan_mode modes[] = { PLAN_CUSTOM, PLAN_GENERIC };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		p = plan(sql_business, BUSINESS, "%smith%", "20", modes[i]);
		cr_assert_not_null(strstr(p,
				       "Index Only Scan using "
				       "ix_customer_business_search"),
		    "plan:\n%s", p);
		cr_assert_not_null(strstr(p, "customers_pkey"), "%s", p);
		cr_assert_null(strstr(p, "trgm"), "%s", p);
		cr_assert_null(strstr(p, "Sort"), "%s", p);
		cr_assert_null(strstr(p, "Seq Scan"), "%s", p);
	}
	/*
	 * Even with index scans off (the planner left with bitmaps), the
	 * business statement cannot reach the trigram index: on the
	 * benchmark's rows the planner preferred a BitmapAnd of it with the
	 * business's rows to the walk when it could (docs/benchmark.md).
	 */
	p = plan(sql_business, BUSINESS, "%smith%", "20", PLAN_BITMAP_ONLY);
	cr_assert_null(strstr(p, "trgm"), "plan:\n%s", p);
}

/*
 * A page after a cursor: the row comparison on (full_name, id) is an
 * index condition, so the walk starts at the cursor's key, in one
 * business (index-only, with or without a term, custom or generic plan)
 * and over all businesses (the full_name index, from the cursor's name).
 */
Test(search_plan, cursor_pages_start_at_the_key)
{
	const char *values[5] = { BUSINESS, NULL, "Maria Stoica",
		"00000000-0000-4000-8000-000000000000", "21" };
	static const enum plan_mode modes[] = { PLAN_CUSTOM, PLAN_GENERIC };
	const char *p;
	size_t i, t;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		for (t = 0; t < 2; t++) {
			values[1] = t == 0 ? NULL : "%smith%";
			p = plan_values(sql_business_next, values, 5, modes[i]);
			cr_assert_not_null(strstr(p,
					       "Index Only Scan using "
					       "ix_customer_business_search"),
			    "plan:\n%s", p);
			cr_assert(index_cond_has(p, "ROW(full_name, id) >"),
			    "the cursor is no index condition:\n%s", p);
			cr_assert_null(strstr(p, "Sort"), "%s", p);
		}
	}
	values[0] = NULL;
	values[1] = NULL;
	p = plan_values(sql_all_next, values, 5, PLAN_CUSTOM);
	cr_assert(index_cond_has(p, "(full_name)::text >="), "plan:\n%s", p);
	cr_assert_null(strstr(p, "Seq Scan"), "%s", p);
}

/* Does an "Index Cond:" line of plan p hold what? */
static int
index_cond_has(const char *p, const char *what)
{
	const char *at, *end, *hit;

	for (at = p; (at = strstr(at, "Index Cond:")) != NULL; at = end) {
		end = strchr(at, '\n');
		if (end == NULL)
			end = at + strlen(at);
		hit = strstr(at, what);
		if (hit != NULL && hit < end)
			return (1);
	}
	return (0);
}
