/*
 * GET /customers: a business's customers (superadmin: any or all), with
 * an optional search over name, email and phone (case-insensitive, `%`
 * and `_` literal), ordered by full_name then id, paged by skip and
 * limit or by cursor: a page followed by more rows has a Link to the
 * next one (model/cursor.h; the row after the page is fetched to know).
 * The statements and their indexes: api/customer_search.h.
 */
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/body.h"
#include "model/cursor.h"
#include "model/customer_row.h"
#include "api/customer_search.h"
#include "api/customer_list.h"
#include "http/op.h"
#include "model/query.h"
#include "http/reply.h"
#include "model/utf8.h"
#include "model/xalloc.h"

#define SEARCH_MIN 3

#define LIST_SQL(rest) "SELECT " CUSTOMER_COLUMNS " FROM customers c" rest

/* One business (its admin, or a superadmin naming it). */
static const char sql_list[] = LIST_SQL(CUSTOMER_SEARCH_BUSINESS_PAGE);

/* Every business: a superadmin without business_id. */
static const char sql_list_all[] =
    LIST_SQL(CUSTOMER_SEARCH_WHERE CUSTOMER_SEARCH_PAGE);

/* The same after a cursor. */
static const char sql_next[] = LIST_SQL(CUSTOMER_SEARCH_BUSINESS_NEXT);
static const char sql_next_all[] =
    LIST_SQL(CUSTOMER_SEARCH_WHERE CUSTOMER_SEARCH_NEXT);

/* In CUSTOMER_COLUMNS: the sort key. */
enum { COL_FULL_NAME = 0, COL_ID = 5 };

struct list_state {
	char business[UUID_STRLEN];
	int has_business;
	char *pattern; /* %term% with \ % _ escaped, owned */
	struct query_page page;
	struct jsonw json;
	int count;
	/* paging by cursor */
	long limit;
	char fetch[24]; /* limit + 1 */
	struct cursor after; /* the request's cursor, if any */
	uint64_t filters; /* their fingerprint */
	const char *link_names[3]; /* the Link's parameters */
	char *link_values[3]; /* owned */
	char *last_name; /* the page's last row, once it has limit rows */
	char last_id[UUID_STRLEN];
	int more; /* a row follows the page */
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
static void keep_link_params(struct list_state *, const char *, const char *);
static void link_next(struct http_request *, struct list_state *);
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
	int i;

	for (i = 0; i < 3; i++)
		free(st->link_values[i]);
	free(st->last_name);
	cursor_free(&st->after);
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

	q->long_read = 1; /* up to 500 rows, or a search */
	q->values[0] = st->has_business ? st->business : NULL;
	q->values[1] = st->pattern;
	if (st->after.nkeys == 0) {
		q->sql = st->has_business ? sql_list : sql_list_all;
		q->nparams = 4;
		q->values[2] = st->page.skip;
		q->values[3] = st->fetch;
	} else {
		q->sql = st->has_business ? sql_next : sql_next_all;
		q->nparams = 5;
		q->values[2] = st->after.keys[0];
		q->values[3] = st->after.keys[1];
		q->values[4] = st->fetch;
	}
	return (OP_QUERY);
}

/*
 * skip, limit, business_id, query, search: the original's order; then
 * cursor, made for the same business and term.
 */
static int
parse_query(struct http_request *req, struct list_state *st)
{
	struct problems p;
	struct query qs;
	const char *v, *term, *alias, *filters[2];

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
	filters[0] = st->has_business ? st->business : NULL;
	filters[1] = term != NULL ? term : alias;
	st->filters = cursor_fingerprint(CURSOR_CUSTOMERS, filters, 2);
	(void)cursor_param(&p, &qs, CURSOR_CUSTOMERS, st->filters, &st->after);

	if (!request_checked(req, &p)) {
		query_free(&qs);
		return (0);
	}
	st->limit = strtol(st->page.limit, NULL, 10);
	(void)snprintf(st->fetch, sizeof(st->fetch), "%ld", st->limit + 1);
	keep_link_params(st, term != NULL ? "query" : "search", filters[1]);
	if (filters[1] != NULL)
		st->pattern = like_pattern(filters[1]);
	query_free(&qs);
	return (1);
}

/* The filters as the request named them, and its limit if it gave one. */
static void
keep_link_params(struct list_state *st, const char *term_name, const char *term)
{
	st->link_names[0] = "business_id";
	st->link_names[1] = term_name;
	st->link_names[2] = "limit";
	if (st->has_business)
		st->link_values[0] = xstrdup(st->business);
	if (term != NULL)
		st->link_values[1] = xstrdup(term);
	if (st->page.limit_given)
		st->link_values[2] = xstrdup(st->page.limit);
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
		if (st->count == st->limit) {
			st->more = 1; /* the row after the page */
			break;
		}
		if (st->count++ == 0)
			jsonw_raw(&st->json, "[", 1);
		else
			jsonw_raw(&st->json, ",", 1);
		customer_row_json(res, i, 0, &st->json);
		if (st->count == st->limit) {
			st->last_name =
			    xstrdup(PQgetvalue(res, i, COL_FULL_NAME));
			(void)snprintf(st->last_id, sizeof(st->last_id), "%s",
			    PQgetvalue(res, i, COL_ID));
		}
	}
}

/* Link: the next page, same path and filters, the last row's cursor. */
static void
link_next(struct http_request *req, struct list_state *st)
{
	const char *keys[2] = { st->last_name, st->last_id };
	char *cursor, *link;

	if (!st->more || st->last_name == NULL)
		return;
	cursor = cursor_encode(CURSOR_CUSTOMERS, st->filters, keys);
	link = cursor_link(req->path, st->link_names,
	    (const char *const *)st->link_values, 3, cursor);
	http_response_header(req, "link", link);
	free(link);
	free(cursor);
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct list_state *st = c->state;

	if (st->count == 0)
		jsonw_raw(&st->json, "[", 1);
	jsonw_raw(&st->json, "]", 1);
	if (st->json.failed) {
		(void)reply_detail(req, 500, "Internal Server Error");
	} else {
		link_next(req, st);
		(void)reply_json(req, 200, st->json.buf, st->json.len);
	}
	return (OP_REPLIED);
}
