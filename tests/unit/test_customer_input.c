/*
 * customer_input.c: the body of POST /customers, checked field by field
 * in the original's schema order, with the config's v_phone rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/customer_input.h"
#include "phone_re.h"
#include "support/unit.h"

#define USER "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b"
#define BIZ "11111111-1111-4111-8111-111111111111"

static int create(const char *, struct problems *, struct customer_input *);
static void one_item(const char *, const char *);
static int create_with_preferences(size_t, struct problems *,
    struct customer_input *);

static const struct phone_rule phone = { phone_re_matches, PHONE_RE };

static int
create(const char *text, struct problems *p, struct customer_input *in)
{
	json_t *body;
	int ok;

	body = unit_json(text);
	ok = customer_input_create(body, &phone, p, in);
	json_decref(body);
	return (ok);
}

/*
 * `fields` completes a valid body; the result must be exactly one item,
 * written as `want` (one element of "detail").
 */
static void
one_item(const char *fields, const char *want)
{
	struct problems p;
	struct customer_input in;
	char *text;

	cr_assert(asprintf(&text,
		      "{\"user_id\":\"" USER "\",\"business_id\":"
		      "\"" BIZ "\",%s}",
		      fields) != -1);
	problems_init(&p);
	cr_assert_eq(create(text, &p, &in), 0, "accepted %s", text);
	cr_assert_eq(problems_count(&p), 1, "%zu items for %s",
	    problems_count(&p), text);
	unit_assert_json(unit_problem_item(&p, 0), want);
	customer_input_free(&in);
	problems_free(&p);
	free(text);
}

TestSuite(customer_input, .fini = phone_re_free);

Test(customer_input, valid_body_owned_and_normalised)
{
	struct problems p;
	struct customer_input in;

	problems_init(&p);
	cr_assert_eq(
	    create(
		"{\"full_name\":\"Ana Popescu\",\"email\":"
		"\"Ana <Ana.P@Example.COM>\",\"phone\":\"+40798765432\","
		"\"gender\":\"female\",\"avatar_url\":\"https://cdn.example.com/a."
		"png\",\"user_id\":\"3F2A6C1E9B4D4E2F8A7B0C1D2E3F4A5B\","
		"\"business_id\":\"{" BIZ "}\",\"preferences\":{\"newsletter\":"
		"true, \"lang\" : \"ro\"},\"total_orders\":99}",
		&p, &in),
	    1);
	cr_assert_eq(problems_count(&p), 0);
	/* the body is gone: every string must be a copy */
	cr_assert_str_eq(in.full_name, "Ana Popescu");
	cr_assert_str_eq(in.email, "Ana.P@example.com");
	cr_assert_str_eq(in.phone, "+40798765432");
	cr_assert_str_eq(in.gender, "female");
	cr_assert_str_eq(in.avatar_url, "https://cdn.example.com/a.png");
	cr_assert_str_eq(in.user_id, USER);
	cr_assert_str_eq(in.business_id, BIZ);
	cr_assert_str_eq(in.preferences,
	    "{\"newsletter\":true,\"lang\":"
	    "\"ro\"}");
	customer_input_free(&in);
	cr_assert_null(in.full_name);
	problems_free(&p);
}

