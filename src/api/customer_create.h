/* POST /customers (customer_create.c), dispatched by customers.c. */
#ifndef BEE_CUSTOMER_CREATE_H
#define BEE_CUSTOMER_CREATE_H

#include <kore/kore.h>
#include <kore/http.h>

int customer_create(struct http_request *req);

#endif
