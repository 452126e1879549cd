/*
 * What every route about one customer shares (customer_common.c): its id
 * from the path, the roles that may ask, its statement scoped to the
 * caller, the reply of a read, and the file a write detaches.
 */
#ifndef BEE_CUSTOMER_COMMON_H
#define BEE_CUSTOMER_COMMON_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/ctx.h"
#include "http/op.h"
#include "model/customer_input.h"
#include "model/jsonw.h"

struct scope;

/*
 * For every route about one customer: the id of /customers/{id}/... in
 * c->customer_id (else a 422 was sent), and the roles that may ask at all
 * (else a 403 was sent: "Customer or admin role required", or "Token has
 * no business" for an admin token without one).
 */
int customer_path_id(struct http_request *req, struct ctx *c);
/*
 * For /customers/{customer_id}/<things>/{<key>}: both ids, the customer's
 * in c->customer_id and the other in id (none when key is NULL); else a
 * 422 with an item for each bad one was sent.
 */
int customer_path_ids(struct http_request *req, struct ctx *c, const char *key,
    char id[UUID_STRLEN]);
int customer_role_check(struct http_request *req, struct ctx *c);
/*
 * q becomes sql with $1 the customer's id (c->customer_id) and $2-$4 the
 * caller's scope, put in *scope (which must outlive the statement).
 */
void customer_query(struct ctx *c, struct scope *scope, struct op_query *q,
    const char *sql);

/*
 * For the settle hook (db.h) of a statement that may stop referencing an
 * uploaded file (a new avatar_url, an erasure) and returns it in column
 * col of its one row: once committed, the file is removed. Runs whether
 * or not the client is still there; an unknown outcome (res NULL) keeps
 * the file and says so in the log.
 */
void customer_file_detached(const PGresult *res, int col, const char *trace_id);

/*
 * The reply of a read about one customer: 404 Customer not found when out
 * of reach, 500 when its JSON could not be built, else 200 with it.
 */
enum op_next customer_reply(struct http_request *req, int found,
    const struct jsonw *json);
/*
 * The failures of a write about one customer: 404 Customer not found when
 * out of reach, 500 when its JSON could not be built (1: replied); 0 when
 * the write's own reply is to be sent.
 */
int customer_write_failed(struct http_request *req, int found,
    const struct jsonw *json);

/* The config's v_phone validator, for customer_input. */
extern struct phone_rule customer_phone_rule;

#endif
