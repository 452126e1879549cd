/*
 * tag_input.c: the original's TagsCreate and TagCreate bodies, item for
 * item as pydantic reported them (docs/api.md, tags),
 * plus the 1..50 rule for every label.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "support/unit.h"
#include "model/tag_input.h"

#define CUST "11111111-1111-4111-8111-111111111111"

typedef int (*tag_parser)(json_t *, struct problems *, struct tag_input *);

static int parse(tag_parser, const char *, struct problems *,
    struct tag_input *);
static int batch(const char *, struct problems *, struct tag_input *);
static int single(const char *, struct problems *, struct tag_input *);
static void refused(tag_parser, const char *, const char *);
static void batch_items(const char *, const char *);
static void single_items(const char *, const char *);
static char *repeat(const char *, size_t);

static int
parse(tag_parser parser, const char *text, struct problems *p,
    struct tag_input *in)
{
	json_t *body;
	int ok;

	body = unit_json(text);
	ok = parser(body, p, in);
	json_decref(body);
	return (ok);
}

static int
batch(const char *text, struct problems *p, struct tag_input *in)
{
	return (parse(tag_input_batch, text, p, in));
}

static int
single(const char *text, struct problems *p, struct tag_input *in)
{
	return (parse(tag_input_single, text, p, in));
}

/* The body is refused with exactly these items ({"detail": want}). */
static void
refused(tag_parser parser, const char *text, const char *want)
{
	struct problems p;
	struct tag_input in;

	problems_init(&p);
	cr_assert_eq(parse(parser, text, &p, &in), 0, "accepted %s", text);
	cr_assert_null(in.labels);
	unit_assert_json(p.items, want);
	tag_input_free(&in);
	problems_free(&p);
}

static void
batch_items(const char *text, const char *want)
{
	refused(tag_input_batch, text, want);
}

static void
single_items(const char *text, const char *want)
{
	refused(tag_input_single, text, want);
}

static char *
repeat(const char *s, size_t n)
{
	char *out;
	size_t i, len;

	len = strlen(s);
	out = malloc(len * n + 1);
	cr_assert_not_null(out);
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return (out);
}

/* ---- TagsCreate ---- */

Test(tag_input, batch_label)
{
	struct problems p;
	struct tag_input in;

	problems_init(&p);
	cr_assert_eq(batch("{\"label\":\"VIP\"}", &p, &in), 1);
	cr_assert_eq(problems_count(&p), 0);
	cr_assert_str_eq(in.labels, "[\"VIP\"]");
	cr_assert_eq(in.nlabels, 1);
	cr_assert_eq(in.duplicate, 0);
	cr_assert_str_eq(in.priority, "0");
	cr_assert_null(in.color);
	cr_assert_str_eq(in.created_by, "");
	tag_input_free(&in);
	cr_assert_null(in.labels);
	problems_free(&p);
}

Test(tag_input, batch_labels_in_order_unicode_counted_as_code_points)
{
	struct problems p;
	struct tag_input in;
	char *fifty, *text;

	/* 50 two-byte characters: 100 bytes, 50 code points */
	fifty = repeat("\xc8\x99", 50);
	cr_assert(asprintf(&text,
		      "{\"labels\":[\"Loyal\",\"%s\",\"vip\","
		      "\"VIP\"],\"label\":null}",
		      fifty) != -1);
	problems_init(&p);
	cr_assert_eq(batch(text, &p, &in), 1);
	cr_assert_eq(in.nlabels, 4);
	cr_assert_eq(in.duplicate, 0, "labels are case-sensitive");
	cr_assert(strncmp(in.labels, "[\"Loyal\",", 9) == 0);
	cr_assert(strstr(in.labels, "\"vip\",\"VIP\"]") != NULL);
	tag_input_free(&in);
	problems_free(&p);
	free(text);
	free(fifty);
}

Test(tag_input, batch_duplicates_flagged_not_422)
{
	struct problems p;
	struct tag_input in;

	problems_init(&p);
	cr_assert_eq(batch("{\"labels\":[\"A\",\"B\",\"C\",\"B\"]}", &p, &in),
	    1);
	cr_assert_eq(problems_count(&p), 0);
	cr_assert_eq(in.duplicate, 1);
	tag_input_free(&in);
	problems_free(&p);
}

