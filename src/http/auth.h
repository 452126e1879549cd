/*
 * The `jwt` authentication block's validator, and the role rules every
 * handler applies after it (design.md section 3).
 */
#ifndef BEE_AUTH_H
#define BEE_AUTH_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/ctx.h"

int v_jwt(struct http_request *req, const void *data);

/* Admins need a business in their token: 403 Token has no business. */
int auth_require_business(struct http_request *req, struct ctx *c);

#endif
