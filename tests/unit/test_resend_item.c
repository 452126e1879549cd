/*
 * resend_item.c: which failed_events items scripts/resend-failed-events
 * accepts, and that the body is the payload's own bytes (as the publisher
 * mirrored them), not a re-serialisation.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "events/resend_item.h"
#include "infra/settings.h"
#include "support/unit.h"

static int
parse(const char *text, struct resend_item *it, char *err)
{
	return (resend_item_parse(text, strlen(text), it, err, RESEND_ERRLEN));
}

Test(resend_item, publisher_item_keeps_payload_bytes)
{
	static const char text[] =
	    "{\"event\": \"v1.customer.created\", \"payload\": {\"id\": "
	    "\"a\", \"email\": \"caf\xc3\xa9 \\\"}\\\"\", \"trace_id\": \"t\", "
	    "\"event_id\": \"4f9c6a2e-1b7d-4c3a-9e8f-0a1b2c3d4e5f\", "
	    "\"occurred_at\": \"2024-01-02T03:04:05.600000+00:00\"}, "
	    "\"trace_id\": \"t\", \"message_id\": "
	    "\"4F9C6A2E-1B7D-4C3A-9E8F-0A1B2C3D4E5F\"}";
	struct resend_item it;
	char err[RESEND_ERRLEN];
	const char *p;

	cr_assert_eq(parse(text, &it, err), 0, "%s", err);
	cr_assert_str_eq(it.event, "v1.customer.created");
	p = strstr(text, "{\"id\"");
	cr_assert_eq(it.body_len,
	    strlen(p) -
		strlen(", \"trace_id\": \"t\", "
		       "\"message_id\": "
		       "\"4F9C6A2E-1B7D-4C3A-"
		       "9E8F-0A1B2C3D4E5F\"}"));
	cr_assert_eq(memcmp(it.body, p, it.body_len), 0);
	cr_assert_str_eq(it.trace_id, "t");
	cr_assert_str_eq(it.message_id, "4f9c6a2e-1b7d-4c3a-9e8f-0a1b2c3d4e5f");
	/* 03:04:05.6 rounds up, as extract(epoch ...)::bigint does */
	cr_assert_eq(it.timestamp, 1704164646ULL);
	resend_item_free(&it);
}

Test(resend_item, original_item_without_message_id)
{
	struct resend_item it;
	char err[RESEND_ERRLEN];

	cr_assert_eq(parse("{\"event\":\"fail.event\",\"payload\":{\"foo\":"
			   "\"bar\"},\"trace_id\":\"trace123\"}",
			 &it, err),
	    0);
	cr_assert_str_eq(it.body, "{\"foo\":\"bar\"}");
	cr_assert_str_eq(it.message_id, "");
	cr_assert_eq(it.timestamp, 0);
	resend_item_free(&it);
	cr_assert_eq(parse("{\"event\":\"e\",\"payload\":{},\"trace_id\":null,"
			   "\"message_id\":null}",
			 &it, err),
	    0);
	cr_assert_null(it.trace_id);
	cr_assert_str_eq(it.body, "{}");
	resend_item_free(&it);
}

Test(resend_item, malformed_items)
{
	static const char *bad[] = { "", "not json", "[]", "\"s\"", "{}",
		"{\"event\":\"e\"}", "{\"payload\":{}}",
		"{\"event\":1,\"payload\":{}}",
		"{\"event\":\"\",\"payload\":{}}",
		"{\"event\":\"e\",\"payload\":[]}",
		"{\"event\":\"e\",\"payload\":\"{}\"}",
		"{\"event\":\"e\",\"payload\":{},\"trace_id\":5}",
		"{\"event\":\"e\",\"payload\":{},\"message_id\":\"nope\"}",
		"{\"event\":\"e\",\"payload\":{},\"message_id\":7}",
		"{\"event\":\"e\",\"payload\":{},\"event\":\"f\"}",
		"{\"event\":\"e\",\"payload\":{}} trailing", NULL };
	struct resend_item it;
	char err[RESEND_ERRLEN];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		cr_assert_eq(parse(bad[i], &it, err), -1, "accepted %s",
		    bad[i]);
		cr_assert_neq(err[0], '\0');
		cr_assert_null(it.event);
		cr_assert_null(it.body);
	}
}

