/*
 * GET /customers/{id}/stats and /statistics (docs/api.md): the customer row's
 * statistics columns, which the history consumer maintains, in the original's
 * shape, lifetime_value written as Python writes a float; who may ask, and
 * tenant isolation.
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

#define ZERO_STATS \
	"{\"total_orders\":0,\"total_appointments\":0," \
	"\"last_order_date\":null,\"last_appointment_date\":null," \
	"\"lifetime_value\":0.0}"

static const char *forms[] = { "/customers/%s/stats", "/customers/%s/stats/",
	"/api/customers/%s/stats", "/api/customers/%s/stats/",
	"/customers/%s/statistics", "/customers/%s/statistics/",
	"/api/customers/%s/statistics", "/api/customers/%s/statistics/" };

/* The stats body of customer id (as superadmin) is exactly want. */
static void
expect_stats(const char *id, const char *want)
{
	expect_get_body("/customers/%s/stats", id, want);
}

Test(stats, new_customer_is_zero_on_every_path_form)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	struct http_resp *r;
	size_t i;
	char *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_customer(uid);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		r = get_as(tok, forms[i], id);
		expect_status(r, 200);
		expect_json_ct(r);
		expect_module_headers(r);
		expect_body(r, ZERO_STATS);
		http_resp_free(r);
	}
	free(tok);
}

Test(stats, values_come_from_the_customer_row)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];

	uuid4(bid);
	cust_create(bid, id, uid);
	db_exec(
	    "UPDATE customers SET total_orders = 12, total_appointments = 8,"
	    " last_order_date = '2025-07-15',"
	    " last_appointment_date = '2025-07-20',"
	    " lifetime_value = 2750.00 WHERE id = $1",
	    id, DB_END);
	expect_stats(id,
	    "{\"total_orders\":12,\"total_appointments\":8,"
	    "\"last_order_date\":\"2025-07-15\","
	    "\"last_appointment_date\":\"2025-07-20\","
	    "\"lifetime_value\":2750.0}");
}

/* lifetime_value as the original's float: 0.0, 2750.0, 12.5, 0.05 ... */
Test(stats, lifetime_value_is_written_like_a_python_float)
{
	static const char *cases[][2] = { { "0", "0.0" }, { "0.00", "0.0" },
		{ "2750.00", "2750.0" }, { "12.50", "12.5" },
		{ "12.55", "12.55" }, { "0.05", "0.05" }, { "0.10", "0.1" },
		{ "19.99", "19.99" }, { "99999999.99", "99999999.99" },
		{ "12345678", "12345678.0" }, { "-3.00", "-3.0" },
		{ "-0.50", "-0.5" } };
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char want[256];
	size_t i;

	uuid4(bid);
	cust_create(bid, id, uid);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		db_exec("UPDATE customers SET lifetime_value = $2::numeric"
			" WHERE id = $1",
		    id, cases[i][0], DB_END);
		snprintf(want, sizeof(want),
		    "{\"total_orders\":0,\"total_appointments\":0,"
		    "\"last_order_date\":null,\"last_appointment_date\":null,"
		    "\"lifetime_value\":%s}",
		    cases[i][1]);
		expect_stats(id, want);
	}
}

/* The same values as the profile shows: one source, the row. */
Test(stats, equal_the_profile_fields)
{
	static const char *keys[] = { "total_orders", "total_appointments",
		"last_order_date", "last_appointment_date", "lifetime_value" };
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	struct http_resp *s, *g;
	json_t *sj, *gj;
	size_t i;
	char *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	db_exec("UPDATE customers SET total_orders = 3, total_appointments = 0,"
		" last_order_date = '2024-02-29', lifetime_value = 12.50"
		" WHERE id = $1",
	    id, DB_END);
	tok = tok_admin(bid);
	s = get_as(tok, "/customers/%s/stats", id);
	g = get_as(tok, "/customers/%s", id);
	expect_status(s, 200);
	expect_status(g, 200);
	sj = resp_json(s);
	gj = resp_json(g);
	cr_assert_eq(json_object_size(sj), 5);
	for (i = 0; i < 5; i++)
		cr_assert(json_equal(json_object_get(sj, keys[i]),
			      json_object_get(gj, keys[i])),
		    "%s differs", keys[i]);
	json_decref(sj);
	json_decref(gj);
	http_resp_free(s);
	http_resp_free(g);
	free(tok);
}

/*
 * History that arrived before the profile (keyed by business and user)
 * counts at once: POST /customers computes the statistics in its INSERT
 * (docs/events.md), without waiting for the next event.
 */
