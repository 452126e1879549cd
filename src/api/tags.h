/*
 * Tags and notes: admin-only records under a customer (design.md sections
 * 3 and 5). tags.c serves /customers/{id}/tags and runs the tag
 * statements that the original's routes (tags_legacy.c) share; notes.c
 * serves /customers/{id}/notes.
 */
#ifndef BEE_TAGS_H
#define BEE_TAGS_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

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
 * Creating tags, for both routes: prepare() checks the request, fills
 * in, sets c->customer_id, then calls tags_insert_query.
 */
struct tags_insert {
	struct tag_input in;
	struct scope scope;
	int single; /* the original's route: one object, not a list */
	int attempts; /* runs of the statement (unique index races) */
	int found; /* the customer is there and reachable */
	char *taken; /* "A, B": requested labels that exist already */
	size_t ntags;
	char (*tag_ids)[UUID_STRLEN]; /* the new tags, for the logs */
	struct jsonw json;
};

struct tags_insert *tags_insert_new(struct ctx *c);
void tags_insert_query(struct ctx *c, struct tags_insert *st,
    struct op_query *q);
void tags_insert_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);
enum op_next tags_insert_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

/*
 * Listing a page of a customer's tags once c->customer_id is set and
 * checked: OP_QUERY, or OP_REPLIED after a 422 for skip or limit.
 */
enum op_next tags_list_query(struct http_request *req, struct ctx *c,
    struct op_query *q);
void tags_list_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);
enum op_next tags_list_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

/* Every route's first step: the module's handler names. */
int h_tags(struct http_request *req);
int h_tag(struct http_request *req);
int h_tags_legacy(struct http_request *req);
int h_notes(struct http_request *req);
int h_note(struct http_request *req);

#endif
