/*
 * Tags and notes: admin-only records under a customer (design.md sections
 * 3 and 5). tags.c serves /customers/{id}/tags and runs the tag
 * statements that the original's routes (tags_legacy.c) share; notes.c
 * serves /customers/{id}/notes; records.c has the steps both share.
 */
#ifndef BEE_TAGS_H
#define BEE_TAGS_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "api/customer_page.h"
#include "http/access.h"
#include "http/ctx.h"
#include "model/jsonw.h"
#include "http/op.h"
#include "model/tag_input.h"

/* A tag as the API shows it: label,color,priority,created_by,id,customer_id */
#define TAG_COLUMNS \
	"t.label, t.color, coalesce(t.priority, 0), t.created_by, t.id, " \
	"t.customer_id"
#define TAG_NCOLUMNS 6
/* The order of every tag list and note list (the routes, the export) */
#define TAGS_ORDER "t.label COLLATE \"C\", t.id"
#define NOTES_ORDER "n.created_at DESC NULLS LAST, n.id DESC"

/* One column of a row object: its key, and whether it is a JSON number. */
struct row_field {
	const char *key;
	int number;
};

/* ---- records.c: what tags and notes share ---- */

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

/* ---- tags.c ---- */

/*
 * POST /customers/tags, the original's route (tags_legacy.c): one tag,
 * its customer_id in the body; created as those of POST
 * /customers/{id}/tags.
 */
extern const struct op tags_create_single;

/*
 * Listing a page of a customer's tags once c->customer_id is set and
 * checked (customer_page_query), for both routes; customer_page_done
 * replies.
 */
enum op_next tags_list_query(struct http_request *req, struct ctx *c,
    struct op_query *q);
void tags_list_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);

/* Every route's first step: the module's handler names. */
int h_tags(struct http_request *req);
int h_tag(struct http_request *req);
int h_tags_legacy(struct http_request *req);
int h_notes(struct http_request *req);
int h_note(struct http_request *req);

#endif
