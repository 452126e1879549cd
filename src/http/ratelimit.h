/*
 * The PATCH rate limit (design.md section 7): CUSTOMER_PATCH_RATE, a fixed
 * window from the first hit, counted in Redis under
 * rl:patch:<sub>:<customer uuid> by one Lua script; if Redis does not
 * answer within 50 ms, this worker's own window decides.
 */
#ifndef BEE_RATELIMIT_H
#define BEE_RATELIMIT_H

#include "http/op.h"

/* An op gate: OP_QUERY (allowed), OP_REPLIED (429 sent) or OP_SLEEP. */
enum op_next ratelimit_patch_gate(struct http_request *req, struct ctx *c);

#endif
