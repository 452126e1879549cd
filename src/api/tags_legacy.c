/*
 * The original's tag routes, kept for its clients (original.md section 4,
 * items 8-10), with the tenant rules of design.md section 3:
 *   POST   /customers/tags/                        one tag (TagCreate)
 *   GET    /customers/tags/customer/{customer_id}  the customer's tags
 *   DELETE /customers/tags/{tag_id}
 * One handler for the three shapes, told apart by their segments.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/body.h"
#include "model/customer_row.h"
#include "http/reply.h"
#include "http/route.h"
#include "api/tags.h"

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

static enum op_next create_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next list_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next delete_prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void delete_rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next delete_done(struct http_request *, struct ctx *,
    struct op_query *);

static const struct op op_create = { create_prepare, NULL, tags_insert_rows,
	tags_insert_done };
static const struct op op_list = { list_prepare, NULL, tags_list_rows,
	tags_list_done };
static const struct op op_delete = { delete_prepare, NULL, delete_rows,
	delete_done };

int
h_tags_legacy(struct http_request *req)
{
	struct ctx *c = ctx_get(req);
	struct path path;

	if (c->op != NULL)
		return (op_run(req, c->op));
	if (path_split(req->path, &path) == -1)
		return (reply_detail(req, 404, "Not Found"));
	if (path.count == 2) {
		if (!route_begin(req, "/customers/tags", HTTP_METHOD_POST,
			"POST", &c))
			return (KORE_RESULT_OK);
		return (op_run(req, &op_create));
	}
	if (path.count == 4) {
		if (!route_begin(req, "/customers/tags/customer/{customer_id}",
			HTTP_METHOD_GET, "GET", &c))
			return (KORE_RESULT_OK);
		return (op_run(req, &op_list));
	}
	if (!route_begin(req, "/customers/tags/{tag_id}", HTTP_METHOD_DELETE,
		"DELETE", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_delete));
}

static enum op_next
create_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct tags_insert *st;
	struct problems p;
	json_t *body;

	problems_init(&p);
	if (!body_json(req, &p, &body)) {
		problems_free(&p);
		return (OP_REPLIED);
	}
	st = tags_insert_new(c);
	st->single = 1;
	if (body != NULL)
		(void)tag_input_single(body, &p, &st->in);
	json_decref(body);
	if (problems_count(&p) > 0) {
		(void)reply_problems(req, &p);
		problems_free(&p);
		return (OP_REPLIED);
	}
	problems_free(&p);
	(void)memcpy(c->customer_id, st->in.customer_id, UUID_STRLEN);
	if (!admin_only(req, c))
		return (OP_REPLIED);
	/*
	 * The author is the caller, as on every write: the original stored
	 * the body's created_by, which let anyone sign as someone else. The
	 * field is still checked (a UUID) for the original's clients.
	 */
	(void)memcpy(st->in.created_by, c->claims.sub, UUID_STRLEN);
	tags_insert_query(c, st, q);
	return (OP_QUERY);
}

static enum op_next
list_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct problems p;
	int ok;

	problems_init(&p);
	ok = path_uuid(&p, req, 3, "customer_id", c->customer_id);
	if (!ok) {
		c->customer_id[0] = '\0';
		(void)reply_problems(req, &p);
	}
	problems_free(&p);
	if (!ok || !admin_only(req, c))
		return (OP_REPLIED);
	return (tags_list_query(req, c, q));
}

static enum op_next
delete_prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st;
	struct problems p;
	char tag_id[UUID_STRLEN];
	int ok;

	problems_init(&p);
	ok = path_uuid(&p, req, 2, "tag_id", tag_id);
	if (!ok)
		(void)reply_problems(req, &p);
	problems_free(&p);
	if (!ok || !admin_only(req, c))
		return (OP_REPLIED);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("tags_legacy: out of memory");
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
