/*
 * For the tests of stats, history and GDPR: history rows written as the
 * history consumer writes them (docs/events.md), GETs on one customer's
 * path, and a token for each cell of the role matrix (docs/api.md).
 */
#ifndef E2E_HIST_H
#define E2E_HIST_H

#include "http.h"

/* total, created_at may be NULL (SQL NULL); timestamps are timestamptz text. */
void hist_order(const char *business_id, const char *user_id,
    const char *order_id, const char *total, const char *status,
    const char *created_at, const char *updated_at);
void hist_appointment(const char *business_id, const char *user_id,
    const char *appointment_id, const char *starts_at, const char *status,
    const char *updated_at);

/* GET fmt % id (a path of one customer) with the token, or none (NULL). */
struct http_resp *get_as(const char *tok, const char *fmt, const char *id);
/* GET fmt % id as superadmin: 200, JSON, the module's headers, body want. */
void expect_get_body(const char *fmt, const char *id, const char *want);
/* GET fmt % a random id as superadmin: 404 "Customer not found". */
void expect_unknown_customer(const char *fmt);
/* POST fmt % a random id as superadmin: 405, Allow: GET. */
void expect_get_only(const char *fmt);

/* Who asks about the customer (business_id, user_id). */
enum who {
	WHO_SELF, /* role customer, sub = the customer's user_id */
	WHO_CLIENT, /* role client (the auth service's), same sub */
	WHO_ADMIN, /* admin_business of the customer's business */
	WHO_ADMIN_MULTI, /* admin of another business and this one */
	WHO_MANAGER, /* admin_manager of the business */
	WHO_SUPERADMIN,
	WHO_INTERNAL,
	WHO_COURIER,
	WHO_COLLABORATOR,
	WHO_ADMIN_NO_BUSINESS, /* admin token without business_id(s) */
	WHO_OTHER_ADMIN, /* admin of another business */
	WHO_OTHER_CUSTOMER, /* a customer with another sub */
	WHO_COUNT
};

/* A malloc'd token; the caller frees. */
char *who_tok(enum who w, const char *business_id, const char *user_id);
const char *who_name(enum who w);

/* One cell of the matrix: the answer `who` gets (detail NULL: success). */
struct cell {
	enum who who;
	int status;
	const char *detail;
};

/*
 * Stats, orders, appointments: self, admin, superadmin and internal may;
 * export and /gdpr: the same without internal (MATRIX_N cells each).
 */
#define MATRIX_N 12
extern const struct cell matrix_read[MATRIX_N];
extern const struct cell matrix_gdpr[MATRIX_N];

/*
 * `method path` (with a JSON body or NULL) asked by each cell's caller
 * about the customer (business_id, user_id): the status and, for errors,
 * the exact detail bytes; for a success, the exact want_body when given.
 */
void who_matrix(const char *method, const char *path, const char *body,
    const char *business_id, const char *user_id, const struct cell *cells,
    size_t n, const char *want_body);

#endif
