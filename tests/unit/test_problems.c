/*
 * problems.c: request bodies and 422 items in the original's shape
 * (docs/api.md, errors): type, loc, msg, input, ctx, in that order.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/problems.h"
#include "support/unit.h"

static enum body_status parse(const char *, struct problems *, json_t **);
static void assert_problems(struct problems *, const char *);
static void json_invalid_at(const char *, long long);
static void string_refused(const struct str_rule *, const char *, const char *);

static const struct str_rule full_name = { "full_name", 1, 0, 2, 100 };
static const struct str_rule label = { "label", 1, 0, 1, 50 };
static const struct str_rule phone = { "phone", 0, 1, 0, 0 };

static enum body_status
parse(const char *text, struct problems *p, json_t **out)
{
	return (body_parse(text, strlen(text), p, out));
}

/* The whole response body, as problems_dump writes it. */
static void
assert_problems(struct problems *p, const char *want)
{
	char *text;
	size_t len;

	text = problems_dump(p, &len);
	cr_assert_not_null(text);
	cr_assert_eq(len, strlen(text));
	cr_assert_str_eq(text, want);
	free(text);
}

/* check_string refuses the rule's member of text: the body is exactly want. */
static void
string_refused(const struct str_rule *rule, const char *text, const char *want)
{
	struct problems p;
	json_t *body;
	const char *out;

	problems_init(&p);
	body = unit_json(text);
	cr_assert_eq(check_string(&p, body, rule, &out, NULL), 0);
	assert_problems(&p, want);
	json_decref(body);
	problems_free(&p);
}

/* Malformed JSON: one json_invalid item at Python's character offset. */
static void
json_invalid_at(const char *text, long long offset)
{
	struct problems p;
	json_t *body, *it, *ctx;
	char loc[64];

	problems_init(&p);
	cr_assert_eq(parse(text, &p, &body), BODY_INVALID_JSON, "%s", text);
	cr_assert_null(body);
	cr_assert_eq(problems_count(&p), 1);
	it = unit_problem_item(&p, 0);
	cr_assert_str_eq(json_string_value(json_object_get(it, "type")),
	    "json_invalid");
	(void)snprintf(loc, sizeof(loc), "[\"body\",%lld]", offset);
	unit_assert_json(json_object_get(it, "loc"), loc);
	cr_assert_str_eq(json_string_value(json_object_get(it, "msg")),
	    "JSON decode error");
	unit_assert_json(json_object_get(it, "input"), "{}");
	ctx = json_object_get(it, "ctx");
	cr_assert(json_is_object(ctx));
	cr_assert_eq(json_object_size(ctx), 1);
	cr_assert(json_is_string(json_object_get(ctx, "error")));
	cr_assert_gt(json_string_length(json_object_get(ctx, "error")), 0);
	problems_free(&p);
}

Test(body, missing)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(body_parse(NULL, 0, &p, &body), BODY_MISSING);
	cr_assert_null(body);
	cr_assert_eq(body_parse("", 0, &p, &body), BODY_MISSING);
	cr_assert_eq(problems_count(&p), 0);
	problems_free(&p);
}

Test(body, invalid_utf8_is_not_a_422)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(parse("{\"full_name\":\"\xff\"}", &p, &body),
	    BODY_BAD_UTF8);
	cr_assert_eq(parse("{\"full_name\":\"\xed\xa0\x80\"}", &p, &body),
	    BODY_BAD_UTF8);
	cr_assert_eq(parse("\xc0\xaf", &p, &body), BODY_BAD_UTF8);
	cr_assert_null(body);
	cr_assert_eq(problems_count(&p), 0);
	problems_free(&p);
}

Test(body, object)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(parse("{\"full_name\":\"Ana\",\"n\":1}", &p, &body),
	    BODY_OK);
	unit_assert_json(body, "{\"full_name\":\"Ana\",\"n\":1}");
	cr_assert_eq(problems_count(&p), 0);
	json_decref(body);
	problems_free(&p);
}

Test(body, any_json_value)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(parse("[1,2]", &p, &body), BODY_OK);
	unit_assert_json(body, "[1,2]");
	json_decref(body);
	cr_assert_eq(parse("123", &p, &body), BODY_OK);
	unit_assert_json(body, "123");
	json_decref(body);
	cr_assert_eq(parse(" null ", &p, &body), BODY_OK);
	cr_assert(json_is_null(body));
	json_decref(body);
	problems_free(&p);
}

