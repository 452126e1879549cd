/*
 * history_event.c: the consumed order and appointment events, accepted
 * and refused (anything refused here goes to the dead-letter queue).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "model/history_event.h"

#define EV "\"event_id\":\"6F9619FF-8B86-D011-B42D-00CF4FC964FF\","
#define BIZ "\"business_id\":\"11111111-1111-4111-8111-111111111111\","
#define USER "\"user_id\":\"22222222-2222-4222-8222-222222222222\","
#define ORDER_BASE \
	"{" EV BIZ USER "\"order_id\":\"o-1\",\"status\":\"paid\"," \
	"\"updated_at\":\"2026-01-02T03:04:05.123456Z\""

static int
parse(const char *key, const char *body, struct hev *e)
{
	char err[HEV_ERRLEN];

	return (hev_parse(key, body, strlen(body), e, err, sizeof(err)));
}

static void
refused(const char *key, const char *body, const char *want)
{
	struct hev e;
	char err[HEV_ERRLEN];

	cr_assert_eq(hev_parse(key, body, strlen(body), &e, err, sizeof(err)),
	    -1, "accepted: %s %s", key, body);
	cr_assert_not_null(strstr(err, want), "%s: got \"%s\"", body, err);
}

Test(history_event, order_full)
{
	struct hev e;

	cr_assert_eq(parse("v1.order.created",
			 ORDER_BASE
			 ",\"total\":12.5,\"currency\":\"EUR\","
			 "\"created_at\":\"2026-01-01 10:00:00+01:00\","
			 "\"extra\":[1]}",
			 &e),
	    0);
	cr_assert_eq(e.kind, HEV_ORDER);
	cr_assert_str_eq(e.event_id, "6f9619ff-8b86-d011-b42d-00cf4fc964ff");
	cr_assert_str_eq(e.id, "o-1");
	cr_assert_str_eq(e.business_id, "11111111-1111-4111-8111-111111111111");
	cr_assert_str_eq(e.user_id, "22222222-2222-4222-8222-222222222222");
	cr_assert_str_eq(e.customer_id, "");
	cr_assert_str_eq(e.status, "paid");
	cr_assert_str_eq(e.total, "12.5");
	cr_assert_str_eq(e.currency, "EUR");
	cr_assert_str_eq(e.created_at, "2026-01-01 10:00:00+01:00");
	cr_assert_str_eq(e.updated_at, "2026-01-02T03:04:05.123456Z");
}

Test(history_event, order_optional_members_absent_or_null)
{
	struct hev e;

	cr_assert_eq(parse("v1.order.cancelled",
			 ORDER_BASE ",\"total\":null,\"currency\":null}", &e),
	    0);
	cr_assert_str_eq(e.total, "");
	cr_assert_str_eq(e.currency, "");
	cr_assert_str_eq(e.created_at, "");
}

Test(history_event, totals)
{
	struct hev e;

	cr_assert_eq(parse("v1.order.updated", ORDER_BASE ",\"total\":2750}",
			 &e),
	    0);
	cr_assert_str_eq(e.total, "2750");
	cr_assert_eq(parse("v1.order.updated",
			 ORDER_BASE ",\"total\":\"-0019.990\"}", &e),
	    0);
	cr_assert_str_eq(e.total, "-0019.990");
	refused("v1.order.updated", ORDER_BASE ",\"total\":\"1e3\"}", "total");
	refused("v1.order.updated", ORDER_BASE ",\"total\":\"12.\"}", "total");
	refused("v1.order.updated", ORDER_BASE ",\"total\":1e12}", "total");
	refused("v1.order.updated", ORDER_BASE ",\"total\":\"1000000000\"}",
	    "total");
	refused("v1.order.updated", ORDER_BASE ",\"total\":true}", "total");
}

Test(history_event, appointment_by_customer_id_and_integer_id)
{
	struct hev e;

	cr_assert_eq(parse("v1.appointment.updated",
			 "{" EV BIZ "\"customer_id\":"
			 "\"33333333-3333-4333-8333-333333333333\","
			 "\"appointment_id\":42,\"status\":\"booked\","
			 "\"starts_at\":\"2026-03-01T09:30\","
			 "\"updated_at\":\"2026-02-01T00:00:00-0500\"}",
			 &e),
	    0);
	cr_assert_eq(e.kind, HEV_APPOINTMENT);
	cr_assert_str_eq(e.id, "42");
	cr_assert_str_eq(e.user_id, "");
	cr_assert_str_eq(e.customer_id, "33333333-3333-4333-8333-333333333333");
	cr_assert_str_eq(e.starts_at, "2026-03-01T09:30");
}

Test(history_event, malformed)
{
	refused("v1.order.shipped", ORDER_BASE "}", "routing key");
	refused("v1.customer.created", ORDER_BASE "}", "routing key");
	refused("v1.order.created", "not json", "not JSON");
	refused("v1.order.created", "[1]", "object");
	refused("v1.order.created",
	    "{" BIZ USER "\"order_id\":\"o\","
	    "\"status\":\"s\",\"updated_at\":"
	    "\"2026-01-01T00:00:00Z\"}",
	    "event_id");
	refused("v1.order.created",
	    "{" EV BIZ "\"order_id\":\"o\",\"status\":\"s\",\"updated_at\":"
	    "\"2026-01-01T00:00:00Z\"}",
	    "user_id");
	refused("v1.order.created",
	    "{" EV BIZ USER "\"order_id\":\"\",\"status\":\"s\",\"updated_at\":"
	    "\"2026-01-01T00:00:00Z\"}",
	    "order_id");
	refused("v1.appointment.created", ORDER_BASE "}", "appointment_id");
	refused("v1.order.created",
	    "{" EV BIZ "\"user_id\":\"nope\",\"order_id\":\"o\",\"status\":"
	    "\"s\",\"updated_at\":\"2026-01-01T00:00:00Z\"}",
	    "user_id");
	refused("v1.order.created",
	    "{" EV BIZ USER "\"order_id\":\"o\",\"status\":7,\"updated_at\":"
	    "\"2026-01-01T00:00:00Z\"}",
	    "status");
	refused("v1.order.created",
	    "{" EV BIZ USER "\"order_id\":\"o\",\"status\":\"s\"}",
	    "updated_at");
	refused("v1.order.created",
	    "{" EV BIZ USER
	    "\"order_id\":\"o\",\"status\":\"s\",\"updated_at\":"
	    "\"yesterday\"}",
	    "updated_at");
	refused("v1.order.created",
	    "{" EV BIZ USER "\"order_id\":\"o\",\"status\":\"s\\u0000\","
	    "\"updated_at\":\"2026-01-01T00:00:00Z\"}",
	    "not JSON");
	refused("v1.order.created", ORDER_BASE ",\"currency\":1}", "currency");
	refused("v1.order.created", ORDER_BASE ",\"created_at\":1}",
	    "created_at");
}

Test(history_event, timestamps)
{
	cr_assert(hev_timestamp_ok("2024-02-29T23:59:59Z"));
	cr_assert(hev_timestamp_ok("2026-12-31 00:00:00.5+14:00"));
	cr_assert(hev_timestamp_ok("2026-01-01T00:00"));
	cr_assert_not(hev_timestamp_ok("2026-02-29T00:00:00Z"));
	cr_assert_not(hev_timestamp_ok("2026-13-01T00:00:00Z"));
	cr_assert_not(hev_timestamp_ok("2026-01-01T24:00:00Z"));
	cr_assert_not(hev_timestamp_ok("2026-01-01"));
	cr_assert_not(hev_timestamp_ok("2026-01-01T00:00:00ZZ"));
	cr_assert_not(hev_timestamp_ok("2026-01-01T00:00:00+25:00"));
	cr_assert_not(hev_timestamp_ok("2026-01-01T00:00:00."));
	cr_assert_not(hev_timestamp_ok("0000-01-01T00:00:00Z"));
}
