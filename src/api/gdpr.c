/*
 * The GDPR export (Art. 15, the person's own data), in one shape for both
 * forms: GET /customers/{id}/export and the original's POST /gdpr/export
 * (body {user_id, business_id}). The original's export plus the history
 * and statistics:
 *
 *   {"customer":{...as GET /customers/{id}...},
 *    "tags":[{"id","label"}],       in GET .../tags' order (label bytewise, id)
 *    "notes":[{"id","content","created_by","created_at"}],
 *                                   in GET .../notes' order (newest first)
 *    "history":{"id","first_order_date","first_appointment_date",
 *               "returned_orders","cancelled_appointments"},
 *                                  only when a customer_history row exists
 *    "orders":[...], "appointments":[...],        as their routes (history.h)
 *    "stats":{...}}                               as /stats
 *
 * A list must stay whole here (GDPR Art. 15), but one customer may have
 * 100 000 history rows: the body is streamed (stream.h). One statement
 * reads the customer (reach, the history object, the statistics); the
 * status and headers go out; then each list is read in pages of
 * EXPORT_PAGE items (PostgreSQL builds their JSON, in the lists' own
 * order: tags.h, history.h), each page the items after the previous
 * page's last one (keyset on the list's sort key, the id breaking ties),
 * and each page goes out as a chunk once the previous one was sent. A
 * worker holds two pages at most, whatever the history. Each page is its
 * own statement: an item added or removed during an export shows or not
 * without moving any other; one whose sort key changes meanwhile (an
 * order updated) may be missed or shown twice if it crosses a page's
 * bound. A failure after the headers
 * cuts the body short (the client sees no final chunk) and is logged.
 * Out of reach and nonexistent are the same 404.
 */
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "http/auth.h"
#include "http/body.h"
#include "model/customer_input.h"
#include "model/customer_row.h"
#include "api/customers.h"
#include "api/gdpr.h"
#include "api/history.h"
#include "model/json_compact.h"
#include "infra/log.h"
#include "http/op.h"
#include "http/reply.h"
#include "http/route.h"
#include "api/stats.h"
#include "http/stream.h"
#include "api/tags.h"

/* Items per page of a list, and per chunk. */
#define EXPORT_PAGE 5000
#define EXPORT_PAGE_TEXT "5000"

/* Columns after CUSTOMER_COLUMNS: history (NULL: none). */
#define EXPORT_SELECT \
	"SELECT " CUSTOMER_COLUMNS ", " \
	"(SELECT json_build_object('id', h.id, " \
	"'first_order_date', to_char(h.first_order_date, 'YYYY-MM-DD'), " \
	"'first_appointment_date', " \
	"to_char(h.first_appointment_date, 'YYYY-MM-DD'), " \
	"'returned_orders', h.returned_orders, " \
	"'cancelled_appointments', h.cancelled_appointments)" \
	" FROM customer_history h WHERE h.customer_id = c.id" \
	" ORDER BY h.id LIMIT 1) FROM customers c"

/* $2, $3, $4: the caller's scope (access.h) */
#define EXPORT_SCOPE CUSTOMER_SCOPE("$2", "$3", "$4")

static const char sql_export_id[] =
    EXPORT_SELECT " WHERE c.id = $1 AND " EXPORT_SCOPE;

static const char sql_export_pair[] = EXPORT_SELECT
    " WHERE c.user_id = $1 AND c.business_id = $5 AND " EXPORT_SCOPE;

/*
 * The pages, each the items after the previous page's last one in the
 * list's order (keyset: no OFFSET, so a page costs its own rows whatever
 * came before, and an item added or removed meanwhile shifts no other).
 * One row: the json array of the items, their count, then the last
 * item's sort key as text (KEY_COLS columns, the next page's `after`).
 * Tags and notes: $1 the customer, $2 and $3 the key (NULL: first page),
 * $4 the limit; orders and appointments: $1 business, $2 user, $3 to $5
 * the key (history.h), $6 the limit.
 */