Test(tag_input, batch_label_wins_over_empty_labels)
{
	struct problems p;
	struct tag_input in;

	/* pydantic: `label and labels` is false for [], so label is used */
	problems_init(&p);
	cr_assert_eq(batch("{\"label\":\"A\",\"labels\":[]}", &p, &in), 1);
	cr_assert_str_eq(in.labels, "[\"A\"]");
	tag_input_free(&in);
	problems_free(&p);
}

Test(tag_input, batch_both_or_neither)
{
	batch_items("{\"label\":\"A\",\"labels\":[\"B\"]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{\"label\":"
	    "\"A\",\"labels\":[\"B\"]},\"ctx\":{\"error\":{}}}]");
	batch_items("{}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{},\"ctx\":"
	    "{\"error\":{}}}]");
	batch_items("{\"labels\":[]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{\"labels\":"
	    "[]},\"ctx\":{\"error\":{}}}]");
	batch_items("{\"label\":null,\"labels\":null,\"x\":1}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\"],\"msg\":\"Value "
	    "error, Provide either label or labels\",\"input\":{\"label\":"
	    "null,\"labels\":null,\"x\":1},\"ctx\":{\"error\":{}}}]");
}

Test(tag_input, batch_label_not_a_non_empty_string)
{
	batch_items("{\"label\":\"\"}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":\"\","
	    "\"ctx\":{\"error\":{}}}]");
	batch_items("{\"label\":5}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":5,"
	    "\"ctx\":{\"error\":{}}}]");
	batch_items("{\"label\":[\"A\"]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":"
	    "[\"A\"],\"ctx\":{\"error\":{}}}]");
}

Test(tag_input, batch_labels_not_a_list_of_strings)
{
	batch_items("{\"labels\":\"A\"}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"labels\"],\"msg\":"
	    "\"Value error, labels must be a list of strings\",\"input\":\"A\","
	    "\"ctx\":{\"error\":{}}}]");
	batch_items("{\"labels\":[\"A\",1]}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"labels\"],\"msg\":"
	    "\"Value error, labels must be a list of strings\",\"input\":"
	    "[\"A\",1],\"ctx\":{\"error\":{}}}]");
}

Test(tag_input, batch_field_errors_both_no_model_error)
{
	batch_items("{\"labels\":{},\"label\":false}",
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Value error, label must be a non-empty string\",\"input\":false,"
	    "\"ctx\":{\"error\":{}}},{\"type\":\"value_error\",\"loc\":"
	    "[\"body\",\"labels\"],\"msg\":\"Value error, labels must be a list "
	    "of strings\",\"input\":{},\"ctx\":{\"error\":{}}}]");
}

Test(tag_input, batch_label_lengths)
{
	char *text, *want, *long_label;

	long_label = repeat("x", 51);
	cr_assert(asprintf(&text, "{\"label\":\"%s\"}", long_label) != -1);
	cr_assert(asprintf(&want,
		      "[{\"type\":\"string_too_long\",\"loc\":[\"body\","
		      "\"label\"],\"msg\":\"String should have at most 50 "
		      "characters\",\"input\":\"%s\",\"ctx\":{\"max_length\":"
		      "50}}]",
		      long_label) != -1);
	batch_items(text, want);
	free(text);
	free(want);

	cr_assert(asprintf(&text, "{\"labels\":[\"ok\",\"\",\"%s\"]}",
		      long_label) != -1);
	cr_assert(asprintf(&want,
		      "[{\"type\":\"string_too_short\",\"loc\":[\"body\","
		      "\"labels\",1],\"msg\":\"String should have at least 1 "
		      "character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},"
		      "{\"type\":\"string_too_long\",\"loc\":[\"body\","
		      "\"labels\",2],\"msg\":\"String should have at most 50 "
		      "characters\",\"input\":\"%s\",\"ctx\":{\"max_length\":"
		      "50}}]",
		      long_label) != -1);
	batch_items(text, want);
	free(text);
	free(want);
	free(long_label);
}

