/*
 * PATCH /customers/{customer_id} (customer_patch.c), dispatched by
 * customers.c.
 */
#ifndef BEE_CUSTOMER_PATCH_H
#define BEE_CUSTOMER_PATCH_H

#include <kore/kore.h>
#include <kore/http.h>

int customer_patch(struct http_request *req);

#endif
