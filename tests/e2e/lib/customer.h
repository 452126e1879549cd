/*
 * Customers as the tests need them: a valid create body, one created through
 * the API, and the checks every customer object must pass (docs/api.md).
 */
#ifndef E2E_CUSTOMER_H
#define E2E_CUSTOMER_H

#include <jansson.h>

#include "http.h"
#include "uuid4.h"

char *cust_body(const char *, const char *, const char *);
void cust_create(const char *, char[UUID_STR_LEN], char[UUID_STR_LEN]);
/* A customer for (user_id, business_id), created through the API: id. */
void cust_create_for(const char *, const char *, char[UUID_STR_LEN]);
void expect_customer(const json_t *);
/* status, JSON, the module's headers, a customer (with this id unless
 * NULL): the parsed body, which the caller frees */
json_t *expect_customer_resp(const struct http_resp *, int, const char *);

#define TS_RE \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}" \
	"\\.[0-9]{6}Z$"

#endif