Test(customer_input, optional_fields_absent_or_null)
{
	struct problems p;
	struct customer_input in;

	problems_init(&p);
	cr_assert_eq(
	    create("{\"full_name\":\"Ana\",\"email\":\"ana@example.com"
		   "\",\"phone\":null,\"gender\":null,\"user_id\":\"" USER "\","
		   "\"business_id\":\"" BIZ "\"}",
		&p, &in),
	    1);
	cr_assert_null(in.phone);
	cr_assert_null(in.gender);
	cr_assert_null(in.avatar_url);
	cr_assert_str_eq(in.preferences, "{}");
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, preferences_null_is_empty_object)
{
	struct problems p;
	struct customer_input in;

	problems_init(&p);
	cr_assert_eq(create("{\"full_name\":\"Ana\",\"email\":\"ana@example.com"
			    "\",\"user_id\":\"" USER "\",\"business_id\":\"" BIZ
			    "\","
			    "\"preferences\":null}",
			 &p, &in),
	    1);
	cr_assert_str_eq(in.preferences, "{}");
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, every_rule_in_schema_order)
{
	struct problems p;
	struct customer_input in;
	static const char *want[][2] = {
		{ "string_too_short", "[\"body\",\"full_name\"]" },
		{ "value_error", "[\"body\",\"email\"]" },
		{ "string_pattern_mismatch", "[\"body\",\"phone\"]" },
		{ "enum", "[\"body\",\"gender\"]" },
		{ "string_type", "[\"body\",\"avatar_url\"]" },
		{ "uuid_parsing", "[\"body\",\"user_id\"]" },
		{ "missing", "[\"body\",\"business_id\"]" },
		{ "dict_type", "[\"body\",\"preferences\"]" },
	};
	size_t i;

	problems_init(&p);
	/* JSON order is the reverse of the schema's */
	cr_assert_eq(
	    create(
		"{\"preferences\":[],\"user_id\":\"x\","
		"\"avatar_url\":5,\"gender\":\"m\",\"phone\":\"123\",\"email\":"
		"\"nope\",\"full_name\":\"A\"}",
		&p, &in),
	    0);
	cr_assert_eq(problems_count(&p), 8);
	for (i = 0; i < 8; i++) {
		cr_assert_str_eq(json_string_value(
				     json_object_get(unit_problem_item(&p, i),
					 "type")),
		    want[i][0], "item %zu", i);
		unit_assert_json(json_object_get(unit_problem_item(&p, i),
				     "loc"),
		    want[i][1]);
	}
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, empty_object)
{
	struct problems p;
	struct customer_input in;
	char *text;
	size_t len;

	problems_init(&p);
	cr_assert_eq(create("{}", &p, &in), 0);
	text = problems_dump(&p, &len);
	cr_assert_str_eq(text,
	    "{\"detail\":["
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"full_name\"],\"msg\":"
	    "\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"email\"],\"msg\":"
	    "\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"user_id\"],\"msg\":"
	    "\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"business_id\"],\"msg\":"
	    "\"Field required\",\"input\":{}}]}");
	free(text);
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, full_name_rules)
{
	one_item("\"full_name\":\"A\",\"email\":\"ana@example.com\"",
	    "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"full_name\"],"
	    "\"msg\":\"String should have at least 2 characters\",\"input\":"
	    "\"A\",\"ctx\":{\"min_length\":2}}");
	one_item("\"full_name\":null,\"email\":\"ana@example.com\"",
	    "{\"type\":\"string_type\",\"loc\":[\"body\",\"full_name\"],"
	    "\"msg\":\"Input should be a valid string\",\"input\":null}");
	one_item("\"full_name\":42,\"email\":\"ana@example.com\"",
	    "{\"type\":\"string_type\",\"loc\":[\"body\",\"full_name\"],"
	    "\"msg\":\"Input should be a valid string\",\"input\":42}");
}

Test(customer_input, full_name_too_long)
{
	char fields[256], want[512], name[102];

	memset(name, 'n', 101);
	name[101] = '\0';
	(void)snprintf(fields, sizeof(fields),
	    "\"full_name\":\"%s\","
	    "\"email\":\"ana@example.com\"",
	    name);
	(void)snprintf(want, sizeof(want),
	    "{\"type\":\"string_too_long\","
	    "\"loc\":[\"body\",\"full_name\"],\"msg\":\"String should have at "
	    "most 100 characters\",\"input\":\"%s\",\"ctx\":{\"max_length\":"
	    "100}}",
	    name);
	one_item(fields, want);
}

Test(customer_input, email_invalid)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"nope\"",
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"email\"],\"msg\":"
	    "\"value is not a valid email address: An email address must have "
	    "an @-sign.\",\"input\":\"nope\",\"ctx\":{\"reason\":\"An email "
	    "address must have an @-sign.\"}}");
	one_item("\"full_name\":\"Ana\",\"email\":\"x@y.test\"",
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"email\"],\"msg\":"
	    "\"value is not a valid email address: The part after the @-sign "
	    "is a special-use or reserved name that cannot be used with "
	    "email.\",\"input\":\"x@y.test\",\"ctx\":{\"reason\":\"The part "
	    "after the @-sign is a special-use or reserved name that cannot be "
	    "used with email.\"}}");
}

Test(customer_input, email_null_or_missing)
{
	one_item("\"full_name\":\"Ana\",\"email\":null",
	    "{\"type\":\"string_type\",\"loc\":[\"body\",\"email\"],\"msg\":"
	    "\"Input should be a valid string\",\"input\":null}");
}

