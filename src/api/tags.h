/*
 * Tags and notes: admin-only records under a customer (docs/api.md).
 * tags.c serves /customers/{id}/tags and runs the tag
 * statements that the original's routes (tags_legacy.c) share; notes.c
 * serves /customers/{id}/notes; records.h has the steps both share.
 */
#ifndef BEE_TAGS_H
#define BEE_TAGS_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/ctx.h"
#include "http/op.h"

/* A tag as the API shows it: label,color,priority,created_by,id,customer_id */
#define TAG_COLUMNS \
	"t.label, t.color, coalesce(t.priority, 0), t.created_by, t.id, " \
	"t.customer_id"
#define TAG_NCOLUMNS 6
/* The order of every tag list and note list (the routes, the export) */
#define TAGS_ORDER "t.label COLLATE \"C\", t.id"
#define NOTES_ORDER "n.created_at DESC NULLS LAST, n.id DESC"

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

#endif
