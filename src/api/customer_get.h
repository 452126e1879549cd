/*
 * GET /customers/{customer_id} (customer_get.c), and its steps for the
 * other reads of one customer's row (h_stats).
 */
#ifndef BEE_CUSTOMER_GET_H
#define BEE_CUSTOMER_GET_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/op.h"
#include "model/jsonw.h"

int customer_get(struct http_request *req);

/* Writes the customer's row res[row] (its columns from col) as JSON. */
typedef void (
    *customer_writer)(const PGresult *res, int row, int col, struct jsonw *w);
/*
 * The op steps of a GET of one customer the caller reaches (customer_get,
 * h_stats): its row written by write, or the same 404 for out of reach
 * and nonexistent.
 */
enum op_next customer_one_prepare(struct http_request *req, struct ctx *c,
    struct op_query *q, customer_writer write);
void customer_one_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);
enum op_next customer_one_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

#endif
