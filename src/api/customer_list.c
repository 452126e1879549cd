/*
 * GET /customers: a business's customers (superadmin: any or all), with
 * an optional search over name, email and phone (case-insensitive, `%`
 * and `_` literal), ordered by full_name then id, paged by skip and
 * limit. The two statements and their indexes: api/customer_search.h.
 */
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/body.h"
#include "model/customer_row.h"
#include "api/customer_search.h"
#include "api/customer_list.h"
#include "http/op.h"
#include "model/query.h"
#include "http/reply.h"
#include "model/utf8.h"
#include "model/xalloc.h"

#define SEARCH_MIN 3

/* One business (its admin, or a superadmin naming it). */
static const char sql_list[] =
    "SELECT " CUSTOMER_COLUMNS
    " FROM customers c" CUSTOMER_SEARCH_BUSINESS_PAGE;

/* Every business: a superadmin without business_id. */
static const char sql_list_all[] =
    "SELECT " CUSTOMER_COLUMNS
    " FROM customers c" CUSTOMER_SEARCH_WHERE CUSTOMER_SEARCH_PAGE;

struct list_state {
	char business[UUID_STRLEN];
	int has_business;
	char *pattern; /* %term% with \ % _ escaped, owned */
	struct query_page page;
	struct jsonw json;
	int count;
};

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static int parse_query(struct http_request *, struct list_state *);
static int check_term(struct problems *, const struct query *, const char *,
    const char **);
static int may_list(struct http_request *, struct ctx *, struct list_state *);
static char *like_pattern(const char *);
static void state_free(void *);

static const struct op op_list = { prepare, NULL, rows, done };

int
customer_list(struct http_request *req)
{
	return (op_run(req, &op_list));
}

static void
state_free(void *arg)
{
	struct list_state *st = arg;

	free(st->pattern);
	jsonw_free(&st->json);
	free(st);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct list_state *st;

	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = state_free;
	jsonw_init(&st->json);
	if (!parse_query(req, st) || !may_list(req, c, st))
		return (OP_REPLIED);

	q->sql = st->has_business ? sql_list : sql_list_all;
	q->long_read = 1; /* up to 500 rows, or a search */
	q->nparams = 4;
	q->values[0] = st->has_business ? st->business : NULL;
	q->values[1] = st->pattern;
	q->values[2] = st->page.skip;
	q->values[3] = st->page.limit;
	return (OP_QUERY);
}

/* skip, limit, business_id, query, search: the original's order. */
static int
parse_query(struct http_request *req, struct list_state *st)
{
	struct problems p;
	struct query qs;
	const char *v, *term, *alias;

	problems_init(&p);
	if (query_parse(req->query_string, &qs) == -1) {
		problems_free(&p);
		(void)reply_detail(req, 400, "Too many query parameters");
		return (0);
	}
	(void)query_page(&p, &qs, &st->page);
	if ((v = query_get(&qs, "business_id")) != NULL &&
	    check_uuid(&p, "query", "business_id", v, st->business))
		st->has_business = 1;
	(void)check_term(&p, &qs, "query", &term);
	(void)check_term(&p, &qs, "search", &alias);

	if (!request_checked(req, &p)) {
		query_free(&qs);
		return (0);
	}
	if (term == NULL)
		term = alias;
	if (term != NULL)
		st->pattern = like_pattern(term);
	query_free(&qs);
	return (1);
}

/* query and its alias search: at least three characters. */
static int
check_term(struct problems *p, const struct query *qs, const char *name,
    const char **out)
{
	json_t *input;
	char msg[64];

	*out = query_get(qs, name);
	if (*out == NULL || utf8_length(*out, strlen(*out)) >= SEARCH_MIN)
		return (1);
	(void)snprintf(msg, sizeof(msg),
	    "String should have at least %d characters", SEARCH_MIN);
	input = xjson(json_string(*out));
	problems_add(p, "string_too_short", problem_loc("query", name), msg,
	    input, xjson(json_pack("{s:i}", "min_length", SEARCH_MIN)));
	json_decref(input);
	*out = NULL;
	return (0);
}

/* Admins list one of their businesses; superadmins any, or all. */
static int
may_list(struct http_request *req, struct ctx *c, struct list_state *st)
{
	struct problems p;

	switch (c->claims.role) {
	case ROLE_SUPERADMIN:
		return (1);
	case ROLE_ADMIN:
		if (!auth_require_business(req, c))
			return (0);
		if (!st->has_business) {
			problems_init(&p);
			problems_add(&p, "missing",
			    problem_loc("query", "business_id"),
			    "Field required", NULL, NULL);
			(void)reply_problems(req, &p);
			problems_free(&p);
			return (0);
		}
		if (claims_has_business(&c->claims, st->business))
			return (1);
		break;
	default:
		break;
	}
	(void)reply_detail(req, 403, "Admin privileges required");
	return (0);
}

/* A substring match where the term's %, _ and \ stand for themselves. */
static char *
like_pattern(const char *term)
{
	char *out;
	size_t i, o;

	out = xmalloc(strlen(term) * 2 + 3);
	o = 0;
	out[o++] = '%';
	for (i = 0; term[i] != '\0'; i++) {
		if (term[i] == '%' || term[i] == '_' || term[i] == '\\')
			out[o++] = '\\';
		out[o++] = term[i];
	}
	out[o++] = '%';
	out[o] = '\0';
	return (out);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct list_state *st = c->state;
	int i, n;

	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (st->count++ == 0)
			jsonw_raw(&st->json, "[", 1);
		else
			jsonw_raw(&st->json, ",", 1);
		customer_row_json(res, i, 0, &st->json);
	}
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct list_state *st = c->state;

	if (st->count == 0)
		jsonw_raw(&st->json, "[", 1);
	jsonw_raw(&st->json, "]", 1);
	if (st->json.failed)
		(void)reply_detail(req, 500, "Internal Server Error");
	else
		(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
