/*
 * DELETE /customers/{customer_id} (customer_delete.c), and the erasure it
 * shares with /gdpr/delete.
 */
#ifndef BEE_CUSTOMER_DELETE_H
#define BEE_CUSTOMER_DELETE_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/op.h"

int customer_delete(struct http_request *req);

/*
 * The erasure statement, shared by DELETE /customers/{id} and
 * /gdpr/delete: $1 the id, or NULL and ($2 user_id, $3 business_id); $4-$6
 * the caller's scope (access_scope); $7 the trace id; $8 If-Match's
 * versions; $9 idem_token (its own stored answer stays). Returns one row
 * (id, avatar_file, ..., matched, mirror items) for the erased customer,
 * none if out of reach. With an Idempotency-Key only the columns before
 * the mirror items are stored (op_query's stored_columns).
 */
extern const char customer_erase_sql[];
#define ERASE_STORED_COLUMNS 8
/*
 * Its settle hook (db.h), client there or not: once committed, the
 * avatar file and the Redis mirror items of the customer's events go.
 */
void customer_erase_settle(void *state, const PGresult *res,
    const char *trace_id);
/*
 * Their reply: 204 and the "Customer erased" log line (with business_id
 * unless NULL) when found, else the 404.
 */
enum op_next customer_erase_reply(struct http_request *req, struct ctx *c,
    int found, const char *business_id);

#endif