Test(customer_input, email_over_100_characters)
{
	char fields[256], want[512], local[64];

	/* 60 + 1 + 44 = 105 characters, a valid address */
	memset(local, 'e', 60);
	local[60] = '\0';
	(void)snprintf(fields, sizeof(fields),
	    "\"full_name\":\"Ana\","
	    "\"email\":\"%s@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\"",
	    local);
	(void)snprintf(want, sizeof(want),
	    "{\"type\":\"string_too_long\","
	    "\"loc\":[\"body\",\"email\"],\"msg\":\"String should have at most "
	    "100 characters\",\"input\":\"%s@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaa.com\",\"ctx\":{\"max_length\":100}}",
	    local);
	one_item(fields, want);
}

Test(customer_input, phone_pattern)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"phone\":\"123\"",
	    "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"phone\"],"
	    "\"msg\":\"String should match pattern '^(\\\\+[1-9][0-9]{7,14}|"
	    "0?7[0-9]{8})$'\",\"input\":\"123\",\"ctx\":{\"pattern\":\"^(\\\\+"
	    "[1-9][0-9]{7,14}|0?7[0-9]{8})$\"}}");
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"phone\":798765432",
	    "{\"type\":\"string_type\",\"loc\":[\"body\",\"phone\"],\"msg\":"
	    "\"Input should be a valid string\",\"input\":798765432}");
}

Test(customer_input, phone_forms)
{
	static const char *good[] = { "+40798765432", "+12345678",
		"+123456789012345", "0712345678", "712345678", "+47123456789",
		NULL };
	static const char *bad[] = { "123", "abc", "", "+0798765432",
		"+1234567", "+1234567890123456", "07123456789", "0612345678",
		"0712345678\n", " 0712345678", "+40 798 765 432", "00712345678",
		NULL };
	struct problems p;
	struct customer_input in;
	json_t *body;
	size_t i;

	for (i = 0; good[i] != NULL; i++) {
		problems_init(&p);
		body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "full_name", "Ana",
		    "email", "ana@example.com", "phone", good[i], "user_id",
		    USER, "business_id", BIZ);
		cr_assert_eq(customer_input_create(body, &phone, &p, &in), 1,
		    "refused %s", good[i]);
		cr_assert_str_eq(in.phone, good[i]);
		customer_input_free(&in);
		json_decref(body);
		problems_free(&p);
	}
	for (i = 0; bad[i] != NULL; i++) {
		problems_init(&p);
		body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "full_name", "Ana",
		    "email", "ana@example.com", "phone", bad[i], "user_id",
		    USER, "business_id", BIZ);
		cr_assert_eq(customer_input_create(body, &phone, &p, &in), 0,
		    "accepted %s", bad[i]);
		cr_assert_str_eq(json_string_value(
				     json_object_get(unit_problem_item(&p, 0),
					 "type")),
		    "string_pattern_mismatch");
		customer_input_free(&in);
		json_decref(body);
		problems_free(&p);
	}
}

Test(customer_input, gender_enum)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"gender\":\"m\"",
	    "{\"type\":\"enum\",\"loc\":[\"body\",\"gender\"],\"msg\":\"Input "
	    "should be 'male', 'female' or 'other'\",\"input\":\"m\",\"ctx\":"
	    "{\"expected\":\"'male', 'female' or 'other'\"}}");
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"gender\":\"Female\"",
	    "{\"type\":\"enum\",\"loc\":[\"body\",\"gender\"],\"msg\":\"Input "
	    "should be 'male', 'female' or 'other'\",\"input\":\"Female\","
	    "\"ctx\":{\"expected\":\"'male', 'female' or 'other'\"}}");
}

Test(customer_input, genders)
{
	static const char *g[] = { "male", "female", "other" };
	struct problems p;
	struct customer_input in;
	json_t *body;
	size_t i;

	for (i = 0; i < 3; i++) {
		problems_init(&p);
		body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "full_name", "Ana",
		    "email", "ana@example.com", "gender", g[i], "user_id", USER,
		    "business_id", BIZ);
		cr_assert_eq(customer_input_create(body, &phone, &p, &in), 1);
		cr_assert_str_eq(in.gender, g[i]);
		customer_input_free(&in);
		json_decref(body);
		problems_free(&p);
	}
}

