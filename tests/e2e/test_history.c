/*
 * GET /customers/{id}/orders and /appointments (docs/api.md):
 * the history rows of the customer's (business_id, user_id), newest first,
 * in the documented shapes (src/api/history.h); history that arrived before the
 * profile shows once it exists; rows of another business or user never do.
 * The rows are written with SQL, as the history consumer does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "hist.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

/* Upstream ids are global: each test prefixes its own with a fresh UUID. */
struct ids {
	char pre[UUID_STR_LEN];
	char buf[8][64];
};

static const char *
hid(struct ids *h, int i, const char *name)
{
	snprintf(h->buf[i], sizeof(h->buf[i]), "%s-%s", h->pre, name);
	return (h->buf[i]);
}

/*
 * Orders newest first: created_at desc (without one: last), then
 * updated_at desc, then order_id; timestamps in UTC; total as a Python
 * float or null.
 */
Test(history, orders_shape_and_order)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char want[4096];
	struct ids h;

	uuid4(bid);
	uuid4(uid);
	uuid4(h.pre);
	cust_create_for(uid, bid, id);
	hist_order(bid, uid, hid(&h, 0, "a"), "12.50", "paid",
	    "2025-07-01 12:00:00.5+02", "2025-07-02 10:00:00+00");
	hist_order(bid, uid, hid(&h, 1, "b"), "2750", "created",
	    "2025-07-03 10:00:00+00", "2025-07-03 10:00:00+00");
	hist_order(bid, uid, hid(&h, 2, "bb"), "0", "cancelled",
	    "2025-07-03 10:00:00+00", "2025-07-03 10:00:00+00");
	hist_order(bid, uid, hid(&h, 3, "c"), "19.99", "created",
	    "2025-07-03 10:00:00+00", "2025-07-05 08:30:00.123456+00");
	hist_order(bid, uid, hid(&h, 4, "d"), NULL, "created", NULL,
	    "2025-08-01 00:00:00+00");
	snprintf(want, sizeof(want),
	    "[{\"order_id\":\"%s\",\"total\":19.99,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":"
	    "\"2025-07-03T10:00:00.000000Z\",\"updated_at\":"
	    "\"2025-07-05T08:30:00.123456Z\"},"
	    "{\"order_id\":\"%s\",\"total\":2750.0,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":"
	    "\"2025-07-03T10:00:00.000000Z\",\"updated_at\":"
	    "\"2025-07-03T10:00:00.000000Z\"},"
	    "{\"order_id\":\"%s\",\"total\":0.0,\"currency\":\"RON\","
	    "\"status\":\"cancelled\",\"created_at\":"
	    "\"2025-07-03T10:00:00.000000Z\",\"updated_at\":"
	    "\"2025-07-03T10:00:00.000000Z\"},"
	    "{\"order_id\":\"%s\",\"total\":12.5,\"currency\":\"RON\","
	    "\"status\":\"paid\",\"created_at\":"
	    "\"2025-07-01T10:00:00.500000Z\",\"updated_at\":"
	    "\"2025-07-02T10:00:00.000000Z\"},"
	    "{\"order_id\":\"%s\",\"total\":null,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":null,\"updated_at\":"
	    "\"2025-08-01T00:00:00.000000Z\"}]",
	    h.buf[3], h.buf[1], h.buf[2], h.buf[0], h.buf[4]);
	expect_get_body("/customers/%s/orders", id, want);
}

/* Appointments: starts_at desc (without one: last), updated_at desc, id. */
Test(history, appointments_shape_and_order)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char want[4096];
	struct ids h;

	uuid4(bid);
	uuid4(uid);
	uuid4(h.pre);
	cust_create_for(uid, bid, id);
	hist_appointment(bid, uid, hid(&h, 0, "a"), "2025-08-01 09:00:00+03",
	    "booked", "2025-07-03 10:00:00+00");
	hist_appointment(bid, uid, hid(&h, 1, "b"), "2025-09-01 09:00:00.25+00",
	    "cancelled", "2025-07-04 10:00:00+00");
	hist_appointment(bid, uid, hid(&h, 2, "c"), NULL, "requested",
	    "2025-07-05 10:00:00+00");
	hist_appointment(bid, uid, hid(&h, 3, "d"), "2025-08-01 06:00:00+00",
	    "booked", "2025-07-06 10:00:00+00");
	snprintf(want, sizeof(want),
	    "[{\"appointment_id\":\"%s\",\"starts_at\":"
	    "\"2025-09-01T09:00:00.250000Z\",\"status\":\"cancelled\","
	    "\"updated_at\":\"2025-07-04T10:00:00.000000Z\"},"
	    "{\"appointment_id\":\"%s\",\"starts_at\":"
	    "\"2025-08-01T06:00:00.000000Z\",\"status\":\"booked\","
	    "\"updated_at\":\"2025-07-06T10:00:00.000000Z\"},"
	    "{\"appointment_id\":\"%s\",\"starts_at\":"
	    "\"2025-08-01T06:00:00.000000Z\",\"status\":\"booked\","
	    "\"updated_at\":\"2025-07-03T10:00:00.000000Z\"},"
	    "{\"appointment_id\":\"%s\",\"starts_at\":null,"
	    "\"status\":\"requested\","
	    "\"updated_at\":\"2025-07-05T10:00:00.000000Z\"}]",
	    h.buf[1], h.buf[3], h.buf[0], h.buf[2]);
	expect_get_body("/customers/%s/appointments", id, want);
}

