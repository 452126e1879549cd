#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <criterion/criterion.h>

#include "db.h"
#include "expect.h"
#include "http.h"
#include "hist.h"
#include "token.h"
#include "uuid4.h"

/* db_exec's parameters end at NULL: SQL NULL is sent as "". */
void
hist_order(const char *business_id, const char *user_id, const char *order_id,
    const char *total, const char *status, const char *created_at,
    const char *updated_at)
{
	db_exec("INSERT INTO customer_orders (order_id, business_id, user_id,"
		" total, currency, status, created_at, updated_at)"
		" VALUES ($1, $2, $3, NULLIF($4, '')::numeric, 'RON', $5,"
		" NULLIF($6, '')::timestamptz, $7)",
	    order_id, business_id, user_id, total ? total : "", status,
	    created_at ? created_at : "", updated_at, DB_END);
}

void
hist_appointment(const char *business_id, const char *user_id,
    const char *appointment_id, const char *starts_at, const char *status,
    const char *updated_at)
{
	db_exec("INSERT INTO customer_appointments (appointment_id,"
		" business_id, user_id, starts_at, status, updated_at)"
		" VALUES ($1, $2, $3, NULLIF($4, '')::timestamptz, $5, $6)",
	    appointment_id, business_id, user_id, starts_at ? starts_at : "",
	    status, updated_at, DB_END);
}

struct http_resp *
get_as(const char *tok, const char *fmt, const char *id)
{
	char path[160];

	snprintf(path, sizeof(path), fmt, id);
	return (http_req_tok("GET", path, tok, NULL));
}

void
expect_get_body(const char *fmt, const char *id, const char *want)
{
	struct http_resp *r;
	char *tok;

	tok = tok_superadmin();
	r = get_as(tok, fmt, id);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, want);
	http_resp_free(r);
	free(tok);
}

void
expect_unknown_customer(const char *fmt)
{
	struct http_resp *r;
	char id[UUID_STR_LEN];
	char *tok;

	uuid4(id);
	tok = tok_superadmin();
	r = get_as(tok, fmt, id);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(tok);
}

void
expect_get_only(const char *fmt)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[160];
	char *tok;

	uuid4(id);
	snprintf(path, sizeof(path), fmt, id);
	tok = tok_superadmin();
	r = http_req_tok("POST", path, tok, "{}");
	expect_405_and_free(r, "GET");
	free(tok);
}

char *
who_tok(enum who w, const char *business_id, const char *user_id)
{
	char other[UUID_STR_LEN];

	uuid4(other);
	switch (w) {
	case WHO_SELF:
		return (tok_customer(user_id));
	case WHO_CLIENT:
		return (tok_sub("client", user_id, NULL));
	case WHO_ADMIN:
		return (tok_admin(business_id));
	case WHO_ADMIN_MULTI:
		return (tok_admin_multi(other, business_id));
	case WHO_MANAGER:
		return (tok_sub("admin_manager", other, business_id));
	case WHO_SUPERADMIN:
		return (tok_superadmin());
	case WHO_INTERNAL:
		return (tok_internal());
	case WHO_COURIER:
		return (tok_role("courier"));
	case WHO_COLLABORATOR:
		return (tok_role("collaborator"));
	case WHO_ADMIN_NO_BUSINESS:
		return (tok_role("admin_business"));
	case WHO_OTHER_ADMIN:
		return (tok_admin(other));
	case WHO_OTHER_CUSTOMER:
		return (tok_customer(other));
	case WHO_COUNT:
	default:
		break;
	}
	cr_assert_fail("who_tok: unknown %d", (int)w);
	return (NULL);
}

const char *
who_name(enum who w)
{
	static const char *names[WHO_COUNT] = { "self", "client", "admin",
		"admin of two businesses", "admin_manager", "superadmin",
		"internal", "courier", "collaborator", "admin without business",
		"admin of another business", "another customer" };

	return (w < WHO_COUNT ? names[w] : "?");
}

#define ROLE_403 "Customer or admin role required"
#define NO_BUSINESS "Token has no business"
#define NOT_FOUND "Customer not found"

const struct cell matrix_read[MATRIX_N] = {
	{ WHO_SELF, 200, NULL },
	{ WHO_CLIENT, 200, NULL },
	{ WHO_ADMIN, 200, NULL },
	{ WHO_ADMIN_MULTI, 200, NULL },
	{ WHO_MANAGER, 200, NULL },
	{ WHO_SUPERADMIN, 200, NULL },
	{ WHO_INTERNAL, 200, NULL },
	{ WHO_COURIER, 403, ROLE_403 },
	{ WHO_COLLABORATOR, 403, ROLE_403 },
	{ WHO_ADMIN_NO_BUSINESS, 403, NO_BUSINESS },
	{ WHO_OTHER_ADMIN, 404, NOT_FOUND },
	{ WHO_OTHER_CUSTOMER, 404, NOT_FOUND },
};

const struct cell matrix_gdpr[MATRIX_N] = {
	{ WHO_SELF, 200, NULL },
	{ WHO_CLIENT, 200, NULL },
	{ WHO_ADMIN, 200, NULL },
	{ WHO_ADMIN_MULTI, 200, NULL },
	{ WHO_MANAGER, 200, NULL },
	{ WHO_SUPERADMIN, 200, NULL },
	{ WHO_INTERNAL, 403, ROLE_403 },
	{ WHO_COURIER, 403, ROLE_403 },
	{ WHO_COLLABORATOR, 403, ROLE_403 },
	{ WHO_ADMIN_NO_BUSINESS, 403, NO_BUSINESS },
	{ WHO_OTHER_ADMIN, 404, NOT_FOUND },
	{ WHO_OTHER_CUSTOMER, 404, NOT_FOUND },
};

void
who_matrix(const char *method, const char *path, const char *body,
    const char *business_id, const char *user_id, const struct cell *cells,
    size_t n, const char *want_body)
{
	struct http_resp *r;
	size_t i;
	char *tok;

	for (i = 0; i < n; i++) {
		tok = who_tok(cells[i].who, business_id, user_id);
		r = http_req_tok(method, path, tok, body);
		cr_assert_eq(r->status, cells[i].status,
		    "%s %s as %s: want %d, got %d %.*s", method, path,
		    who_name(cells[i].who), cells[i].status, r->status,
		    (int)r->body_len, r->body);
		if (cells[i].detail != NULL) {
			expect_detail(r, cells[i].status, cells[i].detail);
		} else {
			expect_status(r, cells[i].status);
			expect_module_headers(r);
			if (want_body != NULL)
				expect_body(r, want_body);
		}
		http_resp_free(r);
		free(tok);
	}
}