Test(customer_input, avatar_url_at_most_255)
{
	struct problems p;
	struct customer_input in;
	json_t *body;
	char url[300];

	memset(url, 'u', 256);
	url[0] = '/'; /* a path: an allowed form */
	url[256] = '\0';
	problems_init(&p);
	body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "full_name", "Ana", "email",
	    "ana@example.com", "avatar_url", url, "user_id", USER,
	    "business_id", BIZ);
	cr_assert_eq(customer_input_create(body, &phone, &p, &in), 0);
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0), "msg")),
	    "String should have at most 255 characters");
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "ctx"),
	    "{\"max_length\":255}");
	customer_input_free(&in);
	json_decref(body);
	problems_free(&p);

	url[255] = '\0';
	problems_init(&p);
	body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "full_name", "Ana", "email",
	    "ana@example.com", "avatar_url", url, "user_id", USER,
	    "business_id", BIZ);
	cr_assert_eq(customer_input_create(body, &phone, &p, &in), 1);
	cr_assert_str_eq(in.avatar_url, url);
	customer_input_free(&in);
	json_decref(body);
	problems_free(&p);
}

Test(customer_input, ids)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"user_id\":\"1234\"",
	    "{\"type\":\"uuid_parsing\",\"loc\":[\"body\",\"user_id\"],\"msg\":"
	    "\"Input should be a valid UUID, invalid length: expected length "
	    "32 for simple format, found 4\",\"input\":\"1234\",\"ctx\":"
	    "{\"error\":\"invalid length: expected length 32 for simple "
	    "format, found 4\"}}");
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"business_id\":7",
	    "{\"type\":\"uuid_type\",\"loc\":[\"body\",\"business_id\"],"
	    "\"msg\":\"UUID input should be a string, bytes or UUID object\","
	    "\"input\":7}");
}

Test(customer_input, preferences_not_an_object)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"preferences\":[1]",
	    "{\"type\":\"dict_type\",\"loc\":[\"body\",\"preferences\"],"
	    "\"msg\":\"Input should be a valid dictionary\",\"input\":[1]}");
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"preferences\":\"{}\"",
	    "{\"type\":\"dict_type\",\"loc\":[\"body\",\"preferences\"],"
	    "\"msg\":\"Input should be a valid dictionary\",\"input\":\"{}\"}");
}

/* {"k":"vvv…"}: 8 bytes of JSON around n bytes of value. */
static int
create_with_preferences(size_t n, struct problems *p, struct customer_input *in)
{
	json_t *body;
	char *v;
	int ok;

	v = malloc(n + 1);
	cr_assert_not_null(v);
	memset(v, 'v', n);
	v[n] = '\0';
	body = json_pack("{s:s,s:s,s:s,s:s,s:{s:s}}", "full_name", "Ana",
	    "email", "ana@example.com", "user_id", USER, "business_id", BIZ,
	    "preferences", "k", v);
	ok = customer_input_create(body, &phone, p, in);
	json_decref(body);
	free(v);
	return (ok);
}

Test(customer_input, preferences_at_most_4096_compact_bytes)
{
	struct problems p;
	struct customer_input in;

	problems_init(&p);
	cr_assert_eq(create_with_preferences(4096 - 8, &p, &in), 1);
	cr_assert_eq(strlen(in.preferences), 4096);
	customer_input_free(&in);
	cr_assert_eq(create_with_preferences(4096 - 7, &p, &in), 0);
	cr_assert_eq(problems_count(&p), 1);
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0), "type")),
	    "value_error");
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "loc"),
	    "[\"body\",\"preferences\"]");
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "ctx"),
	    "{\"error\":{}}");
	cr_assert_eq(strncmp(json_string_value(
				 json_object_get(unit_problem_item(&p, 0),
				     "msg")),
			 "Value error, ", 13),
	    0);
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, preferences_measured_compact)
{
	struct problems p;
	struct customer_input in;
	char *text, *spaces;

	/* 4096 bytes compact, far more as sent */
	spaces = malloc(8192);
	cr_assert_not_null(spaces);
	memset(spaces, ' ', 8191);
	spaces[8191] = '\0';
	cr_assert(
	    asprintf(&text,
		"{\"full_name\":\"Ana\",\"email\":\"ana@"
		"example.com\",\"user_id\":\"" USER "\",\"business_id\":\"" BIZ
		"\",\"preferences\":{%s\"k\"%s:%s\"%0*d\"%s}}",
		spaces, spaces, spaces, 4096 - 8, 0, spaces) != -1);
	problems_init(&p);
	cr_assert_eq(create(text, &p, &in), 1);
	cr_assert_eq(strlen(in.preferences), 4096);
	customer_input_free(&in);
	problems_free(&p);
	free(text);
	free(spaces);
}

