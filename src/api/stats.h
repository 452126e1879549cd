/*
 * A customer's statistics as the API shows them (design.md section 5):
 * {total_orders, total_appointments, last_order_date,
 * last_appointment_date, lifetime_value}. They are columns of the customers
 * row, recomputed from history by the history consumer in the transaction
 * that changes it (design.md section 6), so reading them is reading the
 * row: the same values GET /customers/{id} shows.
 */
#ifndef BEE_STATS_H
#define BEE_STATS_H

#include <kore/kore.h>
#include <libpq-fe.h>

#include "model/jsonw.h"

/* Writes the stats object of the customer whose CUSTOMER_COLUMNS start at col. */
void stats_json(const PGresult *res, int row, int col, struct jsonw *w);

#endif
