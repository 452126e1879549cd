/*
 * The paging every list under one customer shares (customer_page.h): the
 * state is allocated here and freed with the request.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model/xalloc.h"
#include "api/customer_page.h"
#include "api/customer_common.h"
#include "http/reply.h"
#include "http/route.h"

static struct customer_page *page_new(struct ctx *);
static int parse_keyset(struct http_request *, struct ctx *,
    struct customer_page *);
static void page_free(void *);

static struct customer_page *
page_new(struct ctx *c)
{
	struct customer_page *st;

	st = xcalloc(1, sizeof(*st));
	jsonw_init(&st->json);
	c->state = st;
	c->state_free = page_free;
	return (st);
}

enum op_next
customer_page_query(struct http_request *req, struct ctx *c, struct op_query *q,
    const char *sql)
{
	struct customer_page *st;

	st = page_new(c);
	if (!route_page(req, &st->page))
		return (OP_REPLIED);
	customer_query(c, &st->scope, q, sql);
	q->long_read = 1; /* up to QUERY_LIMIT_MAX rows, past skip ones */
	q->nparams = 6;
	q->values[4] = st->page.skip;
	q->values[5] = st->page.limit;
	return (OP_QUERY);
}

enum op_next
customer_page_keyset(struct http_request *req, struct ctx *c,
    struct op_query *q, const struct customer_keyset *list)
{
	struct customer_page *st;
	int i;

	st = page_new(c);
	st->list = list;
	if (!parse_keyset(req, c, st))
		return (OP_REPLIED);
	q->long_read = 1; /* up to QUERY_LIMIT_MAX rows, past skip ones */
	if (st->after.nkeys == 0) {
		customer_query(c, &st->scope, q, list->first);
		q->nparams = 6;
		q->values[4] = st->page.skip;
		q->values[5] = st->fetch;
		return (OP_QUERY);
	}
	customer_query(c, &st->scope, q, list->next);
	for (i = 0; i < st->after.nkeys; i++)
		q->values[4 + i] = st->after.keys[i];
	q->values[4 + i] = st->fetch;
	q->nparams = 5 + i;
	return (OP_QUERY);
}

/* skip and limit, then a cursor made for this customer: one 422. */
static int
parse_keyset(struct http_request *req, struct ctx *c, struct customer_page *st)
{
	const char *filters[1] = { c->customer_id };

	st->filters = cursor_fingerprint(st->list->kind, filters, 1);
	if (!route_page_after(req, &st->page, st->list->kind, st->filters,
		&st->after))
		return (0);
	if (st->page.limit_given)
		st->link_limit = st->page.limit;
	(void)snprintf(st->fetch, sizeof(st->fetch), "%ld",
	    strtol(st->page.limit, NULL, 10) + 1);
	return (1);
}

void
customer_page_next(struct customer_page *st, const char *const *keys)
{
	free(st->next);
	st->next = cursor_encode(st->list->kind, st->filters, keys);
}

enum op_next
customer_page_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	static const char *const names[1] = { "limit" };
	struct customer_page *st = c->state;
	char *link;

	if (customer_write_failed(req, st->found, &st->json))
		return (OP_REPLIED);
	if (st->next != NULL) {
		link =
		    cursor_link(req->path, names, &st->link_limit, 1, st->next);
		http_response_header(req, "link", link);
		free(link);
	}
	(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}

static void
page_free(void *arg)
{
	struct customer_page *st = arg;

	jsonw_free(&st->json);
	cursor_free(&st->after);
	free(st->next);
	free(st);
}