Test(history, empty_lists)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	expect_get_body("/customers/%s/orders", id, "[]");
	expect_get_body("/customers/%s/appointments", id, "[]");
}

/* The keys of every item, in order (the contract's shapes). */
static void
expect_keys(const char *fmt, const char *id, const char **keys)
{
	struct http_resp *r;
	json_t *j, *item;
	size_t i;
	char *tok;

	tok = tok_superadmin();
	r = get_as(tok, fmt, id);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert(json_is_array(j) && json_array_size(j) > 0);
	json_array_foreach(j, i, item)
		expect_key_order(item, keys, "item");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(history, item_keys)
{
	static const char *order_keys[] = { "order_id", "total", "currency",
		"status", "created_at", "updated_at", NULL };
	static const char *appt_keys[] = { "appointment_id", "starts_at",
		"status", "updated_at", NULL };
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	struct ids h;

	uuid4(bid);
	uuid4(h.pre);
	cust_create(bid, id, uid);
	hist_order(bid, uid, hid(&h, 0, "o"), "1.00", "created",
	    "2025-01-01 00:00:00+00", "2025-01-01 00:00:00+00");
	hist_appointment(bid, uid, hid(&h, 1, "a"), "2025-01-02 00:00:00+00",
	    "booked", "2025-01-01 00:00:00+00");
	expect_keys("/customers/%s/orders", id, order_keys);
	expect_keys("/customers/%s/appointments", id, appt_keys);
}

/*
 * Keyed by (business_id, user_id): history that arrived before the profile
 * shows once the profile exists; rows of the same user in another
 * business, or of another user in the same business, never do.
 */
Test(history, keyed_by_business_and_user)
{
	char bid[UUID_STR_LEN], bid2[UUID_STR_LEN], uid[UUID_STR_LEN];
	char uid2[UUID_STR_LEN], id[UUID_STR_LEN], id2[UUID_STR_LEN];
	char want[1024];
	struct ids h;

	uuid4(bid);
	uuid4(bid2);
	uuid4(uid);
	uuid4(uid2);
	uuid4(h.pre);
	/* before any profile exists */
	hist_order(bid, uid, hid(&h, 0, "mine"), "5.00", "created",
	    "2025-03-01 00:00:00+00", "2025-03-01 00:00:00+00");
	hist_order(bid2, uid, hid(&h, 1, "other-business"), "6.00", "created",
	    "2025-03-02 00:00:00+00", "2025-03-02 00:00:00+00");
	hist_order(bid, uid2, hid(&h, 2, "other-user"), "7.00", "created",
	    "2025-03-03 00:00:00+00", "2025-03-03 00:00:00+00");
	hist_appointment(bid, uid, hid(&h, 3, "mine"), "2025-03-04 00:00:00+00",
	    "booked", "2025-03-01 00:00:00+00");
	hist_appointment(bid2, uid, hid(&h, 4, "other-business"),
	    "2025-03-05 00:00:00+00", "booked", "2025-03-01 00:00:00+00");
	hist_appointment(bid, uid2, hid(&h, 5, "other-user"),
	    "2025-03-06 00:00:00+00", "booked", "2025-03-01 00:00:00+00");

	cust_create_for(uid, bid, id);
	snprintf(want, sizeof(want),
	    "[{\"order_id\":\"%s\",\"total\":5.0,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":"
	    "\"2025-03-01T00:00:00.000000Z\",\"updated_at\":"
	    "\"2025-03-01T00:00:00.000000Z\"}]",
	    h.buf[0]);
	expect_get_body("/customers/%s/orders", id, want);
	snprintf(want, sizeof(want),
	    "[{\"appointment_id\":\"%s\",\"starts_at\":"
	    "\"2025-03-04T00:00:00.000000Z\",\"status\":\"booked\","
	    "\"updated_at\":\"2025-03-01T00:00:00.000000Z\"}]",
	    h.buf[3]);
	expect_get_body("/customers/%s/appointments", id, want);

	/* the same user in the other business sees only that business's */
	cust_create_for(uid, bid2, id2);
	snprintf(want, sizeof(want),
	    "[{\"order_id\":\"%s\",\"total\":6.0,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":"
	    "\"2025-03-02T00:00:00.000000Z\",\"updated_at\":"
	    "\"2025-03-02T00:00:00.000000Z\"}]",
	    h.buf[1]);
	expect_get_body("/customers/%s/orders", id2, want);
}

/* Upserts by the consumer (a newer state of an order) show as they are. */
Test(history, shows_the_current_row)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char want[1024];
	struct ids h;

	uuid4(bid);
	uuid4(h.pre);
	cust_create(bid, id, uid);
	hist_order(bid, uid, hid(&h, 0, "o"), "10.00", "created",
	    "2025-03-01 00:00:00+00", "2025-03-01 00:00:00+00");
	db_exec("UPDATE customer_orders SET status = 'cancelled',"
		" updated_at = '2025-03-02 00:00:00+00' WHERE order_id = $1",
	    h.buf[0], DB_END);
	snprintf(want, sizeof(want),
	    "[{\"order_id\":\"%s\",\"total\":10.0,\"currency\":\"RON\","
	    "\"status\":\"cancelled\",\"created_at\":"
	    "\"2025-03-01T00:00:00.000000Z\",\"updated_at\":"
	    "\"2025-03-02T00:00:00.000000Z\"}]",
	    h.buf[0]);
	expect_get_body("/customers/%s/orders", id, want);
}