static const char sql_tags[] =
    "SELECT coalesce(json_agg(json_build_object('id', t.id, 'label', t.label)"
    " ORDER BY " TAGS_ORDER "), '[]'), count(*),"
    " (array_agg(t.label ORDER BY t.label COLLATE \"C\" DESC, t.id DESC))[1],"
    " (array_agg(t.id::text ORDER BY t.label COLLATE \"C\" DESC,"
    " t.id DESC))[1], NULL"
    " FROM (SELECT t.* FROM customer_tags t WHERE t.customer_id = $1"
    " AND ($3::uuid IS NULL OR t.label COLLATE \"C\" > $2::text"
    " OR (t.label = $2::text AND t.id > $3::uuid))"
    " ORDER BY " TAGS_ORDER " LIMIT $4::bigint) t";

/* created_at desc, rows without one last, then id desc */
static const char sql_notes[] =
    "SELECT coalesce(json_agg(json_build_object('id', n.id,"
    " 'content', n.content, 'created_by', n.created_by,"
    " 'created_at', to_char(n.created_at, " SQL_TS_FORMAT "))"
    " ORDER BY " NOTES_ORDER "), '[]'), count(*),"
    " (array_agg(n.created_at::text ORDER BY n.created_at ASC NULLS FIRST,"
    " n.id))[1], (array_agg(n.id::text ORDER BY n.created_at ASC NULLS"
    " FIRST, n.id))[1], NULL"
    " FROM (SELECT n.* FROM customer_notes n WHERE n.customer_id = $1"
    " AND ($3::uuid IS NULL OR CASE WHEN $2::timestamp IS NULL"
    " THEN n.created_at IS NULL AND n.id < $3::uuid"
    " ELSE n.created_at < $2::timestamp OR n.created_at IS NULL"
    " OR (n.created_at = $2::timestamp AND n.id < $3::uuid) END)"
    " ORDER BY " NOTES_ORDER " LIMIT $4::bigint) n";

/* The last row's key of a history page (`a` the rows, `k` the time). */
#define HISTORY_LAST_KEY(a, k, id) \
	" (array_agg(" a "." k "::text ORDER BY " a ".n DESC))[1]," \
	" (array_agg(" a ".updated_at::text ORDER BY " a ".n DESC))[1]," \
	" (array_agg(" a "." id " ORDER BY " a ".n DESC))[1]"

static const char sql_orders[] =
    "SELECT " HISTORY_ORDERS_PAGE_JSON
    ", count(*)," HISTORY_LAST_KEY("o", "created_at",
	"order_id") " FROM " HISTORY_ORDERS_AFTER("$1::uuid", "$2::uuid",
	"$3::timestamptz", "$4::timestamptz", "$5::text", "$6::bigint");

static const char sql_appointments[] =
    "SELECT " HISTORY_APPOINTMENTS_PAGE_JSON
    ", count(*)," HISTORY_LAST_KEY("a", "starts_at",
	"appointment_id") " FROM " HISTORY_APPOINTMENTS_AFTER("$1::uuid",
	"$2::uuid", "$3::timestamptz", "$4::timestamptz", "$5::text",
	"$6::bigint");

/* The sort key columns after the items and their count. */
#define KEY_COLS 3

enum {
	COL_ID = 5, /* in CUSTOMER_COLUMNS */
	COL_USER = 6,
	COL_BUSINESS = 7,
	COL_HISTORY = CUSTOMER_NCOLUMNS
};

/* The lists, in the export's order, and what comes before each. */
enum part { PART_TAGS, PART_NOTES, PART_ORDERS, PART_APPOINTMENTS, PART_END };

struct export_state {
	struct scope scope;
	struct gdpr_request body; /* the /gdpr form */
	struct jsonw head; /* {"customer":{...},"tags":[ */
	struct jsonw history; /* the history object, or empty */
	struct jsonw stats;
	struct stream *stream; /* once the headers went out */
	char customer_id[UUID_STRLEN];
	char user_id[UUID_STRLEN];
	char business_id[UUID_STRLEN];
	int found;
	enum part part; /* the list being read */
	/* the last item read of it, its key as text (NULL: none, SQL NULL) */
	char *after[KEY_COLS];
	long page_items; /* in the page just read */
	int first; /* no item of this list written yet */
	int failed; /* a page could not be read */
};

int h_export(struct http_request *);
int h_gdpr_export(struct http_request *);