Test(stats, history_before_the_profile_counts_at_creation)
{
	static const char want[] =
	    "{\"total_orders\":3,\"total_appointments\":2,"
	    "\"last_order_date\":\"2025-07-04\","
	    "\"last_appointment_date\":\"2025-08-01\","
	    "\"lifetime_value\":17.5}";
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], other[UUID_STR_LEN];
	char pre[UUID_STR_LEN], oid[8][64];
	struct http_resp *r;
	json_t *j;
	char *tok, *body, id[UUID_STR_LEN];
	int i;

	uuid4(bid);
	uuid4(uid);
	uuid4(other);
	uuid4(pre);
	for (i = 0; i < 8; i++)
		snprintf(oid[i], sizeof(oid[i]), "%.8s-%d", pre, i);
	/* counted: 10.50 + 6 + 1 (in the future: not the last date) */
	hist_order(bid, uid, oid[0], "10.50", "paid", "2025-07-01T10:00:00Z",
	    "2025-07-01T10:00:00Z");
	hist_order(bid, uid, oid[1], "6", "created",
	    "2025-07-03T23:30:00-02:00", "2025-07-03T10:00:00Z");
	hist_order(bid, uid, oid[2], "1", "created", "2099-01-01T00:00:00Z",
	    "2025-07-09T10:00:00Z");
	/* not counted: cancelled (either spelling), another user, business */
	hist_order(bid, uid, oid[3], "100", "cancelled", "2025-07-09T10:00:00Z",
	    "2025-07-09T10:00:00Z");
	hist_order(bid, uid, oid[4], "50", "Canceled", "2025-07-10T10:00:00Z",
	    "2025-07-10T10:00:00Z");
	hist_order(bid, other, oid[5], "7", "paid", "2025-07-20T10:00:00Z",
	    "2025-07-20T10:00:00Z");
	hist_order(other, uid, oid[6], "8", "paid", "2025-07-21T10:00:00Z",
	    "2025-07-21T10:00:00Z");
	hist_appointment(bid, uid, oid[0], "2025-08-01T09:00:00Z", "booked",
	    "2025-01-01T00:00:00Z");
	hist_appointment(bid, uid, oid[1], "2099-08-01T09:00:00Z", "booked",
	    "2025-01-01T00:00:00Z");
	hist_appointment(bid, uid, oid[2], "2025-09-01T09:00:00Z", "cancelled",
	    "2025-01-01T00:00:00Z");
	hist_appointment(bid, other, oid[3], "2025-09-02T09:00:00Z", "booked",
	    "2025-01-01T00:00:00Z");

	tok = tok_internal();
	body = cust_body(uid, bid, NULL);
	r = http_req_tok("POST", "/customers", tok, body);
	expect_status(r, 201);
	j = resp_json(r);
	memcpy(id, json_str(j, "id"), UUID_STR_LEN);
	/* the created customer already shows them */
	cr_assert_eq(json_integer_value(json_object_get(j, "total_orders")), 3);
	cr_assert_eq(json_integer_value(
			 json_object_get(j, "total_appointments")),
	    2);
	cr_assert_str_eq(json_str(j, "last_order_date"), "2025-07-04");
	cr_assert_str_eq(json_str(j, "last_appointment_date"), "2025-08-01");
	cr_assert_float_eq(json_real_value(
			       json_object_get(j, "lifetime_value")),
	    17.5, 1e-9);
	json_decref(j);
	http_resp_free(r);
	free(body);
	free(tok);
	expect_stats(id, want);
}

Test(stats, role_matrix_and_tenants)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char path[128];

	uuid4(bid);
	cust_create(bid, id, uid);
	db_exec("UPDATE customers SET total_orders = 1, lifetime_value = 9.90"
		" WHERE id = $1",
	    id, DB_END);
	snprintf(path, sizeof(path), "/customers/%s/stats", id);
	who_matrix("GET", path, NULL, bid, uid, matrix_read, MATRIX_N,
	    "{\"total_orders\":1,\"total_appointments\":0,"
	    "\"last_order_date\":null,\"last_appointment_date\":null,"
	    "\"lifetime_value\":9.9}");
	snprintf(path, sizeof(path), "/api/customers/%s/statistics/", id);
	who_matrix("GET", path, NULL, bid, uid, matrix_read, MATRIX_N, NULL);
}

Test(stats, unknown_customer_is_404)
{
	expect_unknown_customer("/customers/%s/stats");
}

Test(stats, no_token_is_401)
{
	char id[UUID_STR_LEN];
	struct http_resp *r;

	uuid4(id);
	r = get_as(NULL, "/customers/%s/stats", id);
	expect_detail(r, 401, "Not authenticated");
	http_resp_free(r);
}

Test(stats, bad_path_id_is_422)
{
	struct http_resp *r;
	char *tok;

	tok = tok_superadmin();
	r = get_as(tok, "/customers/%s/statistics", "not-a-uuid");
	expect_bad_path_id(r);
	free(tok);
}

Test(stats, other_methods_are_405)
{
	expect_get_only("/customers/%s/stats");
}
