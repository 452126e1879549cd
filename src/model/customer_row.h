/*
 * A customer as the API shows it (design.md section 5): the columns every
 * customer query selects, and their JSON in the original's key order.
 */
#ifndef BEE_CUSTOMER_ROW_H
#define BEE_CUSTOMER_ROW_H

#include <kore/kore.h>
#include <libpq-fe.h>

#include "model/jsonw.h"

/*
 * A numeric as the JSON text of a Python float, as the original wrote
 * lifetime_value: 0.0, 2750.0, 12.5 (NULL stays NULL). Also order totals.
 */
#define SQL_PY_FLOAT(v) \
	"(CASE WHEN " v " = trunc(" v ") " \
	"THEN trunc(" v ")::bigint::text || '.0' " \
	"ELSE (" v ")::float8::text END)"

/* to_char format of a UTC timestamp without time zone: ...56.123456Z */
#define SQL_TS_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

#define CUSTOMER_LIFETIME_VALUE SQL_PY_FLOAT("coalesce(c.lifetime_value, 0)")

/*
 * `c` is the customers row; CUSTOMER_NCOLUMNS values, in this order, as
 * PostgreSQL's plain text: customer_row_json writes them in the API's forms.
 */
#define CUSTOMER_COLUMNS \
	"c.full_name, c.email, c.phone, c.gender, c.avatar_url, " \
	"c.id, c.user_id, c.business_id, " \
	"coalesce(c.total_orders, 0), coalesce(c.total_appointments, 0), " \
	"c.last_order_date, c.last_appointment_date, " \
	"coalesce(c.lifetime_value, 0), c.created_at, c.updated_at, " \
	"c.preferences"

#define CUSTOMER_NCOLUMNS 16

/*
 * Which customers the caller reaches, from access_scope(): kind 'all',
 * 'business' (ids in list, a uuid[] literal) or 'user' (the token's sub).
 */
#define CUSTOMER_SCOPE(kind, list, user) \
	"(CASE " kind "::text WHEN 'all' THEN true " \
	"WHEN 'business' THEN c.business_id = ANY(" list "::uuid[]) " \
	"WHEN 'user' THEN c.user_id = " user "::uuid " \
	"ELSE false END)"

/* Writes the customer at (row, first column col) as a JSON object. */
/* One of its values: index 0 .. CUSTOMER_NCOLUMNS - 1 (e.g. statistics). */
void customer_row_value(const PGresult *res, int row, int col, int index,
    struct jsonw *w);
void customer_row_json(const PGresult *res, int row, int col, struct jsonw *w);

#endif
