/*
 * A page of something a customer has (tags, notes, orders, appointments):
 * the request's state, its statement with the page's skip and limit, and
 * the reply. The handlers that page (history.c, tags.c, notes.c) differ
 * only in their SQL, their roles and how they write a row. Orders and
 * appointments also page by cursor (customer_page_keyset).
 */
#ifndef BEE_CUSTOMER_PAGE_H
#define BEE_CUSTOMER_PAGE_H

#include <kore/kore.h>
#include <kore/http.h>
#include <libpq-fe.h>

#include "http/access.h"
#include "http/ctx.h"
#include "model/cursor.h"
#include "model/jsonw.h"
#include "http/op.h"
#include "model/query.h"

struct customer_page {
	struct scope scope;
	struct query_page page;
	int found; /* the customer is there and reachable */
	struct jsonw json; /* the reply's body, once found */
	/* paging by cursor (customer_page_keyset) */
	const struct customer_keyset *list;
	char fetch[24]; /* limit + 1 */
	const char *link_limit; /* the request's limit, or NULL */
	uint64_t filters; /* the fingerprint of the customer's id */
	struct cursor after; /* the request's cursor, if any */
	char *next; /* the next page's cursor, owned; NULL: none */
};

/*
 * A list that pages by cursor as well: its kind of cursor, the statement
 * of a first page (skip) and of a page after a cursor.
 */
struct customer_keyset {
	enum cursor_kind kind;
	const char *first; /* customer_page_query's, with $6 limit + 1 */
	const char *next; /* $5.. the cursor's keys, then limit + 1 */
};

/*
 * Once c->customer_id is set and the caller's role checked: c->state
 * becomes a customer_page and q the statement sql, with $1 the customer,
 * $2-$4 the caller's scope (customer_query) and $5, $6 the skip and limit.
 * OP_QUERY, or OP_REPLIED after a 422 (or 400) for skip or limit.
 */
enum op_next customer_page_query(struct http_request *req, struct ctx *c,
    struct op_query *q, const char *sql);
/*
 * The same with a cursor too (item ["query","cursor"], made for this
 * customer): list->first with $6 one more row than the page, or
 * list->next after the cursor's keys. The rows step sees whether that
 * row came, and if so calls customer_page_next with the page's last
 * row's keys.
 */
enum op_next customer_page_keyset(struct http_request *req, struct ctx *c,
    struct op_query *q, const struct customer_keyset *list);
void customer_page_next(struct customer_page *st, const char *const *keys);
/*
 * The op's done step: customer_reply of the page's JSON, with a Link to
 * the next page when there is one.
 */
enum op_next customer_page_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

#endif