static void
expect_forms(const char *name, const char *id, const char *tok)
{
	static const char *pre[] = { "/customers/%s/%s", "/customers/%s/%s/",
		"/api/customers/%s/%s", "/api/customers/%s/%s/" };
	struct http_resp *r;
	char path[160];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), pre[i], id, name);
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 200);
		expect_json_ct(r);
		expect_module_headers(r);
		http_resp_free(r);
	}
}

Test(history, every_path_form)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_customer(uid);
	expect_forms("orders", id, tok);
	expect_forms("appointments", id, tok);
	free(tok);
}

Test(history, role_matrix_and_tenants)
{
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char path[160], want[1024];
	struct ids h;

	uuid4(bid);
	uuid4(h.pre);
	cust_create(bid, id, uid);
	hist_order(bid, uid, hid(&h, 0, "o"), "3.30", "created",
	    "2025-03-01 00:00:00+00", "2025-03-01 00:00:00+00");
	hist_appointment(bid, uid, hid(&h, 1, "a"), "2025-03-04 00:00:00+00",
	    "booked", "2025-03-01 00:00:00+00");
	snprintf(want, sizeof(want),
	    "[{\"order_id\":\"%s\",\"total\":3.3,\"currency\":\"RON\","
	    "\"status\":\"created\",\"created_at\":"
	    "\"2025-03-01T00:00:00.000000Z\",\"updated_at\":"
	    "\"2025-03-01T00:00:00.000000Z\"}]",
	    h.buf[0]);
	snprintf(path, sizeof(path), "/customers/%s/orders", id);
	who_matrix("GET", path, NULL, bid, uid, matrix_read, MATRIX_N, want);
	snprintf(want, sizeof(want),
	    "[{\"appointment_id\":\"%s\",\"starts_at\":"
	    "\"2025-03-04T00:00:00.000000Z\",\"status\":\"booked\","
	    "\"updated_at\":\"2025-03-01T00:00:00.000000Z\"}]",
	    h.buf[1]);
	snprintf(path, sizeof(path), "/api/customers/%s/appointments/", id);
	who_matrix("GET", path, NULL, bid, uid, matrix_read, MATRIX_N, want);
}

Test(history, unknown_customer_is_404)
{
	expect_unknown_customer("/customers/%s/orders");
	expect_unknown_customer("/customers/%s/appointments");
}

Test(history, bad_path_id_is_422)
{
	struct http_resp *r;
	json_t *j;
	char *tok;

	tok = tok_superadmin();
	r = get_as(tok, "/customers/%s/orders", "1234");
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1);
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, invalid length: expected length "
	    "32 for simple format, found 4");
	json_decref(j);
	http_resp_free(r);
	r = get_as(tok, "/api/customers/%s/appointments", "x");
	j = expect_422(r);
	expect_item_msg_prefix(j, "[\"path\",\"customer_id\"]", "uuid_parsing",
	    "Input should be a valid UUID, ");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(history, no_token_is_401_and_post_is_405)
{
	char id[UUID_STR_LEN];
	struct http_resp *r;

	uuid4(id);
	r = get_as(NULL, "/customers/%s/orders", id);
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
	expect_get_only("/customers/%s/appointments");
}
