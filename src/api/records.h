/*
 * What tags and notes share (records.c): records that administrators keep
 * on a customer. The admin-only rule, a record as a JSON object, a page
 * of them, and the deletion of one by its id.
 */
#ifndef BEE_RECORDS_H
#define BEE_RECORDS_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/ctx.h"
#include "api/customer_page.h"
#include "model/jsonw.h"
#include "http/op.h"

/*
 * The handlers of a customer's records: the collection (POST creates, GET
 * lists; route_begin has refused any other method) and one record
 * (DELETE).
 */
int records_collection(struct http_request *req, const struct op *create,
    const struct op *list);
int records_item(struct http_request *req, const struct op *del);

/* One column of a row object: its key, and whether it is a JSON number. */
struct row_field {
	const char *key;
	int number;
};

/* Writes columns col.. of row as an object; SQL NULL is null. */
void row_object_json(const PGresult *res, int row, int col,
    const struct row_field *fields, int n, struct jsonw *w);

/*
 * Tags and notes are for administrators of the customer's business and
 * superadmins: else 403 "Admin privileges required" (or "Token has no
 * business") was sent and 0 is returned.
 */
int admin_only(struct http_request *req, struct ctx *c);

/*
 * GET /customers/{customer_id}/<records>: the path's id, the admin-only
 * rule, then customer_page_query with sql, which returns the page's
 * records (columns from 0), or one row of NULLs for a customer without
 * any on that page. records_page_rows writes them as a JSON array;
 * id_col is a column that is NULL only in that row.
 */
enum op_next records_page_query(struct http_request *req, struct ctx *c,
    struct op_query *q, const char *sql);
void records_page_rows(struct customer_page *st, const PGresult *res,
    int id_col, const struct row_field *fields, int n);

/*
 * DELETE /customers/{customer_id}/<records>/{key}: sql takes $1-$4
 * (customer_query) and $5 the record's id, and returns no row when the
 * customer is out of reach, else how many records went (0 or 1).
 */
struct record_delete {
	const char *key; /* the path's name of the record's id */
	const char *sql;
	const char *missing; /* the 404's detail when none went */
};

/* The op steps of such a DELETE, admin only. */
enum op_next records_delete_query(struct http_request *req, struct ctx *c,
    struct op_query *q, const struct record_delete *what);
void records_delete_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);
enum op_next records_delete_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

#endif
