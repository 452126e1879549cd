/*
 * JSON request bodies: size limit, UTF-8, parsing, the matching replies;
 * and the 422 that ends a request's checks (path, query, body).
 */
#ifndef BEE_BODY_H
#define BEE_BODY_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "http/ctx.h"
#include "model/problems.h"

/* JSON routes accept bodies up to this size (413 JSON above it). */
#define JSON_BODY_MAX (64 * 1024)

/*
 * Reads and parses the body. 1 and *out (owned by the caller) when it is
 * JSON; 1 and *out == NULL with an item in p (missing body, bad JSON);
 * 0 after a reply was sent (413, 400 for invalid UTF-8).
 */
int body_json(struct http_request *req, struct problems *p, json_t **out);
/*
 * The start of a write's checks: initializes p, then, when c is not NULL,
 * checks the customer id of /customers/{customer_id}/... (canonical in
 * c->customer_id, else empty with its item in p, so that every 422 item
 * comes in one reply), then body_json. 0 after a reply (p freed then).
 */
int body_read(struct http_request *req, struct ctx *c, struct problems *p,
    json_t **out);
/*
 * The end of a request's checks: 1 when p holds no item; else 0 after the
 * 422 that lists them. p is freed either way.
 */
int request_checked(struct http_request *req, struct problems *p);

#endif
