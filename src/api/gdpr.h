/*
 * The GDPR routes (design.md section 5): export (GET
 * /customers/{id}/export, POST /gdpr/export) in gdpr.c, erasure (POST
 * /gdpr/delete) in gdpr_delete.c, and the checks they share.
 */
#ifndef BEE_GDPR_H
#define BEE_GDPR_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/ctx.h"
#include "model/uuid.h"

/* The body of the /gdpr forms, the original's GDPRRequest. */
struct gdpr_request {
	char user_id[UUID_STRLEN];
	char business_id[UUID_STRLEN];
};

/*
 * Reads and checks {user_id, business_id} (both required UUIDs): 1, or 0
 * after a reply (422 items, 400, 413).
 */
int gdpr_request_read(struct http_request *req, struct gdpr_request *out);

/*
 * Export and erasure are for the person and the business's admins:
 * self, admin, superadmin. Internal services and other roles get 403
 * "Customer or admin role required" (admins without a business: "Token
 * has no business"). 1, or 0 after the reply.
 */
int gdpr_role_check(struct http_request *req, struct ctx *c);

#endif