Test(tag_input, batch_nul_refused)
{
	struct problems p;
	struct tag_input in;
	json_t *it;

	problems_init(&p);
	cr_assert_eq(batch("{\"labels\":[\"a\\u0000b\"]}", &p, &in), 0);
	cr_assert_eq(problems_count(&p), 1);
	it = json_array_get(p.items, 0);
	cr_assert_str_eq(json_string_value(json_object_get(it, "type")),
	    "string_pattern_mismatch");
	unit_assert_json(json_object_get(it, "loc"), "[\"body\",\"labels\",0]");
	tag_input_free(&in);
	problems_free(&p);
}

Test(tag_input, batch_not_an_object)
{
	batch_items("[\"A\"]",
	    "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":"
	    "\"Input should be a valid dictionary or object to extract fields "
	    "from\",\"input\":[\"A\"]}]");
}

/* ---- TagCreate ---- */

Test(tag_input, single_full)
{
	struct problems p;
	struct tag_input in;

	problems_init(&p);
	cr_assert_eq(single("{\"customer_id\":\"" CUST "\",\"label\":\"VIP\","
			    "\"color\":\"red\",\"priority\":5,\"created_by\":"
			    "\"C5ED4627ACDC4A7ABCE8DA2AF6AF0DAF\"}",
			 &p, &in),
	    1);
	cr_assert_str_eq(in.labels, "[\"VIP\"]");
	cr_assert_str_eq(in.color, "red");
	cr_assert_str_eq(in.priority, "5");
	cr_assert_str_eq(in.created_by, "c5ed4627-acdc-4a7a-bce8-da2af6af0daf");
	cr_assert_str_eq(in.customer_id, CUST);
	tag_input_free(&in);
	problems_free(&p);
}

Test(tag_input, single_defaults)
{
	struct problems p;
	struct tag_input in;

	problems_init(&p);
	cr_assert_eq(single("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
			    "\"color\":null,\"created_by\":null}",
			 &p, &in),
	    1);
	cr_assert_null(in.color);
	cr_assert_str_eq(in.priority, "0");
	cr_assert_str_eq(in.created_by, "");
	tag_input_free(&in);
	problems_free(&p);
}

Test(tag_input, single_priority_lax_int)
{
	static const struct {
		const char *raw;
		const char *want;
	} ok[] = {
		{ "true", "1" },
		{ "false", "0" },
		{ "2.0", "2" },
		{ "\" 7 \"", "7" },
		{ "\"-3\"", "-3" },
		{ "\"4.00\"", "4" },
		{ "2147483647", "2147483647" },
		{ "-2147483648", "-2147483648" },
	};
	struct problems p;
	struct tag_input in;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert(asprintf(&text,
			      "{\"customer_id\":\"" CUST "\",\"label\":\"x\","
			      "\"priority\":%s}",
			      ok[i].raw) != -1);
		problems_init(&p);
		cr_assert_eq(single(text, &p, &in), 1, "refused %s", text);
		cr_assert_str_eq(in.priority, ok[i].want, "for %s", ok[i].raw);
		tag_input_free(&in);
		problems_free(&p);
		free(text);
	}
}

Test(tag_input, single_priority_refused)
{
	single_items("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
		     "\"priority\":1.5}",
	    "[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"priority\"],"
	    "\"msg\":\"Input should be a valid integer, got a number with a "
	    "fractional part\",\"input\":1.5}]");
	single_items("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
		     "\"priority\":null}",
	    "[{\"type\":\"int_type\",\"loc\":[\"body\",\"priority\"],"
	    "\"msg\":\"Input should be a valid integer\",\"input\":null}]");
	single_items("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
		     "\"priority\":2147483648}",
	    "[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"priority\"],"
	    "\"msg\":\"Input should be less than or equal to 2147483647\","
	    "\"input\":2147483648,\"ctx\":{\"le\":2147483647}}]");
	single_items("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
		     "\"priority\":-3e9}",
	    "[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"priority\"],"
	    "\"msg\":\"Input should be greater than or equal to -2147483648\","
	    "\"input\":-3000000000.0,\"ctx\":{\"ge\":-2147483648}}]");
	single_items("{\"customer_id\":\"" CUST "\",\"label\":\"x\","
		     "\"priority\":\"1e3\"}",
	    "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"priority\"],"
	    "\"msg\":\"Input should be a valid integer, unable to parse string "
	    "as an integer\",\"input\":\"1e3\"}]");
}

