/* Customer routes: the handlers named in conf/bee_customers.conf. */
#ifndef BEE_CUSTOMERS_H
#define BEE_CUSTOMERS_H

#include <kore/kore.h>
#include <kore/http.h>

#include "customer_input.h"

int h_customers(struct http_request *req);
int h_customer(struct http_request *req);

int customer_create(struct http_request *req);
int customer_get(struct http_request *req);

/* The config's v_phone validator, for customer_input. */
extern struct phone_rule customer_phone_rule;

#endif
