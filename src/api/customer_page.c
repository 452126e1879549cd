/*
 * The paging every list under one customer shares (customer_page.h): the
 * state is allocated here and freed with the request.
 */
#include <stdlib.h>

#include "model/xalloc.h"
#include "api/customer_page.h"
#include "api/customer_common.h"
#include "http/route.h"

static void page_free(void *);

enum op_next
customer_page_query(struct http_request *req, struct ctx *c, struct op_query *q,
    const char *sql)
{
	struct customer_page *st;

	st = xcalloc(1, sizeof(*st));
	jsonw_init(&st->json);
	c->state = st;
	c->state_free = page_free;
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
customer_page_done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct customer_page *st = c->state;

	return (customer_reply(req, st->found, &st->json));
}

static void
page_free(void *arg)
{
	struct customer_page *st = arg;

	jsonw_free(&st->json);
	free(st);
}
