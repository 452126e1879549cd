/*
 * DELETE /customers/{id}: GDPR erasure. One statement checks If-Match
 * against the version of the row it locks, then removes the profile
 * (tags, notes and customer_history by cascade), the order and appointment
 * history of the same (business, user), scrubs the personal fields of the
 * customer's earlier events in the outbox (sent or not; the event ids
 * stay), deletes the stored answers of Idempotency-Keys about the
 * customer (all but the erasure's own, which keeps no personal data) and
 * adds the `deleted` event; the scrub and that deletion reach the writes
 * that committed while it waited for the row (migration 0016). After the
 * commit, whether or not the client is still there
 * (customer_erase_settle), the uploaded avatar is removed and so are the
 * Redis mirror items (failed_events) of the customer's events, rebuilt by
 * the statement from their payloads as they were before the scrub.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/idem.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "api/customer_delete.h"
#include "infra/log.h"
#include "events/mirror_forget.h"
#include "http/op.h"
#include "http/precond.h"
#include "events/outbox_sql.h"
#include "http/reply.h"
#include "model/xalloc.h"

/*
 * $1 the customer's id, or NULL and ($2 user_id, $3 business_id): the
 * /gdpr/delete form; $4-$6 the caller's scope; $7 the trace id; $8 the
 * versions If-Match names (NULL: any); $9 the token of the request's own
 * Idempotency-Key claim (NULL: none). Returns (id, avatar_file,
 * counts..., matched, mirror items) of the customer, no row if none; when
 * not matched nothing was erased and avatar_file is NULL. A stored answer
 * keeps the first ERASE_STORED_COLUMNS columns: the mirror items hold the
 * earlier payloads, personal data, for the settle hook only. The personal
 * fields of earlier payloads (ERASED_KEYS) become null, keeping every
 * payload's keys; the mirror items are those of rows that were parked or
 * are unsent (one the publisher is parking at this moment included), as a
 * JSON array of strings, or NULL. The scrub and the deletion of stored
 * answers are a function of migration 0016 with a snapshot taken once the
 * row is locked: a write that committed while the erasure waited for the
 * row is reached too. `items` still reads the payloads as they were: the
 * function's changes come after the statement's snapshot.
 */
#define ERASED_KEYS "'full_name', 'email', 'phone', 'label'"

/* clang-format off */
const char customer_erase_sql[] =
    "WITH locked AS ("
    " SELECT c.id, c.user_id, c.business_id, c.avatar_file, c.version,"
    "  " ETAG_SQL_IF_MATCH("$8", "c.version") " AS matched"
    " FROM customers c"
    " WHERE CASE WHEN $1::uuid IS NOT NULL THEN c.id = $1::uuid"
    "  ELSE c.user_id = $2::uuid AND c.business_id = $3::uuid END"
    " AND " CUSTOMER_SCOPE("$4", "$5",
	"$6") " FOR UPDATE),"
	      " target AS (SELECT * FROM locked WHERE matched),"
	      " orders AS ("
	      " DELETE FROM customer_orders o USING target t"
	      " WHERE o.business_id = t.business_id"
	      "  AND (o.user_id = t.user_id OR o.customer_id = t.id) RETURNING 1),"
	      " appointments AS ("
	      " DELETE FROM customer_appointments a USING target t"
	      " WHERE a.business_id = t.business_id"
	      "  AND (a.user_id = t.user_id OR a.customer_id = t.id) RETURNING 1),"
	      " gone AS (DELETE FROM customers c USING target t WHERE c.id = t.id"
	      " RETURNING c.id),"
	      " items AS ("
	      " SELECT json_agg(" SQL_ITEM " ORDER BY o.id) AS a"
	      " FROM target t JOIN outbox o ON o.customer_id = t.id,"
	      " LATERAL (SELECT " SQL_BODY " AS body) b"
	      " WHERE o.parked_at IS NOT NULL OR o.sent_at IS NULL),"
	      " scrub AS ("
	      " SELECT erasure_forget(t.id, $9::uuid, ARRAY[" ERASED_KEYS "])"
	      "  AS n FROM target t),"
	      " ev AS ("
	      " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
	      "  trace_id)"
	      " SELECT 'v1.customer.deleted', t.business_id, t.id,"
	      "  jsonb_build_object('id', t.id, 'user_id', t.user_id,"
	      "  'version', t.version + 1, 'trace_id', $7::text), $7"
	      " FROM target t RETURNING 1)"
	      " SELECT t.id, CASE WHEN t.matched THEN t.avatar_file END,"
	      "  (SELECT count(*) FROM orders),"
	      "  (SELECT count(*) FROM appointments), (SELECT count(*) FROM gone),"
	      "  (SELECT count(*) FROM ev), coalesce((SELECT n FROM scrub), 0),"
	      "  t.matched, (SELECT a FROM items)"
	      " FROM locked t";
/* clang-format on */

struct delete_state {
	struct scope scope;
	struct etag_cond if_match;
	int found;
	int matched;
};

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);

static const struct op op_delete = { prepare, NULL, rows, done };

int
customer_delete(struct http_request *req)
{
	return (op_run_write(req, &op_delete));
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st;

	if (!customer_path_id(req, c) || !customer_role_check(req, c))
		return (OP_REPLIED);
	if (c->claims.role == ROLE_INTERNAL) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (OP_REPLIED);
	}
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = free;
	if (!precond_if_match(req, &st->if_match))
		return (OP_REPLIED);
	access_scope(&c->claims, &st->scope);
	q->sql = customer_erase_sql;
	q->nparams = 9;
	q->stored_columns = ERASE_STORED_COLUMNS;
	q->values[0] = c->customer_id;
	q->values[1] = NULL;
	q->values[2] = NULL;
	access_params(&st->scope, &q->values[3]);
	q->values[6] = c->trace_id;
	q->values[7] = etag_cond_param(&st->if_match);
	q->values[8] = idem_token(c);
	q->settle = customer_erase_settle;
	return (OP_QUERY);
}

void
customer_erase_settle(void *state, const PGresult *res, const char *trace_id)
{
	(void)state;
	customer_file_detached(res, 1, trace_id);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && !PQgetisnull(res, 0, 8))
		mirror_forget(PQgetvalue(res, 0, 8), trace_id);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct delete_state *st = c->state;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	st->matched = *PQgetvalue(res, 0, 7) == 't';
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct delete_state *st = c->state;

	if (st->found && !st->matched) {
		(void)precond_failed(req);
		return (OP_REPLIED);
	}
	return (customer_erase_reply(req, c, st->found, NULL));
}

enum op_next
customer_erase_reply(struct http_request *req, struct ctx *c, int found,
    const char *business_id)
{
	struct log_field f[2];

	if (!found) {
		(void)reply_detail(req, 404, "Customer not found");
		return (OP_REPLIED);
	}
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "business_id";
	f[1].str = business_id;
	if (!c->replayed)
		log_write(LOG_LEVEL_INFO, c->trace_id, "Customer erased", f,
		    business_id != NULL ? 2 : 1);
	(void)reply_no_content(req);
	return (OP_REPLIED);
}
