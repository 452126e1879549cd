/*
 * Order and appointment history as the API shows it (GET
 * /customers/{id}/orders, /appointments and the export), as SQL. History is keyed by (business_id,
 * user_id), not by customer id: it may arrive before the profile exists
 * (docs/events.md, consumed events), and shows once it does.
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

#include "model/customer_row.h"

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

/*
 * The export's pages (src/api/gdpr.c): the rows after a given one in the
 * list's order (keyset), at most `lim`. `kv`, `upd` and `idv` are the
 * previous page's last row's created_at (starts_at), updated_at and id,
 * all NULL for the first page (kv alone is NULL after a row without
 * one). The order is mixed (descending times, rows without one last, id
 * ascending), which no row comparison can say, so it is two index ranges
 * of migration 0009's index, each read from where the last row was:
 * the rows with a time from `kv` down, then those without one from `upd`
 * down; the few rows at the bounds that came before are filtered out.
 * Each page reads only its own rows, and a row added or removed during
 * an export neither shifts nor repeats another.
 */
#define HISTORY_KEYSET_ROWS(tbl, a, k, id, order, b, u, kv, upd, idv, lim) \
	"(SELECT " a ".*, row_number() OVER (ORDER BY " order ") AS n" \
	" FROM ((SELECT * FROM " tbl " " a " WHERE " a ".business_id = " b \
	" AND " a ".user_id = " u " AND (" upd " IS NULL OR " kv \
	" IS NOT NULL) AND " a "." k " <= coalesce(" kv ", 'infinity')" \
	" AND (" upd " IS NULL OR " a "." k " < " kv " OR " a \
	".updated_at < " upd " OR (" a ".updated_at = " upd " AND " a "." id \
	" COLLATE \"C\" > " idv "))" \
	" ORDER BY " order " LIMIT " lim ") UNION ALL" \
	" (SELECT * FROM " tbl " " a " WHERE " a ".business_id = " b " AND " a \
	".user_id = " u " AND " a "." k " IS NULL AND " a \
	".updated_at <= coalesce(CASE WHEN " kv " IS NULL THEN " upd \
	" END, 'infinity') AND (" upd " IS NULL OR " kv " IS NOT NULL OR " a \
	".updated_at < " upd " OR " a "." id " COLLATE \"C\" > " idv ")" \
	" ORDER BY " order " LIMIT " lim ")) " a " ORDER BY " order \
	" LIMIT " lim ") " a

#define HISTORY_ORDERS_AFTER(b, u, kv, upd, idv, lim) \
	HISTORY_KEYSET_ROWS("customer_orders", "o", "created_at", "order_id", \
	    HISTORY_ORDERS_ORDER, b, u, kv, upd, idv, lim)

#define HISTORY_APPOINTMENTS_AFTER(b, u, kv, upd, idv, lim) \
	HISTORY_KEYSET_ROWS("customer_appointments", "a", "starts_at", \
	    "appointment_id", HISTORY_APPOINTMENTS_ORDER, b, u, kv, upd, idv, \
	    lim)

/*
 * The list's pages by cursor (GET /customers/{id}/orders, /appointments):
 * `rows` one of the above fetching lim + 1 rows, cut to lim, with
 * `fetched` (how many came) on each; a page, and whether one follows.
 */
#define HISTORY_PAGE_CUT(a, rows, lim) \
	"(SELECT * FROM (SELECT " a ".*, count(*) OVER () AS fetched," \
	" row_number() OVER (ORDER BY " a ".n) AS r FROM " rows ") " a \
	" WHERE " a ".r <= " lim ") " a

/*
 * A time as the cursor keeps it (model/cursor.h): microseconds since the
 * epoch, exact both ways (an integer PostgreSQL reads in any session
 * setting, unlike a time's text), and back.
 */
#define HISTORY_TIME_KEY(t) \
	"(extract(epoch FROM " t ") * 1000000)::bigint::text"
#define HISTORY_KEY_TIME(k) \
	"(timestamptz 'epoch' + " k "::bigint * interval '1 microsecond')"

/*
 * After the page's items (its JSON, then whether a row follows): the
 * cursor's keys of its last row (`a` the rows, `k` the time, `id`).
 */
#define HISTORY_PAGE_NEXT(a, k, id, lim) \
	" coalesce(max(" a ".fetched) > " lim ", false)," \
	" (array_agg(" HISTORY_TIME_KEY( \
	    a "." k) " ORDER BY " a ".n DESC))[1]," \
		     " (array_agg(" HISTORY_TIME_KEY( \
			 a ".updated_at") " ORDER BY " a ".n DESC))[1]," \
					  " (array_agg(" a "." id \
					  " ORDER BY " a ".n DESC))[1]"

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
