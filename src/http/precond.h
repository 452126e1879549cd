/*
 * Conditional requests on one customer (docs/api.md, "Conditional
 * requests"): the ETag of a response, If-None-Match on a read (304), and
 * If-Match on a write, which the write's own statement compares with the
 * row it locks (412); REQUIRE_IF_MATCH makes If-Match mandatory (428).
 */
#ifndef BEE_PRECOND_H
#define BEE_PRECOND_H

#include <kore/kore.h>
#include <kore/http.h>

#include "model/etag.h"

/* The request's If-None-Match (every line of it) into *inm. */
void precond_if_none_match(struct http_request *req, struct etag_cond *inm);

/*
 * The request's If-Match into *im: 1, or 0 after a 428 Precondition
 * Required when it is absent and REQUIRE_IF_MATCH is on.
 */
int precond_if_match(struct http_request *req, struct etag_cond *im);

/* The response's ETag header: the customer's, as etag_format made it. */
void precond_etag(struct http_request *req, const char *etag);

/*
 * A read whose If-None-Match names version: 304 with the ETag and no
 * body was sent (1); else 0.
 */
int precond_not_modified(struct http_request *req, const struct etag_cond *inm,
    const char *version, const char *etag);

/* 412 Precondition Failed: a write's If-Match named another version. */
int precond_failed(struct http_request *req);

#endif
