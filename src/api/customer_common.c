/*
 * The checks and steps shared by every route about one customer
 * (customer_common.h), and the config's phone validator they parse with.
 */
#include <errno.h>
#include <string.h>

#include "http/access.h"
#include "http/auth.h"
#include "infra/avatar_store.h"
#include "api/customer_common.h"
#include "infra/log.h"
#include "http/reply.h"
#include "http/route.h"

static int phone_matches(const char *);

/* pattern: the v_phone regex, filled in at start-up (service.c) */
struct phone_rule customer_phone_rule = { phone_matches, "" };

static int
phone_matches(const char *phone)
{
	return (kore_validator_run(NULL, "v_phone", (char *)(uintptr_t)phone) ==
	    KORE_RESULT_OK);
}

int
customer_path_id(struct http_request *req, struct ctx *c)
{
	return (customer_path_ids(req, c, NULL, NULL));
}

int
customer_path_ids(struct http_request *req, struct ctx *c, const char *key,
    char id[UUID_STRLEN])
{
	struct problems p;
	int ok;

	problems_init(&p);
	ok = path_uuid(&p, req, 1, "customer_id", c->customer_id);
	if (!ok)
		c->customer_id[0] = '\0';
	if (key != NULL)
		ok = path_uuid(&p, req, 3, key, id) && ok;
	if (!ok)
		(void)reply_problems(req, &p);
	problems_free(&p);
	return (ok);
}

int
customer_role_check(struct http_request *req, struct ctx *c)
{
	if (!access_customer_role(&c->claims)) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (0);
	}
	return (auth_require_business(req, c));
}

void
customer_query(struct ctx *c, struct scope *scope, struct op_query *q,
    const char *sql)
{
	access_scope(&c->claims, scope);
	q->sql = sql;
	q->nparams = 4;
	q->values[0] = c->customer_id;
	access_params(scope, &q->values[1]);
}

void
customer_file_detached(const PGresult *res, int col, const char *trace_id)
{
	if (res == NULL) {
		log_warn(trace_id,
		    "outcome unknown (database connection lost): an uploaded "
		    "file it detached may stay");
		return;
	}
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, col) &&
	    avatar_remove(PQgetvalue(res, 0, col)) == -1 && errno != EINVAL)
		log_warn(trace_id, "cannot unlink a detached uploaded file");
}

enum op_next
customer_reply(struct http_request *req, int found, const struct jsonw *json)
{
	if (!customer_write_failed(req, found, json))
		(void)reply_json(req, 200, json->buf, json->len);
	return (OP_REPLIED);
}

int
customer_write_failed(struct http_request *req, int found,
    const struct jsonw *json)
{
	if (!found)
		(void)reply_detail(req, 404, "Customer not found");
	else if (json->failed || json->buf == NULL)
		(void)reply_detail(req, 500, "Internal Server Error");
	else
		return (0);
	return (1);
}
