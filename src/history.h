/*
 * Order and appointment history as the API shows it (GET
 * /customers/{id}/orders, /appointments and the export), as SQL. History is keyed by (business_id,
 * user_id), not by customer id: it may arrive before the profile exists
 * (design.md section 6, "In"), and shows once it does.
 *
 * Pages of them, newest first (PostgreSQL's json text: write it with
 * jsonw_compact):
 *   orders:       created_at desc (rows without one last), updated_at
 *                 desc, order_id; items {order_id, total, currency,
 *                 status, created_at, updated_at}, total a JSON number
 *                 written as a Python float (12.5, 2750.0) or null
 *   appointments: starts_at desc (rows without one last), updated_at
 *                 desc, appointment_id; items {appointment_id, starts_at,
 *                 status, updated_at}
 * Timestamps are UTC, ...T12:00:00.500000Z.
 */
#ifndef BEE_HISTORY_H
#define BEE_HISTORY_H

#include "customer_row.h"

/* The total of order `o`, as a JSON number or null. */
#define HISTORY_ORDER_TOTAL SQL_PY_FLOAT("o.total") "::json"

#define HISTORY_ORDERS_ORDER \
	"o.created_at DESC NULLS LAST, o.updated_at DESC," \
	" o.order_id COLLATE \"C\""
#define HISTORY_APPOINTMENTS_ORDER \
	"a.starts_at DESC NULLS LAST, a.updated_at DESC," \
	" a.appointment_id COLLATE \"C\""

/*
 * A page of the history of (business b, user u): its rows as `o` (or
 * `a`), each with its rank n, skipping `off` rows and taking at most `lim`
 * (SQL expressions). Migration 0009's indexes follow this order, so a page
 * reads the rows it skips from the index, and builds JSON only for its own
 * (HISTORY_*_PAGE_JSON: one json array, in order).
 */
#define HISTORY_ORDERS_ROWS(b, u, off, lim) \
	"(SELECT o.*, row_number() OVER (ORDER BY " HISTORY_ORDERS_ORDER \
	") AS n FROM customer_orders o" \
	" WHERE o.business_id = " b " AND o.user_id = " u \
	" ORDER BY " HISTORY_ORDERS_ORDER " OFFSET " off " LIMIT " lim ") o"

#define HISTORY_APPOINTMENTS_ROWS(b, u, off, lim) \
	"(SELECT a.*, row_number() OVER (ORDER BY " HISTORY_APPOINTMENTS_ORDER \
	") AS n FROM customer_appointments a" \
	" WHERE a.business_id = " b " AND a.user_id = " u \
	" ORDER BY " HISTORY_APPOINTMENTS_ORDER " OFFSET " off " LIMIT " lim \
	") a"

#define HISTORY_ORDERS_PAGE_JSON \
	"coalesce(json_agg(json_build_object(" \
	"'order_id', o.order_id, " \
	"'total', " HISTORY_ORDER_TOTAL ", " \
	"'currency', o.currency, 'status', o.status, " \
	"'created_at', to_char(o.created_at AT TIME ZONE 'UTC', " SQL_TS_FORMAT \
	"), " \
	"'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', " SQL_TS_FORMAT \
	")) ORDER BY o.n), '[]')"

#define HISTORY_APPOINTMENTS_PAGE_JSON \
	"coalesce(json_agg(json_build_object(" \
	"'appointment_id', a.appointment_id, " \
	"'starts_at', to_char(a.starts_at AT TIME ZONE 'UTC', " SQL_TS_FORMAT \
	"), " \
	"'status', a.status, " \
	"'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', " SQL_TS_FORMAT \
	")) ORDER BY a.n), '[]')"

#endif
