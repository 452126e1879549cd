/* JSON request bodies: size limit, UTF-8, parsing, the matching replies. */
#ifndef BEE_BODY_H
#define BEE_BODY_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "model/problems.h"

/* JSON routes accept bodies up to this size (413 JSON above it). */
#define JSON_BODY_MAX (64 * 1024)

/*
 * Reads and parses the body. 1 and *out (owned by the caller) when it is
 * JSON; 1 and *out == NULL with an item in p (missing body, bad JSON);
 * 0 after a reply was sent (413, 400 for invalid UTF-8).
 */
int body_json(struct http_request *req, struct problems *p, json_t **out);

#endif