Test(customer_input, preferences_nul_refused)
{
	struct problems p;
	struct customer_input in;

	problems_init(&p);
	cr_assert_eq(create("{\"full_name\":\"Ana\",\"email\":\"ana@example.com"
			    "\",\"user_id\":\"" USER "\",\"business_id\":\"" BIZ
			    "\","
			    "\"preferences\":{\"a\":\"x\\u0000y\"}}",
			 &p, &in),
	    0);
	cr_assert_eq(problems_count(&p), 1);
	unit_assert_json(json_object_get(unit_problem_item(&p, 0), "loc"),
	    "[\"body\",\"preferences\"]");
	customer_input_free(&in);
	problems_free(&p);
}

Test(customer_input, not_an_object)
{
	struct problems p;
	json_t *body;

	problems_init(&p);
	body = unit_json("[1,2]");
	customer_input_not_object(body, &p);
	cr_assert_eq(problems_count(&p), 1);
	unit_assert_json(unit_problem_item(&p, 0),
	    "{\"type\":\"model_attributes_type\","
	    "\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or "
	    "object to extract fields from\",\"input\":[1,2]}");
	json_decref(body);
	problems_free(&p);
}

/* avatar_url: http(s) with a host, or a path on this origin; nothing else. */
Test(customer_input, avatar_url_schemes_and_paths)
{
	static const char *ok[] = { "https://cdn.example.com/a.png",
		"http://cdn.example.com", "HTTPS://CDN.example.com/a?x=1#f",
		"hTTp://h:8080/p", "https://u:p@h.example/a", "https://[::1]/a",
		"https://h:/a", "https://h?x", "https://h#f",
		"/uploads/3f2a4c6e8a0b1c2d3e4f5a6b7c8d9e0f.png", "/", "/a//b",
		"https://h/caf\xc3\xa9.png" };
	static const char *bad[] = { "javascript:alert(1)",
		"JavaScript:alert(1)", "data:image/png;base64,AAAA",
		"vbscript:x", "ftp://h/a", "file:///etc/passwd",
		"//evil.example", "/\\evil.example", "\\\\evil.example",
		"https:/h", "https:h", "https://", "https:///a", "https://u@/a",
		"https://a@b@c", "https://h:8x/a", "https://[::1/a",
		"https://[]/a", "https://h[1]/a", "https://h /a",
		"https://h/a b", "https://h/\ta", "https://h\\@evil",
		"java\nscript:x", " https://h", "uploads/a.png", "", "http",
		"https//h", "httpx://h" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect(customer_avatar_url_allowed(ok[i]), "refused %s",
		    ok[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect(!customer_avatar_url_allowed(bad[i]), "accepted %s",
		    bad[i]);
}

Test(customer_input, avatar_url_refused_is_one_value_error)
{
	one_item("\"full_name\":\"Ana\",\"email\":\"ana@example.com\","
		 "\"avatar_url\":\"javascript:alert(1)\"",
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"avatar_url\"],"
	    "\"msg\":\"Value error, avatar_url must be an http or https URL "
	    "with a host, or a path starting with /\","
	    "\"input\":\"javascript:alert(1)\",\"ctx\":{\"error\":{}}}");
}

Test(customer_input, avatar_url_refused_in_patch)
{
	struct problems p;
	struct customer_input in;
	char present[CUSTOMER_PRESENT_MAX];
	json_t *body;

	problems_init(&p);
	body =
	    unit_json("{\"avatar_url\":\"data:text/html,<script>x</script>\"}");
	cr_assert_eq(customer_input_patch(body, &phone, &p, &in, present,
			 sizeof(present)),
	    0);
	cr_assert_eq(problems_count(&p), 1);
	cr_assert_str_eq(json_string_value(
			     json_object_get(unit_problem_item(&p, 0), "type")),
	    "value_error");
	json_decref(body);
	/* null still clears it */
	problems_free(&p);
	problems_init(&p);
	body = unit_json("{\"avatar_url\":null}");
	cr_assert_eq(customer_input_patch(body, &phone, &p, &in, present,
			 sizeof(present)),
	    1);
	cr_assert_null(in.avatar_url);
	customer_input_free(&in);
	json_decref(body);
	problems_free(&p);
}
