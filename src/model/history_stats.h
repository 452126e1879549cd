/*
 * A customer's statistics computed from its order and appointment history
 * (design.md section 6): orders and appointments not cancelled;
 * lifetime_value their sum, clamped to the column's numeric(10, 2); the
 * last dates the latest day (UTC) not after now.
 *
 * One definition for the two writers: the history consumer recomputes
 * them after each event, and POST /customers computes them in its INSERT,
 * because history is keyed by (business_id, user_id) and may arrive before
 * the profile (an UPDATE in the same statement would not see the new row).
 */
#ifndef BEE_HISTORY_STATS_H
#define BEE_HISTORY_STATS_H

/* The five columns, in the order of HISTORY_STATS_VALUES. */
#define HISTORY_STATS_COLUMNS \
	"total_orders, lifetime_value, last_order_date, " \
	"total_appointments, last_appointment_date"

/* History rows `t` of the customer (business b, user u), not cancelled. */
#define HISTORY_STATS_OF(t, b, u) \
	t ".business_id = " b " AND " t ".user_id = " u " AND lower(" t \
	  ".status) NOT IN ('cancelled', 'canceled')"

/*
 * Their values, a list of scalar subqueries; b and u are SQL uuids. (Laid
 * out by hand: clang-format splits the macro calls across lines.)
 */
/* clang-format off */
#define HISTORY_STATS_VALUES(b, u) \
	"(SELECT count(*) FROM customer_orders o WHERE " \
	HISTORY_STATS_OF("o", b, u) "), " \
	"(SELECT greatest(-99999999.99, least(99999999.99, " \
	"coalesce(sum(o.total), 0))) FROM customer_orders o WHERE " \
	HISTORY_STATS_OF("o", b, u) "), " \
	"(SELECT max((o.created_at AT TIME ZONE 'UTC')::date) " \
	"FROM customer_orders o WHERE " \
	HISTORY_STATS_OF("o", b, u) " AND o.created_at <= now()), " \
	"(SELECT count(*) FROM customer_appointments a WHERE " \
	HISTORY_STATS_OF("a", b, u) "), " \
	"(SELECT max((a.starts_at AT TIME ZONE 'UTC')::date) " \
	"FROM customer_appointments a WHERE " \
	HISTORY_STATS_OF("a", b, u) " AND a.starts_at <= now())"
/* clang-format on */

#endif