static enum op_next prepare_path(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next prepare_body(struct http_request *, struct ctx *,
    struct op_query *);
static struct export_state *state_new(struct ctx *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static void head_rows(struct export_state *, struct ctx *, const PGresult *);
static void page_rows(struct export_state *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next page_query(struct export_state *, struct op_query *);
static void next_list(struct export_state *);
static void exported(struct ctx *, struct export_state *);
static void state_free(void *);
static void after_clear(struct export_state *);

static const struct op op_export_path = { prepare_path, NULL, rows, done };
static const struct op op_export_body = { prepare_body, NULL, rows, done };

int
h_export(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/customers/{customer_id}/export",
		HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_export_path));
}

int
h_gdpr_export(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/gdpr/export", HTTP_METHOD_POST, "POST", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_export_body));
}

int
gdpr_role_check(struct http_request *req, struct ctx *c)
{
	if (c->claims.role == ROLE_INTERNAL) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (0);
	}
	return (customer_role_check(req, c));
}

int
gdpr_request_read(struct http_request *req, struct gdpr_request *out)
{
	struct problems p;
	json_t *body;
	int ok;

	problems_init(&p);
	if (!body_json(req, &p, &body)) {
		problems_free(&p);
		return (0);
	}
	if (body != NULL && !json_is_object(body)) {
		customer_input_not_object(body, &p);
	} else if (body != NULL) {
		(void)check_body_uuid(&p, body, "user_id", out->user_id);
		(void)check_body_uuid(&p, body, "business_id",
		    out->business_id);
	}
	json_decref(body);
	ok = problems_count(&p) == 0;
	if (!ok)
		(void)reply_problems(req, &p);
	problems_free(&p);
	return (ok);
}

static struct export_state *
state_new(struct ctx *c)
{
	struct export_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("export: out of memory");
	jsonw_init(&st->head);
	jsonw_init(&st->history);
	jsonw_init(&st->stats);
	c->state = st;
	c->state_free = state_free;
	access_scope(&c->claims, &st->scope);
	return (st);
}

static void
state_free(void *arg)
{
	struct export_state *st = arg;

	jsonw_free(&st->head);
	jsonw_free(&st->history);
	jsonw_free(&st->stats);
	stream_free(st->stream);
	after_clear(st);
	free(st);
}

static void
after_clear(struct export_state *st)
{
	int i;

	for (i = 0; i < KEY_COLS; i++) {
		free(st->after[i]);
		st->after[i] = NULL;
	}
}