Test(body, last_duplicate_key_wins)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(parse("{\"full_name\":\"A\",\"full_name\":\"Ana\"}", &p,
			 &body),
	    BODY_OK);
	cr_assert_str_eq(json_string_value(json_object_get(body, "full_name")),
	    "Ana");
	cr_assert_eq(json_object_size(body), 1);
	json_decref(body);
	problems_free(&p);
}

Test(body, unicode_escapes_decoded)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	cr_assert_eq(parse("{\"n\":\"Jos\\u00e9 \\ud83d\\udc1d\"}", &p, &body),
	    BODY_OK);
	cr_assert_str_eq(json_string_value(json_object_get(body, "n")),
	    "Jos\xc3\xa9 \xf0\x9f\x90\x9d");
	json_decref(body);
	problems_free(&p);
}

Test(body, malformed_json_item)
{
	struct problems p;
	json_t *body, *ctx;
	char *text, *want;
	size_t len;

	problems_init(&p);
	cr_assert_eq(parse("{\"a\":}", &p, &body), BODY_INVALID_JSON);
	ctx = json_object_get(unit_problem_item(&p, 0), "ctx");
	/* ctx.error is jansson's wording (best effort); the rest is exact */
	cr_assert(
	    asprintf(&want,
		"{\"detail\":[{\"type\":\"json_invalid\","
		"\"loc\":[\"body\",5],\"msg\":\"JSON decode error\",\"input\":{},"
		"\"ctx\":{\"error\":%s}}]}",
		text = unit_json_text(json_object_get(ctx, "error"))) != -1);
	free(text);
	text = problems_dump(&p, &len);
	cr_assert_str_eq(text, want);
	free(text);
	free(want);
	problems_free(&p);
}

/* The offsets Python's json module reports (characters, not bytes). */
Test(body, json_invalid_offsets_as_python)
{
	json_invalid_at("{\"a\":}", 5); /* Expecting value */
	json_invalid_at("{", 1); /* Expecting property name */
	json_invalid_at("{\"a\":1}x", 7); /* Extra data */
	json_invalid_at("nul", 0);
	json_invalid_at("  x", 2);
	json_invalid_at("{\"a\" 1}", 5); /* Expecting ':' */
	json_invalid_at("[1,2", 4); /* Expecting ',' */
	json_invalid_at("{\"a\":tru}", 5);
	json_invalid_at("{\"a\":1,}", 7);
}

Test(body, json_invalid_offset_counts_code_points)
{
	json_invalid_at("{\"\xc3\xa9\":x}", 5);
	json_invalid_at("{\"a\":\"\xc3\xa9\",}", 9);
}

Test(problems, empty_dump)
{
	struct problems p;

	problems_init(&p);
	cr_assert_eq(problems_count(&p), 0);
	assert_problems(&p, "{\"detail\":[]}");
	problems_free(&p);
	cr_assert_null(p.items);
}

Test(problems, dump_is_compact_and_ordered)
{
	struct problems p;
	json_t *input;

	problems_init(&p);
	input = json_string("x");
	problems_add(&p, "uuid_parsing", problem_loc("path", "customer_id"),
	    "Input should be a valid UUID, ...", input,
	    json_pack("{s:s}", "error", "..."));
	json_decref(input);
	problems_add(&p, "missing", problem_loc("body", NULL), "Field required",
	    NULL, NULL);
	cr_assert_eq(problems_count(&p), 2);
	assert_problems(&p,
	    "{\"detail\":[{\"type\":\"uuid_parsing\","
	    "\"loc\":[\"path\",\"customer_id\"],\"msg\":\"Input should be a "
	    "valid UUID, ...\",\"input\":\"x\",\"ctx\":{\"error\":\"...\"}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field "
	    "required\",\"input\":null}]}");
	problems_free(&p);
}

Test(problems, dump_keeps_utf8_unescaped)
{
	struct problems p;
	json_t *input;

	problems_init(&p);
	input = json_string("\xc3\xa9");
	problems_add(&p, "string_too_short", problem_loc("body", "full_name"),
	    "String should have at least 2 characters", input,
	    json_pack("{s:i}", "min_length", 2));
	json_decref(input);
	assert_problems(&p,
	    "{\"detail\":[{\"type\":\"string_too_short\","
	    "\"loc\":[\"body\",\"full_name\"],\"msg\":\"String should have at "
	    "least 2 characters\",\"input\":\"\xc3\xa9\",\"ctx\":{\"min_length\""
	    ":2}}]}");
	problems_free(&p);
}

