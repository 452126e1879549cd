/* Customer routes: the handlers named in conf/bee_customers.conf. */
#ifndef BEE_CUSTOMERS_H
#define BEE_CUSTOMERS_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/ctx.h"
#include "model/customer_input.h"
#include "model/jsonw.h"
#include "http/op.h"

struct scope;

int h_customers(struct http_request *req);
int h_customer(struct http_request *req);

int customer_create(struct http_request *req);
int customer_list(struct http_request *req);
int customer_get(struct http_request *req);
int customer_patch(struct http_request *req);
int customer_delete(struct http_request *req);

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

/* Writes the customer's row res[row] (its columns from col) as JSON. */
typedef void (
    *customer_writer)(const PGresult *res, int row, int col, struct jsonw *w);
/*
 * The op steps of a GET of one customer the caller reaches (customer_get,
 * h_stats): its row written by write, or the same 404 for out of reach
 * and nonexistent.
 */
enum op_next customer_one_prepare(struct http_request *req, struct ctx *c,
    struct op_query *q, customer_writer write);
void customer_one_rows(struct http_request *req, struct ctx *c,
    const PGresult *res);
enum op_next customer_one_done(struct http_request *req, struct ctx *c,
    struct op_query *q);

/*
 * The erasure statement, shared by DELETE /customers/{id} and
 * /gdpr/delete: $1 the id, or NULL and ($2 user_id, $3 business_id); $4-$6
 * the caller's scope (access_scope); $7 the trace id. Returns one row
 * (id, avatar_file, ..., mirror items) for the erased customer, none if
 * out of reach.
 */
extern const char customer_erase_sql[];
/*
 * Its settle hook (ctx.h), client there or not: once committed, the
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

/*
 * For the settle hook (ctx.h) of a statement that may stop referencing an
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

/* The config's v_phone validator, for customer_input. */
extern struct phone_rule customer_phone_rule;

#endif
