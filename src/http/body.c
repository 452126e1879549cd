/*
 * Request bodies for JSON routes. Kore buffers the whole body before the
 * handler runs (in memory, or in a temporary file past
 * http_body_disk_offload); http_body_read reads either.
 */
#include <stdlib.h>

#include "http/body.h"
#include "http/reply.h"

int
body_json(struct http_request *req, struct problems *p, json_t **out)
{
	unsigned char *data;
	size_t len;
	ssize_t n;
	int rc;

	*out = NULL;
	if (req->http_body_length > JSON_BODY_MAX) {
		(void)reply_detail(req, 413, "Request body too large");
		return (0);
	}
	len = 0;
	data = NULL;
	if (req->http_body_length > 0) {
		if ((data = malloc(req->http_body_length)) == NULL) {
			(void)reply_detail(req, 500, "Internal Server Error");
			return (0);
		}
		while (len < req->http_body_length) {
			n = http_body_read(req, data + len,
			    req->http_body_length - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
	}

	rc = 1;
	switch (body_parse(data, len, p, out)) {
	case BODY_OK:
	case BODY_INVALID_JSON:
		break;
	case BODY_MISSING:
		problems_add(p, "missing", problem_loc("body", NULL),
		    "Field required", NULL, NULL);
		break;
	case BODY_BAD_UTF8:
		(void)reply_detail(req, 400,
		    "There was an error parsing the body");
		rc = 0;
		break;
	}
	free(data);
	return (rc);
}
