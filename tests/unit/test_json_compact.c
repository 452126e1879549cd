/*
 * json_compact.c: PostgreSQL's json text (json_agg, json_build_object)
 * written compactly, key order kept, numbers as the API writes them.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/json_compact.h"

static void expect_compact(const char *, const char *);

/* text, appended to an empty writer, is exactly want. */
static void
expect_compact(const char *text, const char *want)
{
	struct jsonw w;

	jsonw_init(&w);
	cr_assert_eq(jsonw_compact(&w, text), 1, "refused: %s", text);
	cr_assert_not(w.failed);
	cr_assert_str_eq(w.buf, want);
	cr_assert_eq(w.len, strlen(want));
	jsonw_free(&w);
}

Test(json_compact, postgres_array_of_objects)
{
	/* json_agg's text: ", " and a newline between elements */
	expect_compact("[{\"order_id\" : \"o1\", \"total\" : 12.5}, \n"
		       " {\"order_id\" : \"o2\", \"total\" : null}]",
	    "[{\"order_id\":\"o1\",\"total\":12.5},"
	    "{\"order_id\":\"o2\",\"total\":null}]");
}

Test(json_compact, empty_array_and_object)
{
	expect_compact("[]", "[]");
	expect_compact("{}", "{}");
}

Test(json_compact, key_order_is_kept)
{
	expect_compact("{\"z\" : 1, \"a\" : 2, \"m\" : {\"y\" : 3, \"b\" : 4}}",
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":3,\"b\":4}}");
}

/* The Python float forms SQL_PY_FLOAT produces survive unchanged. */
Test(json_compact, python_float_numbers)
{
	expect_compact("[0.0, 2750.0, 12.5, 19.99, 0.01, -3.0, -0.5]",
	    "[0.0,2750.0,12.5,19.99,0.01,-3.0,-0.5]");
	expect_compact("[9999999999.99, 12345678.91, 0.1, 0.3]",
	    "[9999999999.99,12345678.91,0.1,0.3]");
}

Test(json_compact, integers_stay_integers)
{
	expect_compact("[0, 3, -7, 2147483647]", "[0,3,-7,2147483647]");
}

Test(json_compact, strings_stay_as_written)
{
	/* spaces inside strings, escapes and UTF-8 are not touched */
	expect_compact(
	    "[\"Ștefan \\u00e9\", \"a \\\" , b\\\\c\", \"x\\ny\\u0001\"]",
	    "[\"Ștefan \\u00e9\",\"a \\\" , b\\\\c\",\"x\\ny\\u0001\"]");
}

Test(json_compact, numbers_are_never_rounded)
{
	expect_compact("{\"x\": 0.1, \"y\": 0.30000000000000004, \"z\": 1e400}",
	    "{\"x\":0.1,\"y\":0.30000000000000004,\"z\":1e400}");
}

Test(json_compact, appends_after_existing_text)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "tags");
	cr_assert_eq(jsonw_compact(&w, "[{\"id\" : 1}]"), 1);
	jsonw_key(&w, "n");
	jsonw_rawz(&w, "2");
	jsonw_close(&w, '}');
	cr_assert_str_eq(w.buf, "{\"tags\":[{\"id\":1}],\"n\":2}");
	jsonw_free(&w);
}

Test(json_compact, not_json_fails_the_writer)
{
	struct jsonw w;

	jsonw_init(&w);
	/* the input is PostgreSQL's; what can be checked is the strings */
	cr_assert_eq(jsonw_compact(&w, "[\"a, 2]"), 0);
	cr_assert(w.failed);
	jsonw_free(&w);

	jsonw_init(&w);
	cr_assert_eq(jsonw_compact(&w, NULL), 0);
	cr_assert(w.failed);
	jsonw_free(&w);
}