/* Every field wrong, in TagCreate's order, as the original reported it. */
Test(tag_input, single_all_items_in_schema_order)
{
	single_items("{\"customer_id\":\"x\",\"label\":\"\",\"color\":"
		     "\"xxxxxxxxxxxxxxxxxxxxx\",\"priority\":\"a\","
		     "\"created_by\":1}",
	    "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"label\"],"
	    "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
	    "\"ctx\":{\"min_length\":1}},{\"type\":\"string_too_long\",\"loc\":"
	    "[\"body\",\"color\"],\"msg\":\"String should have at most 20 "
	    "characters\",\"input\":\"xxxxxxxxxxxxxxxxxxxxx\",\"ctx\":"
	    "{\"max_length\":20}},{\"type\":\"int_parsing\",\"loc\":[\"body\","
	    "\"priority\"],\"msg\":\"Input should be a valid integer, unable to "
	    "parse string as an integer\",\"input\":\"a\"},{\"type\":"
	    "\"uuid_type\",\"loc\":[\"body\",\"created_by\"],\"msg\":\"UUID "
	    "input should be a string, bytes or UUID object\",\"input\":1},"
	    "{\"type\":\"uuid_parsing\",\"loc\":[\"body\",\"customer_id\"],"
	    "\"msg\":\"Input should be a valid UUID, invalid character: "
	    "expected an optional prefix of `urn:uuid:` followed by "
	    "[0-9a-fA-F-], found `x` at 1\",\"input\":\"x\",\"ctx\":{\"error\":"
	    "\"invalid character: expected an optional prefix of `urn:uuid:` "
	    "followed by [0-9a-fA-F-], found `x` at 1\"}}]");
}

Test(tag_input, single_missing_fields)
{
	single_items("{}",
	    "[{\"type\":\"missing\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Field required\",\"input\":{}},{\"type\":\"missing\",\"loc\":"
	    "[\"body\",\"customer_id\"],\"msg\":\"Field required\",\"input\":"
	    "{}}]");
	single_items("{\"customer_id\":\"" CUST "\",\"label\":null}",
	    "[{\"type\":\"string_type\",\"loc\":[\"body\",\"label\"],\"msg\":"
	    "\"Input should be a valid string\",\"input\":null}]");
}

/* A list of any length was accepted: one statement, one event per tag. */
Test(tag_input, batch_at_most_100_labels)
{
	struct problems p;
	struct tag_input in;
	json_t *body, *labels, *item;
	char label[16];
	int i;

	body = json_object();
	labels = json_array();
	for (i = 0; i < TAG_LABELS_MAX; i++) {
		(void)snprintf(label, sizeof(label), "L%d", i);
		(void)json_array_append_new(labels, json_string(label));
	}
	(void)json_object_set(body, "labels", labels);
	problems_init(&p);
	cr_assert_eq(tag_input_batch(body, &p, &in), 1);
	cr_assert_eq(in.nlabels, TAG_LABELS_MAX);
	tag_input_free(&in);

	(void)json_array_append_new(labels, json_string("one too many"));
	cr_assert_eq(tag_input_batch(body, &p, &in), 0);
	cr_assert_null(in.labels);
	cr_assert_eq(problems_count(&p), 1, "one item, not one per label");
	item = json_array_get(p.items, 0);
	cr_assert_str_eq(json_string_value(json_object_get(item, "type")),
	    "too_long");
	unit_assert_json(json_object_get(item, "loc"), "[\"body\",\"labels\"]");
	cr_assert_str_eq(json_string_value(json_object_get(item, "msg")),
	    "List should have at most 100 items after validation, not 101");
	unit_assert_json(json_object_get(item, "ctx"),
	    "{\"field_type\":\"List\",\"max_length\":100,"
	    "\"actual_length\":101}");
	cr_assert(json_equal(json_object_get(item, "input"), labels));
	problems_free(&p);
	json_decref(labels);
	json_decref(body);
}