Test(check_string, valid)
{
	struct problems p;
	json_t *body;
	const char *out;
	int present;

	problems_init(&p);
	body = unit_json("{\"full_name\":\"Ana Popescu\"}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, &present), 1);
	cr_assert_str_eq(out, "Ana Popescu");
	cr_assert_eq(present, 1);
	cr_assert_eq(problems_count(&p), 0);
	json_decref(body);
	problems_free(&p);
}

Test(check_string, missing_carries_the_whole_body)
{
	struct problems p;
	json_t *body;
	const char *out;

	problems_init(&p);
	body = unit_json("{\"email\":\"ana@example.com\",\"n\":[1]}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	cr_assert_null(out);
	assert_problems(&p,
	    "{\"detail\":[{\"type\":\"missing\",\"loc\":"
	    "[\"body\",\"full_name\"],\"msg\":\"Field required\",\"input\":"
	    "{\"email\":\"ana@example.com\",\"n\":[1]}}]}");
	json_decref(body);
	problems_free(&p);
}

Test(check_string, number_is_string_type)
{
	string_refused(&full_name, "{\"full_name\":123}",
	    "{\"detail\":[{\"type\":\"string_type\",\"loc\":"
	    "[\"body\",\"full_name\"],\"msg\":\"Input should be a valid "
	    "string\",\"input\":123}]}");
}

Test(check_string, other_types_are_string_type)
{
	struct problems p;
	json_t *body;
	const char *out;

	problems_init(&p);
	body = unit_json("{\"full_name\":{\"a\":1}}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	json_decref(body);
	body = unit_json("{\"full_name\":true}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	json_decref(body);
	cr_assert_eq(problems_count(&p), 2);
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "input"),
	    "{\"a\":1}");
	unit_assert_json(json_object_get(unit_problem_item(&p, 1), "input"),
	    "true");
	problems_free(&p);
}

Test(check_string, null_for_a_required_string)
{
	string_refused(&full_name, "{\"full_name\":null}",
	    "{\"detail\":[{\"type\":\"string_type\",\"loc\":"
	    "[\"body\",\"full_name\"],\"msg\":\"Input should be a valid "
	    "string\",\"input\":null}]}");
}

Test(check_string, null_or_absent_optional)
{
	struct problems p;
	json_t *body;
	const char *out;
	int present;

	problems_init(&p);
	body = unit_json("{\"phone\":null}");
	present = -1;
	cr_assert_eq(check_string(&p, body, &phone, &out, &present), 1);
	cr_assert_null(out);
	cr_assert_eq(present, 1);
	json_decref(body);

	body = unit_json("{}");
	cr_assert_eq(check_string(&p, body, &phone, &out, &present), 1);
	cr_assert_null(out);
	cr_assert_eq(present, 0);
	json_decref(body);
	cr_assert_eq(problems_count(&p), 0);
	problems_free(&p);
}

Test(check_string, too_short)
{
	string_refused(&full_name, "{\"full_name\":\"A\"}",
	    "{\"detail\":[{\"type\":\"string_too_short\","
	    "\"loc\":[\"body\",\"full_name\"],\"msg\":\"String should have at "
	    "least 2 characters\",\"input\":\"A\",\"ctx\":{\"min_length\":2}}]}");
}

Test(check_string, too_short_singular)
{
	string_refused(&label, "{\"label\":\"\"}",
	    "{\"detail\":[{\"type\":\"string_too_short\","
	    "\"loc\":[\"body\",\"label\"],\"msg\":\"String should have at "
	    "least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}}]}");
}

Test(check_string, too_long)
{
	struct problems p;
	json_t *body;
	const char *out;
	char name[102];

	memset(name, 'a', 101);
	name[101] = '\0';
	problems_init(&p);
	body = json_pack("{s:s}", "full_name", name);
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	cr_assert_eq(problems_count(&p), 1);
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0), "type")),
	    "string_too_long");
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0), "msg")),
	    "String should have at most 100 characters");
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "ctx"),
	    "{\"max_length\":100}");
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0),
				 "input")),
	    name);
	json_decref(body);

	name[100] = '\0';
	body = json_pack("{s:s}", "full_name", name);
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 1);
	json_decref(body);
	problems_free(&p);
}

