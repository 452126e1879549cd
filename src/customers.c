/*
 * Dispatch of the customer routes: the method (JSON 405 with Allow) and
 * the path's id, then the handler of that operation.
 */
#include <string.h>

#include "customers.h"
#include "reply.h"
#include "route.h"

static int phone_matches(const char *);

/* pattern: the v_phone regex, filled in at start-up (service.c) */
struct phone_rule customer_phone_rule = { phone_matches, "" };

static int
phone_matches(const char *phone)
{
	return (kore_validator_run(NULL, "v_phone", (char *)(uintptr_t)phone) ==
	    KORE_RESULT_OK);
}

int
h_customers(struct http_request *req)
{
	struct ctx *c;

	if (req->fsm_state == 0) {
		if (!route_begin(req, "/customers", HTTP_METHOD_POST, "POST",
			&c))
			return (KORE_RESULT_OK);
	}
	return (customer_create(req));
}

int
h_customer(struct http_request *req)
{
	struct ctx *c;

	if (req->fsm_state == 0) {
		if (!route_begin(req, "/customers/{customer_id}",
			HTTP_METHOD_GET, "GET", &c))
			return (KORE_RESULT_OK);
	}
	return (customer_get(req));
}
