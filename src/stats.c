/* PLACEHOLDER: being written (issue 5); answers 501 until then. */
#include "reply.h"

int h_stats(struct http_request *);

int
h_stats(struct http_request *req)
{
	return (reply_detail(req, 501, "Not Implemented"));
}