Test(check_string, lengths_count_code_points)
{
	struct problems p;
	json_t *body;
	const char *out;
	char name[2 * 101 + 1];
	size_t i;

	problems_init(&p);
	/* two code points, four bytes */
	body = unit_json("{\"full_name\":\"\xc3\xa9\xc3\xa9\"}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 1);
	json_decref(body);
	/* one code point, two bytes: too short */
	body = unit_json("{\"full_name\":\"\xc3\xa9\"}");
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	json_decref(body);

	for (i = 0; i < 100; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[200] = '\0';
	body = json_pack("{s:s}", "full_name", name);
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 1);
	json_decref(body);
	memcpy(name + 200, "\xc3\xa9", 2);
	name[202] = '\0';
	body = json_pack("{s:s}", "full_name", name);
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	json_decref(body);
	cr_assert_eq(problems_count(&p), 2);
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 1), "type")),
	    "string_too_long");
	problems_free(&p);
}

Test(check_string, nul_refused)
{
	struct problems p;
	json_t *body;
	const char *out;

	problems_init(&p);
	cr_assert_eq(parse("{\"full_name\":\"An\\u0000a\"}", &p, &body),
	    BODY_OK);
	cr_assert_eq(check_string(&p, body, &full_name, &out, NULL), 0);
	cr_assert_null(out);
	cr_assert_eq(problems_count(&p), 1);
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "loc"),
	    "[\"body\",\"full_name\"]");
	json_decref(body);
	problems_free(&p);
}

Test(check_uuid, valid_written_canonical)
{
	struct problems p;
	char out[37];

	problems_init(&p);
	cr_assert_eq(check_uuid(&p, "path", "customer_id",
			 "3F2A6C1E9B4D4E2F8A7B0C1D2E3F4A5B", out),
	    1);
	cr_assert_str_eq(out, "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b");
	cr_assert_eq(problems_count(&p), 0);
	problems_free(&p);
}

Test(check_uuid, item)
{
	struct problems p;
	char out[37];

	problems_init(&p);
	cr_assert_eq(check_uuid(&p, "path", "customer_id", "x", out), 0);
	assert_problems(&p,
	    "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":"
	    "[\"path\",\"customer_id\"],\"msg\":\"Input should be a valid UUID, "
	    "invalid character: expected an optional prefix of `urn:uuid:` "
	    "followed by [0-9a-fA-F-], found `x` at 1\",\"input\":\"x\","
	    "\"ctx\":{\"error\":\"invalid character: expected an optional "
	    "prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at "
	    "1\"}}]}");
	problems_free(&p);
}

Test(check_uuid, raw_bytes_in_a_path)
{
	struct problems p;
	char out[37];

	problems_init(&p);
	cr_assert_eq(check_uuid(&p, "path", "customer_id", "\xff\xfe", out), 0);
	cr_assert_eq(problems_count(&p), 1);
	cr_assert(
	    json_is_string(json_object_get(unit_problem_item(&p, 0), "input")));
	problems_free(&p);
}

Test(check_body_uuid, missing_not_string_and_bad)
{
	struct problems p;
	json_t *body;
	char out[37];

	problems_init(&p);
	body = unit_json("{\"business_id\":12,\"x\":\"1234\"}");
	cr_assert_eq(check_body_uuid(&p, body, "user_id", out), 0);
	cr_assert_eq(check_body_uuid(&p, body, "business_id", out), 0);
	cr_assert_eq(check_body_uuid(&p, body, "x", out), 0);
	assert_problems(&p,
	    "{\"detail\":["
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"user_id\"],\"msg\":"
	    "\"Field required\",\"input\":{\"business_id\":12,\"x\":\"1234\"}},"
	    "{\"type\":\"uuid_type\",\"loc\":[\"body\",\"business_id\"],"
	    "\"msg\":\"UUID input should be a string, bytes or UUID object\","
	    "\"input\":12},"
	    "{\"type\":\"uuid_parsing\",\"loc\":[\"body\",\"x\"],\"msg\":"
	    "\"Input should be a valid UUID, invalid length: expected length "
	    "32 for simple format, found 4\",\"input\":\"1234\",\"ctx\":"
	    "{\"error\":\"invalid length: expected length 32 for simple "
	    "format, found 4\"}}]}");
	json_decref(body);
	problems_free(&p);
}

Test(check_body_uuid, valid)
{
	struct problems p;
	json_t *body;
	char out[37];

	problems_init(&p);
	body = unit_json("{\"user_id\":\"urn:uuid:3f2a6c1e-9b4d-4e2f-8a7b-"
			 "0c1d2e3f4a5b\"}");
	cr_assert_eq(check_body_uuid(&p, body, "user_id", out), 1);
	cr_assert_str_eq(out, "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b");
	json_decref(body);
	problems_free(&p);
}
