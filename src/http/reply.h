/*
 * Every response the module sends goes through here: JSON body, Date,
 * X-Trace-Id, CORS headers, and one log line.
 */
#ifndef BEE_REPLY_H
#define BEE_REPLY_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "model/problems.h"

/* Parses CORS_ORIGINS once per process. */
void reply_init(const char *cors_origins);

int reply_json(struct http_request *req, int status, const char *body,
    size_t len);
/* Any other body (an avatar image), with the same headers and log line. */
int reply_body(struct http_request *req, int status, const char *content_type,
    const void *body, size_t len);
/*
 * A body sent in parts (stream.c): the status and headers now, with
 * `transfer-encoding: chunked` when chunked; from then on a failure
 * cannot be a reply any more, and any reply_* closes the connection
 * instead (the client sees a body cut short). Then, once the body is
 * sent, its log line and metrics (len bytes).
 */
void reply_stream_headers(struct http_request *req, int status, int chunked);
void reply_stream_finish(struct http_request *req, int status, size_t len);
/* Steals doc. */
int reply_doc(struct http_request *req, int status, json_t *doc);
int reply_detail(struct http_request *req, int status, const char *detail);
int reply_problems(struct http_request *req, struct problems *p);
int reply_no_content(struct http_request *req);
/* 304 Not Modified, with the headers the caller set (its ETag). */
int reply_not_modified(struct http_request *req);
int reply_not_allowed(struct http_request *req, const char *allow);
/*
 * A CORS preflight, as the original's Starlette middleware answered it. An
 * OPTIONS that is not one reaches the route as any other method does: 405
 * with the route's methods in allow, or 404 where no route matched (allow
 * NULL).
 */
int reply_preflight(struct http_request *req, const char *allow);

const char *method_name(int method);

#endif