static enum op_next
prepare_path(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct export_state *st;

	if (!customer_path_id(req, c) || !gdpr_role_check(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	q->sql = sql_export_id;
	q->nparams = 4;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	return (OP_QUERY);
}

static enum op_next
prepare_body(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct gdpr_request body;
	struct export_state *st;

	if (!gdpr_request_read(req, &body) || !gdpr_role_check(req, c))
		return (OP_REPLIED);
	st = state_new(c);
	st->body = body;
	q->sql = sql_export_pair;
	q->nparams = 5;
	q->values[0] = st->body.user_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->body.business_id;
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct export_state *st = c->state;

	if (st->stream == NULL)
		head_rows(st, c, res);
	else
		page_rows(st, res);
}

/* The customer: the head of the body, the history and stats for later. */
static void
head_rows(struct export_state *st, struct ctx *c, const PGresult *res)
{
	struct jsonw *w = &st->head;

	if (PQntuples(res) != 1 || st->found)
		return;
	st->found = 1;
	(void)kore_strlcpy(c->customer_id, PQgetvalue(res, 0, COL_ID),
	    sizeof(c->customer_id));
	(void)kore_strlcpy(st->customer_id, c->customer_id,
	    sizeof(st->customer_id));
	(void)kore_strlcpy(st->user_id, PQgetvalue(res, 0, COL_USER),
	    sizeof(st->user_id));
	(void)kore_strlcpy(st->business_id, PQgetvalue(res, 0, COL_BUSINESS),
	    sizeof(st->business_id));
	jsonw_open(w, '{');
	jsonw_key(w, "customer");
	customer_row_json(res, 0, 0, w);
	jsonw_rawz(w, ",\"tags\":[");
	if (!PQgetisnull(res, 0, COL_HISTORY))
		(void)jsonw_compact(&st->history,
		    PQgetvalue(res, 0, COL_HISTORY));
	stats_json(res, 0, 0, &st->stats);
}

/* A page: its items, compact, after the ones already written. */
static void
page_rows(struct export_state *st, const PGresult *res)
{
	struct jsonw page, *w;
	int i;

	if (PQntuples(res) != 1 || PQnfields(res) != 2 + KEY_COLS) {
		st->failed = 1;
		return;
	}
	st->page_items = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	if (st->page_items == 0)
		return;
	after_clear(st);
	for (i = 0; i < KEY_COLS; i++) {
		if (PQgetisnull(res, 0, 2 + i))
			continue;
		if ((st->after[i] = strdup(PQgetvalue(res, 0, 2 + i))) == NULL)
			fatal("export: out of memory");
	}
	jsonw_init(&page);
	if (!jsonw_compact(&page, PQgetvalue(res, 0, 0)) || page.len < 2) {
		st->failed = 1;
		jsonw_free(&page);
		return;
	}
	w = stream_part(st->stream);
	if (!st->first)
		jsonw_raw(w, ",", 1);
	/* the items without the page's brackets */
	jsonw_raw(w, page.buf + 1, page.len - 2);
	st->first = 0;
	jsonw_free(&page);
}

static enum op_next
page_query(struct export_state *st, struct op_query *q)
{
	st->page_items = 0;
	q->long_read = 1; /* up to EXPORT_PAGE items */
	switch (st->part) {
	case PART_TAGS:
	case PART_NOTES:
		q->sql = st->part == PART_TAGS ? sql_tags : sql_notes;
		q->nparams = 4;
		q->values[0] = st->customer_id;
		q->values[1] = st->after[0];
		q->values[2] = st->after[1];
		q->values[3] = EXPORT_PAGE_TEXT;
		break;
	default:
		q->sql =
		    st->part == PART_ORDERS ? sql_orders : sql_appointments;
		q->nparams = 6;
		q->values[0] = st->business_id;
		q->values[1] = st->user_id;
		q->values[2] = st->after[0];
		q->values[3] = st->after[1];
		q->values[4] = st->after[2];
		q->values[5] = EXPORT_PAGE_TEXT;
		break;
	}
	return (OP_QUERY);
}

/* Ends the list just read and opens the next part of the body. */
static void
next_list(struct export_state *st)
{
	struct jsonw *w = stream_part(st->stream);

	jsonw_raw(w, "]", 1);
	switch (st->part) {
	case PART_TAGS:
		jsonw_rawz(w, ",\"notes\":[");
		break;
	case PART_NOTES:
		if (st->history.len > 0) {
			jsonw_rawz(w, ",\"history\":");
			jsonw_raw(w, st->history.buf, st->history.len);
		}
		jsonw_rawz(w, ",\"orders\":[");
		break;
	case PART_ORDERS:
		jsonw_rawz(w, ",\"appointments\":[");
		break;
	default:
		jsonw_rawz(w, ",\"stats\":");
		jsonw_raw(w, st->stats.buf, st->stats.len);
		jsonw_raw(w, "}", 1);
		break;
	}
	st->part++;
	after_clear(st);
	st->first = 1;
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct export_state *st = c->state;

	if (st->stream == NULL) {
		if (!st->found) {
			(void)reply_detail(req, 404, "Customer not found");
			return (OP_REPLIED);
		}
		if (st->head.failed || st->stats.failed || st->history.failed) {
			(void)reply_detail(req, 500, "Internal Server Error");
			return (OP_REPLIED);
		}
		st->stream = stream_begin(req, 200);
		if (stream_headers_only(st->stream)) {
			/* HEAD: no list is read for a body nobody sends */
			stream_end(st->stream);
			return (OP_REPLIED);
		}
		jsonw_raw(stream_part(st->stream), st->head.buf, st->head.len);
		st->part = PART_TAGS;
		st->first = 1;
		return (page_query(st, q));
	}
	if (st->failed) {
		/* after the headers: the body is cut short */
		(void)reply_detail(req, 500, "Internal Server Error");
		return (OP_REPLIED);
	}
	/* the client has not taken the previous chunk yet */
	if (stream_busy(st->stream))
		return (OP_SLEEP);
	if (st->page_items < EXPORT_PAGE) {
		next_list(st);
		if (st->part == PART_END) {
			stream_end(st->stream);
			exported(c, st);
			return (OP_REPLIED);
		}
	}
	/* else the next page: the items after st->after */
	stream_flush(st->stream);
	return (page_query(st, q));
}

static void
exported(struct ctx *c, struct export_state *st)
{
	struct log_field f[2];

	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "business_id";
	f[1].str = st->business_id;
	log_write(LOG_LEVEL_INFO, c->trace_id, "Customer exported", f, 2);
}
