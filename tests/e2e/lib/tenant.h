/*
 * The fixture of the tests of a customer's sub-resources (notes, tags): a
 * customer of a fresh business and an admin of that business, so that every
 * test owns its tenant; requests on a path template (tokens: tok_sub).
 */
#ifndef E2E_TENANT_H
#define E2E_TENANT_H

#include "http.h"
#include "uuid4.h"

struct tenant_fx {
	char biz[UUID_STR_LEN];
	char cid[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
	char sub[UUID_STR_LEN]; /* the admin */
	char *admin;
};

void tenant_init(struct tenant_fx *);
void tenant_free(struct tenant_fx *);
/* method on the path fmt % (a, b), with the token and JSON body if any */
struct http_resp *tenant_req(const char *, const char *, const char *,
    const char *, const char *, const char *);

#endif
