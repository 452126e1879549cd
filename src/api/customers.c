/*
 * Dispatch of the customer routes by method (a JSON 405 with Allow
 * otherwise) to one file per method. The checks they share are
 * customer_common.c's.
 */
#include "api/customer_create.h"
#include "api/customer_delete.h"
#include "api/customer_get.h"
#include "api/customer_list.h"
#include "api/customer_patch.h"
#include "http/ctx.h"
#include "http/route.h"

int h_customers(struct http_request *);
int h_customer(struct http_request *);

int
h_customers(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	if (req->method == HTTP_METHOD_POST)
		return (customer_create(req));
	return (customer_list(req));
}

int
h_customer(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	switch (req->method) {
	case HTTP_METHOD_PATCH:
		return (customer_patch(req));
	case HTTP_METHOD_DELETE:
		return (customer_delete(req));
	default:
		return (customer_get(req));
	}
}
