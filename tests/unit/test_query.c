/* query.c: query strings and the original's integer rules. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/query.h"
#include "unit.h"

static void int_item(const char *, long, long, const char *);

Test(query, decodes_and_last_duplicate_wins)
{
	struct query q;

	cr_assert_eq(query_parse("a=1&b=x+y%21&a=2&flag&&c=%e2%82%ac", &q), 0);
	cr_assert_str_eq(query_get(&q, "a"), "2");
	cr_assert_str_eq(query_get(&q, "b"), "x y!");
	cr_assert_str_eq(query_get(&q, "flag"), "");
	cr_assert_str_eq(query_get(&q, "c"), "\xe2\x82\xac");
	cr_assert_null(query_get(&q, "missing"));
	query_free(&q);
}

Test(query, malformed_escapes_stay_and_bad_bytes_are_replaced)
{
	struct query q;

	cr_assert_eq(query_parse("a=50%&b=%zz&c=%ff%00x&d=%4", &q), 0);
	cr_assert_str_eq(query_get(&q, "a"), "50%");
	cr_assert_str_eq(query_get(&q, "b"), "%zz");
	cr_assert_str_eq(query_get(&q, "c"), "\xef\xbf\xbd\xef\xbf\xbdx");
	cr_assert_str_eq(query_get(&q, "d"), "%4");
	query_free(&q);
}

Test(query, null_and_empty)
{
	struct query q;

	cr_assert_eq(query_parse(NULL, &q), 0);
	cr_assert_eq(q.count, 0);
	cr_assert_eq(query_parse("", &q), 0);
	cr_assert_eq(q.count, 0);
}

Test(query, too_many_arguments)
{
	struct query q;
	char qs[QUERY_ARGS_MAX * 4 + 8];
	size_t i, off;

	off = 0;
	for (i = 0; i <= QUERY_ARGS_MAX; i++)
		off += (size_t)snprintf(qs + off, sizeof(qs) - off, "a=%zu&",
		    i % 10);
	cr_assert_eq(query_parse(qs, &q), -1);
}

Test(query, int_default_and_value)
{
	struct problems p;
	struct query q;
	long v;

	problems_init(&p);
	cr_assert_eq(query_parse("skip=7&limit=+3", &q), 0);
	cr_assert(query_int(&p, &q, "skip", 0, 0, 100, &v));
	cr_assert_eq(v, 7);
	cr_assert(query_int(&p, &q, "limit", 100, 1, 500, &v));
	cr_assert_eq(v, 3);
	cr_assert(query_int(&p, &q, "other", 42, 0, 100, &v));
	cr_assert_eq(v, 42);
	cr_assert_eq(problems_count(&p), 0);
	query_free(&q);
	problems_free(&p);
}

static void
int_item(const char *qs, long min, long max, const char *want)
{
	struct problems p;
	struct query q;
	long v;

	problems_init(&p);
	cr_assert_eq(query_parse(qs, &q), 0);
	cr_assert_not(query_int(&p, &q, "n", 0, min, max, &v));
	unit_assert_json(json_array_get(p.items, 0), want);
	query_free(&q);
	problems_free(&p);
}

Test(query, int_items)
{
	int_item("n=abc", 0, 10,
	    "{\"type\":\"int_parsing\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be a valid integer, unable to parse "
	    "string as an integer\",\"input\":\"abc\"}");
	int_item("n=1.5", 0, 10,
	    "{\"type\":\"int_parsing\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be a valid integer, unable to parse "
	    "string as an integer\",\"input\":\"1.5\"}");
	int_item("n=99999999999999999999999", 0, 10,
	    "{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be less than or equal to 10\","
	    "\"input\":\"99999999999999999999999\",\"ctx\":{\"le\":10}}");
	int_item("n=-99999999999999999999999", 0, 10,
	    "{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be greater than or equal to 0\","
	    "\"input\":\"-99999999999999999999999\",\"ctx\":{\"ge\":0}}");
	int_item("n=-1", 0, 10,
	    "{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be greater than or equal to 0\","
	    "\"input\":\"-1\",\"ctx\":{\"ge\":0}}");
	int_item("n=501", 1, 500,
	    "{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"n\"],"
	    "\"msg\":\"Input should be less than or equal to 500\","
	    "\"input\":\"501\",\"ctx\":{\"le\":500}}");
}

/* skip beyond QUERY_SKIP_MAX was accepted (9000000000000000000 too). */
Test(query, page_bounds_skip_and_limit)
{
	struct query_page page;
	struct problems p;
	struct query q;

	problems_init(&p);
	cr_assert_eq(query_parse("", &q), 0);
	cr_assert(query_page(&p, &q, &page));
	cr_assert_str_eq(page.skip, "0");
	cr_assert_str_eq(page.limit, "100");
	query_free(&q);

	cr_assert_eq(query_parse("skip=100000&limit=500", &q), 0);
	cr_assert(query_page(&p, &q, &page));
	cr_assert_str_eq(page.skip, "100000");
	cr_assert_str_eq(page.limit, "500");
	cr_assert_eq(problems_count(&p), 0);
	query_free(&q);

	cr_assert_eq(query_parse("skip=9000000000000000000&limit=0", &q), 0);
	cr_assert_not(query_page(&p, &q, &page));
	cr_assert_eq(problems_count(&p), 2);
	unit_assert_json(json_array_get(p.items, 0),
	    "{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"skip\"],"
	    "\"msg\":\"Input should be less than or equal to 100000\","
	    "\"input\":\"9000000000000000000\",\"ctx\":{\"le\":100000}}");
	unit_assert_json(json_array_get(p.items, 1),
	    "{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],"
	    "\"msg\":\"Input should be greater than or equal to 1\","
	    "\"input\":\"0\",\"ctx\":{\"ge\":1}}");
	query_free(&q);
	problems_free(&p);
}
