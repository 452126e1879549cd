/*
 * The PATCH rate limit (docs/api.md, rate limit): CUSTOMER_PATCH_RATE, a fixed
 * window from the first hit, counted in Redis under
 * rl:patch:<sub>:<customer uuid> by one Lua script; if Redis does not
 * answer within 50 ms, this worker's own window decides. Redis's verdict
 * adds the RateLimit and RateLimit-Policy fields to the response.
 */
#ifndef BEE_RATELIMIT_H
#define BEE_RATELIMIT_H

#include "http/op.h"

/*
 * An op gate: OP_QUERY (allowed), OP_REPLIED (429 sent) or OP_SLEEP; the
 * fields, when any, are added before OP_QUERY and OP_REPLIED.
 */
enum op_next ratelimit_patch_gate(struct http_request *req, struct ctx *c);

#endif
