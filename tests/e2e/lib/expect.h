/*
 * Assertions about responses, worded as the contract (docs/api.md) words
 * them: the module's headers on every answer, {"detail":"..."} bodies byte
 * for byte, and 422 items found by their loc.
 */
#ifndef E2E_EXPECT_H
#define E2E_EXPECT_H

#include <jansson.h>

#include "http.h"

json_t *resp_json(const struct http_resp *);
const char *json_str(const json_t *, const char *);

void expect_status(const struct http_resp *, int);
void expect_json_ct(const struct http_resp *);
void expect_module_headers(const struct http_resp *);
void expect_detail(const struct http_resp *, int, const char *);
void expect_body(const struct http_resp *, const char *);
/* expect_detail, then frees the response */
void expect_detail_and_free(struct http_resp *, int, const char *);
/* 405 "Method Not Allowed" with this Allow header, then frees the response */
void expect_405_and_free(struct http_resp *, const char *);
/* an object (what names it in messages) with exactly these keys, in this
 * order (a NULL-ended list) */
void expect_key_order(const json_t *, const char *const *, const char *);
/* GET /healthcheck answers 200: the worker survived what came before. */
void expect_still_serving(void);

json_t *expect_422(const struct http_resp *);
json_t *expect_item(json_t *, const char *, const char *, const char *);
void expect_item_msg_prefix(json_t *, const char *, const char *, const char *);
size_t items_count(json_t *);
/* exactly n items, at these locs (JSON arrays), in this order */
void expect_item_locs(json_t *, const char *const *, size_t);
/* 422 with one item: the path's customer_id is not a UUID; frees r */
void expect_bad_path_id(struct http_resp *);

int str_matches(const char *, const char *);

#endif
