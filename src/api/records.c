/*
 * The steps tags and notes share (records.h). The delete state is
 * allocated here and freed with the request.
 */
#include <stdlib.h>
#include <string.h>

#include "model/xalloc.h"
#include "http/access.h"
#include "http/auth.h"
#include "api/customer_common.h"
#include "api/records.h"
#include "http/reply.h"
#include "http/route.h"

struct delete_state {
	struct scope scope;
	char id[UUID_STRLEN];
	const char *missing; /* the 404's detail when nothing went */
	int found; /* the customer is there and reachable */
	int deleted;
};

int
admin_only(struct http_request *req, struct ctx *c)
{
	switch (c->claims.role) {
	case ROLE_SUPERADMIN:
		return (1);
	case ROLE_ADMIN:
		return (auth_require_business(req, c));
	default:
		(void)reply_detail(req, 403, "Admin privileges required");
		return (0);
	}
}

void
row_object_json(const PGresult *res, int row, int col,
    const struct row_field *fields, int n, struct jsonw *w)
{
	int i;

	jsonw_open(w, '{');
	for (i = 0; i < n; i++) {
		jsonw_key(w, fields[i].key);
		if (PQgetisnull(res, row, col + i))
			jsonw_rawz(w, "null");
		else if (fields[i].number)
			jsonw_rawz(w, PQgetvalue(res, row, col + i));
		else
			jsonw_string(w, PQgetvalue(res, row, col + i));
	}
	jsonw_close(w, '}');
}

enum op_next
records_page_query(struct http_request *req, struct ctx *c, struct op_query *q,
    const char *sql)
{
	if (!customer_path_id(req, c) || !admin_only(req, c))
		return (OP_REPLIED);
	return (customer_page_query(req, c, q, sql));
}

void
records_page_rows(struct customer_page *st, const PGresult *res, int id_col,
    const struct row_field *fields, int n)
{
	int i, rows;

	rows = PQntuples(res);
	if (rows == 0 || st->found)
		return;
	st->found = 1;
	jsonw_open(&st->json, '[');
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, id_col))
			continue;
		jsonw_next(&st->json);
		row_object_json(res, i, 0, fields, n, &st->json);
	}
	jsonw_close(&st->json, ']');
}

enum op_next
records_delete_query(struct http_request *req, struct ctx *c,
    struct op_query *q, const struct record_delete *what)
{
	struct delete_state *st;
	char id[UUID_STRLEN];

	if (!customer_path_ids(req, c, what->key, id) || !admin_only(req, c))
		return (OP_REPLIED);
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = free;
	(void)memcpy(st->id, id, sizeof(st->id));
	st->missing = what->missing;
	customer_query(c, &st->scope, q, what->sql);
	q->nparams = 5;
	q->values[4] = st->id;
	return (OP_QUERY);
}

void
records_delete_rows(struct http_request *req, struct ctx *c,
    const PGresult *res)
{
	struct delete_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	st->deleted = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
}

enum op_next
records_delete_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st = c->state;

	if (!st->found)
		(void)reply_detail(req, 404, "Customer not found");
	else if (!st->deleted)
		(void)reply_detail(req, 404, st->missing);
	else
		(void)reply_no_content(req);
	return (OP_REPLIED);
}

int
records_collection(struct http_request *req, const struct op *create,
    const struct op *list)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	if (req->method == HTTP_METHOD_POST)
		return (op_run_write(req, create));
	return (op_run(req, list));
}

int
records_item(struct http_request *req, const struct op *del)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (op_run_write(req, del));
}
