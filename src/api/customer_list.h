/* GET /customers (customer_list.c), dispatched by customers.c. */
#ifndef BEE_CUSTOMER_LIST_H
#define BEE_CUSTOMER_LIST_H

#include <kore/kore.h>
#include <kore/http.h>

int customer_list(struct http_request *req);

#endif