Test(resend_item, escaped_payload_key_falls_back_to_compact_text)
{
	struct resend_item it;
	char err[RESEND_ERRLEN];

	cr_assert_eq(parse("{\"event\":\"e\",\"pay\\u006coad\": {\"a\": 1}}",
			 &it, err),
	    0, "%s", err);
	cr_assert_str_eq(it.body, "{\"a\":1}");
	resend_item_free(&it);
}

Test(resend_item, json_member_spans)
{
	static const char t[] = " { \"a\" : [1, \"]\", {\"b\": \"\\\"\"}] ,"
				"\"k\":true,\"a\":  {\"x\":\"}\"}  } ";
	size_t off, len;

	cr_assert_eq(resend_json_member(t, strlen(t), "k", &off, &len), 0);
	cr_assert_eq(len, 4);
	cr_assert_eq(memcmp(t + off, "true", 4), 0);
	/* the last of a repeated key, as jansson keeps */
	cr_assert_eq(resend_json_member(t, strlen(t), "a", &off, &len), 0);
	cr_assert_eq(len, strlen("{\"x\":\"}\"}"));
	cr_assert_eq(memcmp(t + off, "{\"x\":\"}\"}", len), 0);
	cr_assert_eq(resend_json_member(t, strlen(t), "z", &off, &len), -1);
	cr_assert_eq(resend_json_member("[1]", 3, "a", &off, &len), -1);
	cr_assert_eq(resend_json_member("{}", 2, "a", &off, &len), -1);
	cr_assert_eq(resend_json_member("{\"a\":\"x", 7, "a", &off, &len), -1);
}

/* Found by tests/fuzz/fuzz_resend_item.c: a member without a value. */
Test(resend_item, json_member_without_value)
{
	static const char *texts[] = { "{\"a\":}", "{\"a\": ,\"b\":1}",
		"{\"b\":1,\"a\":]", "{\"a\":", NULL };
	size_t off, len, i;

	for (i = 0; texts[i] != NULL; i++)
		cr_assert_eq(resend_json_member(texts[i], strlen(texts[i]), "a",
				 &off, &len),
		    -1, "%s", texts[i]);
}

Test(resend_item, times)
{
	cr_assert_eq(resend_parse_time("1970-01-01T00:00:01"), 1);
	cr_assert_eq(resend_parse_time("2024-01-02T03:04:05Z"), 1704164645ULL);
	cr_assert_eq(resend_parse_time("2024-01-02T03:04:05.499999+00:00"),
	    1704164645ULL);
	cr_assert_eq(resend_parse_time("2024-01-02T04:04:05+01:00"),
	    1704164645ULL);
	cr_assert_eq(resend_parse_time(NULL), 0);
	cr_assert_eq(resend_parse_time("yesterday"), 0);
	cr_assert_eq(resend_parse_time("2024-13-02T03:04:05"), 0);
	cr_assert_eq(resend_parse_time("2024-01-02T03:04:05 junk"), 0);
}

/* The tool loads the service's settings without the JWT ones. */
Test(resend_item, settings_without_secret_key, .init = unit_env_clear,
    .fini = unit_env_restore)
{
	struct settings s;
	char err[SETTINGS_ERRLEN], *path;

	path = unit_temp_file("REDIS_URL=redis://cache:6380/2\n"
			      "RABBITMQ_EXCHANGE=ex\n");
	cr_assert_eq(settings_load(&s, path, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "SECRET_KEY"), "%s", err);
	settings_free(&s);
	cr_assert_eq(settings_load_noauth(&s, path, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_str_eq(s.redis_url, "redis://cache:6380/2");
	cr_assert_str_eq(s.rabbitmq_exchange, "ex");
	cr_assert_null(s.secret_key);
	settings_free(&s);
	free(path);
	unit_temp_cleanup();
}
