/*
 * idem_text.c and idem_sql.c: the Idempotency-Key's syntax, a stored row
 * read back, and a write statement rewritten to store its rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/idem_sql.h"
#include "model/idem_text.h"

#define STORE(names, record, a, b, c) \
	" idem_out" names " AS (%s)," \
	" idem_store AS (" \
	" UPDATE idempotency_keys k SET state = 'done'," \
	"  response = (SELECT coalesce(array_agg(" record "), '{}')" \
	"  FROM idem_out o)," \
	"  customer_id = coalesce(k.customer_id, (SELECT CASE WHEN v ~* " \
	"'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN v::uuid END" \
	"  FROM idem_out o, LATERAL (SELECT coalesce(" \
	"to_jsonb(o) ->> 'customer_id', to_jsonb(o) ->> 'id') AS v) x" \
	"  LIMIT 1))" \
	" WHERE k.owner = $" a "::text AND k.key = $" b "::text" \
	"  AND k.token = $" c "::uuid AND k.state = 'running' RETURNING 1)" \
	" SELECT * FROM idem_out"

Test(idem, keys_of_1_to_255_visible_ascii_characters)
{
	char key[258];

	cr_expect(idem_key_valid("a"));
	cr_expect(idem_key_valid("8e03978e-40d5-43e8-bc93-6894a57f9324"));
	cr_expect(idem_key_valid("!~\"'{}"));
	cr_expect(!idem_key_valid(""));
	cr_expect(!idem_key_valid("a b"));
	cr_expect(!idem_key_valid("a\tb"));
	cr_expect(!idem_key_valid("a\x7f"));
	cr_expect(!idem_key_valid("caf\xc3\xa9"));
	memset(key, 'k', sizeof(key));
	key[255] = '\0';
	cr_expect(idem_key_valid(key), "255 characters");
	key[255] = 'k';
	key[256] = '\0';
	cr_expect(!idem_key_valid(key), "256 characters");
}

static int
split(const char *rec, const char **vals, char **buf)
{
	*buf = malloc(strlen(rec) + 1);
	cr_assert_not_null(*buf);
	return (idem_record_split(rec, *buf, vals, 8));
}

Test(idem, record_text_splits_into_columns_with_nulls)
{
	const char *v[8];
	char *buf;

	/* as PostgreSQL writes ROW(true, NULL, 'a b', '', 'x"y\z', '(,)') */
	cr_assert_eq(split("(t,,\"a b\",\"\",\"x\"\"y\\\\z\",\"(,)\")", v,
			 &buf),
	    6);
	cr_expect_str_eq(v[0], "t");
	cr_expect_null(v[1]);
	cr_expect_str_eq(v[2], "a b");
	cr_expect_str_eq(v[3], "");
	cr_expect_str_eq(v[4], "x\"y\\z");
	cr_expect_str_eq(v[5], "(,)");
	free(buf);
	cr_assert_eq(split("(,)", v, &buf), 2);
	cr_expect_null(v[0]);
	cr_expect_null(v[1]);
	free(buf);
	cr_assert_eq(split("({\"a\": 1})", v, &buf), 1);
	cr_expect_str_eq(v[0], "{a: 1}", "unquoted quotes are dropped");
	free(buf);
}

Test(idem, malformed_record_text_is_refused)
{
	const char *v[8];
	char *buf;

	cr_expect_eq(split("t,a", v, &buf), -1);
	free(buf);
	cr_expect_eq(split("(t,a", v, &buf), -1);
	free(buf);
	cr_expect_eq(split("(\"t)", v, &buf), -1);
	free(buf);
	cr_expect_eq(split("(t)x", v, &buf), -1);
	free(buf);
	cr_expect_eq(split("(1,2,3,4,5,6,7,8,9)", v, &buf), -1, "too many");
	free(buf);
}

static void
wrapped(const char *sql, int nparams, const char *head, const char *final)
{
	char want[2048], *got;

	(void)snprintf(want, sizeof(want),
	    "%s" STORE("", "o::text", "3", "4", "5"), head, final);
	got = idem_sql_wrap(sql, nparams, 0);
	cr_assert_not_null(got, "%s", sql);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(idem, the_final_query_becomes_a_cte_beside_the_others)
{
	wrapped("WITH a AS (SELECT 1 FROM t WHERE x IN (SELECT 2)),"
		" b AS (INSERT INTO u VALUES ($1) RETURNING id)"
		" SELECT a.*, $2 FROM a UNION ALL SELECT 2, '' FROM b",
	    2,
	    "WITH a AS (SELECT 1 FROM t WHERE x IN (SELECT 2)),"
	    " b AS (INSERT INTO u VALUES ($1) RETURNING id),",
	    "SELECT a.*, $2 FROM a UNION ALL SELECT 2, '' FROM b");
	/* parentheses in quotes, quoted names and comments do not count */
	wrapped("with \"x(\" as (select ')' -- (\n), y_select AS (SELECT 1)\n"
		"  select 1",
	    2, "with \"x(\" as (select ')' -- (\n), y_select AS (SELECT 1),",
	    "select 1");
	/* no CTE: the whole statement is the final query */
	wrapped("UPDATE t SET a = $1 RETURNING a", 2, "WITH",
	    "UPDATE t SET a = $1 RETURNING a");
}

/* The first columns only: the others reach the settle hook, not the store */
Test(idem, a_statement_may_store_its_first_columns_only)
{
	char want[2048], *got;

	(void)snprintf(want, sizeof(want),
	    "WITH" STORE("(idem_c1, idem_c2)",
		"ROW(o.idem_c1, o.idem_c2)::text", "2", "3", "4"),
	    "SELECT $1, 2, 3");
	got = idem_sql_wrap("SELECT $1, 2, 3", 1, 2);
	cr_assert_not_null(got);
	cr_expect_str_eq(got, want);
	free(got);
}

Test(idem, a_statement_without_a_final_query_is_not_wrapped)
{
	cr_expect_null(idem_sql_wrap("WITH a AS (SELECT 1)", 0, 0));
	cr_expect_null(idem_sql_wrap("WITH a AS (SELECT ')", 0, 0));
	cr_expect_null(idem_sql_wrap("", 0, 0));
}

Test(idem, plain_selects_do_not_write)
{
	cr_expect(!idem_sql_writes("SELECT 1 FROM customers"));
	cr_expect(idem_sql_writes("WITH a AS (DELETE FROM t) SELECT 1"));
	cr_expect(idem_sql_writes("UPDATE t SET a = 1"));
}
