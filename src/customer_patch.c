/* PLACEHOLDER: being written (issue 5). */
#include "customers.h"
#include "reply.h"

int
customer_patch(struct http_request *req)
{
	return (reply_detail(req, 501, "Not Implemented"));
}
