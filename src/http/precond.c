/*
 * The HTTP side of conditional requests (precond.h): a field read from
 * every line of it, the replies 304, 412 and 428. The tags themselves are
 * model/etag.c's; the comparison that guards a write is in the write's
 * statement, on the row it locks, so that no other write slips between
 * the check and the change.
 */
#include <stdlib.h>
#include <string.h>

#include "http/precond.h"
#include "http/reply.h"
#include "infra/settings.h"
#include "model/xalloc.h"

static void read_field(struct http_request *, const char *, enum etag_compare,
    struct etag_cond *);

/* Every line of the field, joined by ", " as one list (RFC 9110 5.3). */
static void
read_field(struct http_request *req, const char *name, enum etag_compare cmp,
    struct etag_cond *out)
{
	struct http_header *h;
	char *joined = NULL;
	size_t len = 0, n;

	TAILQ_FOREACH(h, &req->req_headers, list) {
		if (strcasecmp(h->header, name) != 0)
			continue;
		n = strlen(h->value);
		joined = xrealloc(joined, len + n + 3);
		if (len > 0) {
			(void)memcpy(joined + len, ", ", 2);
			len += 2;
		}
		(void)memcpy(joined + len, h->value, n + 1);
		len += n;
	}
	etag_cond_parse(joined, cmp, out);
	free(joined);
}

void
precond_if_none_match(struct http_request *req, struct etag_cond *inm)
{
	read_field(req, "if-none-match", ETAG_WEAK, inm);
}

int
precond_if_match(struct http_request *req, struct etag_cond *im)
{
	read_field(req, "if-match", ETAG_STRONG, im);
	if (!im->present && settings.require_if_match) {
		(void)reply_detail(req, 428, "Precondition Required");
		return (0);
	}
	return (1);
}

void
precond_etag(struct http_request *req, const char *etag)
{
	if (etag[0] != '\0')
		http_response_header(req, "etag", etag);
}

int
precond_not_modified(struct http_request *req, const struct etag_cond *inm,
    const char *version, const char *etag)
{
	if (etag[0] == '\0' || !etag_cond_matches(inm, version))
		return (0);
	precond_etag(req, etag);
	(void)reply_not_modified(req);
	return (1);
}

int
precond_failed(struct http_request *req)
{
	return (reply_detail(req, 412, "Precondition Failed"));
}
