/*
 * The fixture of the tests of a customer's sub-resources (notes, tags): a
 * customer of a fresh business and an admin of that business, so that every
 * test owns its tenant; requests on a path template (tokens: tok_sub).
 */
#ifndef E2E_TENANT_H
#define E2E_TENANT_H

#include <stddef.h>

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
/* POST body, GET, and DELETE the item id on /customers/<cid>/<res> (res:
 * "notes", "tags") as tok: each answers status with detail */
/* DELETE /customers/bad/<res>/worse as the admin: 422 with two items,
 * customer_id then id_name (both uuid_parsing, their inputs) */
void tenant_delete_bad_ids(const struct tenant_fx *, const char *,
    const char *);
void tenant_routes(const char *res, const char *cid, const char *id,
    const char *body, const char *tok, int status, const char *detail);
/* POST the body on the path fmt % cid as the admin (201), then GET it: a
 * list of n items (200) */
void tenant_post_and_list(struct tenant_fx *, const char *, const char *,
    size_t);

/* Every route of a resource as the token: the status and detail each
 * answers; then nothing has changed. */
typedef void (
    *tenant_routes_fn)(struct tenant_fx *, const char *, int, const char *);
/* The routes on a fresh tenant as each role that may not use them: the
 * customer themselves (both role names) and a user of the business
 * (internal, courier, collaborator): 403 "Admin privileges required"; an
 * admin with no business: 403 "Token has no business". */
void tenant_roles_that_may_not(tenant_routes_fn);

#endif
