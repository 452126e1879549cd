/*
 * The original's tag routes, kept for its clients, with the tenant rules
 * of the other routes (docs/api.md, tags):
 *   POST   /customers/tags/                        one tag (TagCreate)
 *   GET    /customers/tags/customer/{customer_id}  the customer's tags
 *   DELETE /customers/tags/{tag_id}
 * One handler for the three shapes, told apart by their templates in the
 * route table (model/route_table.c).
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/body.h"
#include "api/customer_page.h"
#include "model/customer_row.h"
#include "api/records.h"
#include "http/reply.h"
#include "http/route.h"
#include "api/tags.h"
#include "model/xalloc.h"

/* The tag, if its customer is reachable; else nothing happens. */
static const char sql_delete[] =
    "DELETE FROM customer_tags t USING customers c"
    " WHERE t.id = $1 AND c.id = t.customer_id"
    " AND " CUSTOMER_SCOPE("$2", "$3", "$4") " RETURNING t.customer_id";

struct delete_state {
	struct scope scope;
	char tag_id[UUID_STRLEN];
	int deleted;
	char customer_id[UUID_STRLEN];
};

int h_tags_legacy(struct http_request *);

static enum op_next list_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next delete_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void delete_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next delete_done(struct http_request *, struct ctx *,
    struct op_query *);

static const struct op op_list = { list_prepare, NULL, tags_list_rows,
	customer_page_done };
static const struct op op_delete = { delete_prepare, NULL, delete_rows,
	delete_done };

/*
 * The route table gives each of the three shapes one method, and
 * route_begin lets through only the method of the shape the path has.
 */
int
h_tags_legacy(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op != NULL)
		return (op_run(req, c->op));
	if (!route_begin(req, &c))
		return (KORE_RESULT_OK);
	switch (req->method) {
	case HTTP_METHOD_POST:
		return (op_run_write(req, &tags_create_single));
	case HTTP_METHOD_DELETE:
		return (op_run_write(req, &op_delete));
	default:
		return (op_run(req, &op_list));
	}
}

static enum op_next
list_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct problems p;

	problems_init(&p);
	if (!path_uuid(&p, req, 3, "customer_id", c->customer_id))
		c->customer_id[0] = '\0';
	if (!request_checked(req, &p) || !admin_only(req, c))
		return (OP_REPLIED);
	return (tags_list_query(req, c, q));
}

static enum op_next
delete_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st;
	struct problems p;
	char tag_id[UUID_STRLEN];

	problems_init(&p);
	(void)path_uuid(&p, req, 2, "tag_id", tag_id);
	if (!request_checked(req, &p) || !admin_only(req, c))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = free;
	(void)memcpy(st->tag_id, tag_id, sizeof(st->tag_id));
	access_scope(&c->claims, &st->scope);
	q->sql = sql_delete;
	q->nparams = 4;
	q->values[0] = st->tag_id;
	access_params(&st->scope, &q->values[1]);
	return (OP_QUERY);
}

static void
delete_rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct delete_state *st = c->state;

	if (PQntuples(res) != 1 || st->deleted)
		return;
	st->deleted = 1;
	(void)kore_strlcpy(st->customer_id, PQgetvalue(res, 0, 0),
	    sizeof(st->customer_id));
}

static enum op_next
delete_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st = c->state;

	if (!st->deleted) {
		(void)reply_detail(req, 404, "Tag not found");
		return (OP_REPLIED);
	}
	(void)memcpy(c->customer_id, st->customer_id, UUID_STRLEN);
	(void)reply_no_content(req);
	return (OP_REPLIED);
}
