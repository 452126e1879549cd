/*
 * A page of something a customer has (tags, notes, orders, appointments):
 * the request's state, its statement with the page's skip and limit, and
 * the reply. The handlers that page (history.c, tags.c, notes.c) differ
 * only in their SQL, their roles and how they write a row.
 */
#ifndef BEE_CUSTOMER_PAGE_H
#define BEE_CUSTOMER_PAGE_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/access.h"
#include "http/ctx.h"
#include "model/jsonw.h"
#include "http/op.h"
#include "model/query.h"

struct customer_page {
	struct scope scope;
	struct query_page page;
	int found; /* the customer is there and reachable */
	struct jsonw json; /* the reply's body, once found */
};

/*
 * Once c->customer_id is set and the caller's role checked: c->state
 * becomes a customer_page and q the statement sql, with $1 the customer,
 * $2-$4 the caller's scope (customer_query) and $5, $6 the skip and limit.
 * OP_QUERY, or OP_REPLIED after a 422 (or 400) for skip or limit.
 */
enum op_next customer_page_query(struct http_request *req, struct ctx *c,
    struct op_query *q, const char *sql);
/* The op's done step: customer_reply of the page's JSON. */
enum op_next customer_page_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

#endif
