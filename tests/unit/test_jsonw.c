/* jsonw.c: the response writer; compact, escaped, separators right. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/jsonw.h"

static void check_text(struct jsonw *, const char *);

/* Exactly `want`, and JSON that jansson reads back. */
static void
check_text(struct jsonw *w, const char *want)
{
	json_error_t err;
	json_t *v;

	cr_assert_not(w->failed);
	cr_assert_not_null(w->buf);
	cr_assert_str_eq(w->buf, want);
	cr_assert_eq(w->len, strlen(want));
	v = json_loads(w->buf, JSON_DECODE_ANY, &err);
	cr_assert_not_null(v, "%s: %s", err.text, w->buf);
	json_decref(v);
}

Test(jsonw, empty_writer_is_empty)
{
	struct jsonw w;

	jsonw_init(&w);
	cr_assert_eq(w.len, 0);
	cr_assert_not(w.failed);
	jsonw_free(&w);
	cr_assert_null(w.buf);
}

Test(jsonw, plain_string)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_string(&w, "Ana Popescu");
	check_text(&w, "\"Ana Popescu\"");
	jsonw_free(&w);
}

Test(jsonw, null_pointer_is_null)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_string(&w, NULL);
	check_text(&w, "null");
	jsonw_free(&w);
}

Test(jsonw, quotes_and_backslashes)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_string(&w, "say \"hi\" C:\\dir\\");
	check_text(&w, "\"say \\\"hi\\\" C:\\\\dir\\\\\"");
	jsonw_free(&w);
}

Test(jsonw, control_characters)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_string(&w,
	    "a\nb\rc\td\x01"
	    "e\x1f"
	    "f\x08g\x0ch\x7f");
	check_text(&w, "\"a\\nb\\rc\\td\\u0001e\\u001ff\\u0008g\\u000ch\x7f\"");
	jsonw_free(&w);
}

Test(jsonw, utf8_kept_as_is)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_string(&w, "Jos\xc3\xa9 \xf0\x9f\x90\x9d");
	check_text(&w, "\"Jos\xc3\xa9 \xf0\x9f\x90\x9d\"");
	jsonw_free(&w);
}

Test(jsonw, string_escaped_through_the_jansson_round_trip)
{
	struct jsonw w;
	json_t *v;
	const char *nasty = "\"\\/\b\f\n\r\t\x01\x02\x1e\x1f end";

	jsonw_init(&w);
	jsonw_string(&w, nasty);
	v = json_loads(w.buf, JSON_DECODE_ANY, NULL);
	cr_assert_not_null(v, "%s", w.buf);
	cr_assert_str_eq(json_string_value(v), nasty);
	json_decref(v);
	jsonw_free(&w);
}

Test(jsonw, object_members_separated)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "full_name");
	jsonw_string(&w, "Ana");
	jsonw_key(&w, "phone");
	jsonw_string(&w, NULL);
	jsonw_key(&w, "total_orders");
	jsonw_rawz(&w, "12");
	jsonw_close(&w, '}');
	check_text(&w,
	    "{\"full_name\":\"Ana\",\"phone\":null,"
	    "\"total_orders\":12}");
	jsonw_free(&w);
}

Test(jsonw, empty_containers)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "a");
	jsonw_open(&w, '[');
	jsonw_close(&w, ']');
	jsonw_key(&w, "b");
	jsonw_open(&w, '{');
	jsonw_close(&w, '}');
	jsonw_close(&w, '}');
	check_text(&w, "{\"a\":[],\"b\":{}}");
	jsonw_free(&w);
}

Test(jsonw, nested_arrays_and_objects)
{
	struct jsonw w;
	int i;

	jsonw_init(&w);
	jsonw_open(&w, '[');
	for (i = 0; i < 2; i++) {
		jsonw_next(&w);
		jsonw_open(&w, '{');
		jsonw_key(&w, "label");
		jsonw_string(&w, i ? "B" : "A");
		jsonw_key(&w, "tags");
		jsonw_open(&w, '[');
		jsonw_next(&w);
		jsonw_string(&w, "x");
		jsonw_next(&w);
		jsonw_open(&w, '{');
		jsonw_close(&w, '}');
		jsonw_next(&w);
		jsonw_rawz(&w, "1");
		jsonw_close(&w, ']');
		jsonw_key(&w, "n");
		jsonw_open(&w, '{');
		jsonw_key(&w, "k");
		jsonw_string(&w, "\"");
		jsonw_close(&w, '}');
		jsonw_close(&w, '}');
	}
	jsonw_next(&w);
	jsonw_string(&w, NULL);
	jsonw_close(&w, ']');
	check_text(&w,
	    "[{\"label\":\"A\",\"tags\":[\"x\",{},1],"
	    "\"n\":{\"k\":\"\\\"\"}},{\"label\":\"B\",\"tags\":[\"x\",{},1],"
	    "\"n\":{\"k\":\"\\\"\"}},null]");
	jsonw_free(&w);
}

Test(jsonw, keys_are_escaped)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_open(&w, '{');
	jsonw_key(&w, "a\"b\n");
	jsonw_rawz(&w, "true");
	jsonw_close(&w, '}');
	check_text(&w, "{\"a\\\"b\\n\":true}");
	jsonw_free(&w);
}

Test(jsonw, grows_past_the_first_allocation)
{
	struct jsonw w;
	json_t *v;
	char *big;
	size_t n = 100000;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, 'a', n);
	big[n - 1] = '"';
	big[n] = '\0';
	jsonw_init(&w);
	jsonw_open(&w, '[');
	jsonw_next(&w);
	jsonw_string(&w, big);
	jsonw_next(&w);
	jsonw_string(&w, big);
	jsonw_close(&w, ']');
	cr_assert_not(w.failed);
	cr_assert_eq(w.len, 2 * (n + 3) + 3);
	v = json_loads(w.buf, 0, NULL);
	cr_assert_not_null(v);
	cr_assert_str_eq(json_string_value(json_array_get(v, 1)), big);
	json_decref(v);
	jsonw_free(&w);
	free(big);
}
