/*
 * Idempotency-Key (idem.h), after draft-ietf-httpapi-idempotency-key-header.
 *
 * Each write is one statement with its own Sync on a pooled connection
 * shared by many requests, and its reply is rendered in C from its rows:
 * holding a connection in an open transaction until the reply is built
 * would take a connection out of the pipeline per request. So the
 * response is stored as the rows the handler renders it from:
 *
 *  1. claim: (owner, key) is inserted 'running' with the request's
 *     fingerprint, in a statement of its own; an existing row answers
 *     instead: another fingerprint 422, running 409, done a replay. A
 *     claim older than IDEMPOTENCY_TTL_HOURS counts as absent (for the
 *     request that lost a race to take it over, too: 409, never the
 *     expired answer), and a 'running' one older than twice
 *     DB_STATEMENT_TIMEOUT_MS plus STALE_MARGIN_S (its process died
 *     between claim and write) is taken over. The fingerprint covers what
 *     decides the answer besides the rows: method, path, query, body, the
 *     token's role and businesses (the scope a replay does not check
 *     again) and If-Match / If-None-Match. The row names the customer the
 *     answer is about (the path's, else the written row's), so that an
 *     erasure deletes the stored answers with the person's data.
 *  2. write: the handler's statement, rewritten (model/idem_sql.h) to
 *     store its own result rows under the claim and set it 'done' in the
 *     same transaction: a committed write always has them, a rolled-back
 *     one never.
 *  3. replay: the stored rows become a PGresult again and go through the
 *     handler's rows() and done(), so status, body and headers (Location)
 *     are the first response's; nothing is written, no event is queued,
 *     no settle hook runs.
 *
 * A request that ends without a committed write (a 404 before it, a
 * rollback) releases its claim; when its outcome is unknown (the
 * connection was lost) the claim stays until it is stale. The claim and
 * the write carry a settle hook (db.h) with this request's struct idem as
 * their state: when the client leaves while either is in flight, the pool
 * keeps the struct until the outcome, and a claim won or a write rolled
 * back is released then, by its token, from a timer (never from inside
 * the pool's delivery). A release the pool refuses (breaker open, queue
 * full) is tried again a few times.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "http/idem.h"
#include "http/reply.h"
#include "infra/settings.h"
#include "model/idem_sql.h"
#include "model/idem_text.h"
#include "model/uuid.h"
#include "model/xalloc.h"

/* added to the staleness bound: the wait in the pool's queue, a slow loop */
#define STALE_MARGIN_S 300
/* columns of a stored row at most (a customer and its extras) */
#define COLUMNS_MAX 64
/* the rewritten write statements of this worker */
#define WRAPPED_MAX 32
/* a release the pool turned away: tries, and the pause between them */
#define RELEASE_TRIES 5
#define RELEASE_RETRY_MS 1000

enum held {
	HELD_NONE, /* no claim of ours (replayed, 409, 422) */
	HELD_CLAIM, /* claimed, no write committed */
	HELD_SENT, /* the write is in flight, or its outcome unknown */
	HELD_STORED /* the write committed with its rows */
};

/* The statement in flight that carries struct idem as its state. */
enum carried { CARRY_NONE, CARRY_CLAIM, CARRY_WRITE };

struct idem {
	enum held held;
	char owner[UUID_STRLEN];
	char key[IDEM_KEY_MAX + 1];
	char fingerprint[EVP_MAX_MD_SIZE * 2 + 1];
	char token[UUID_STRLEN];
	char ttl[16];
	char stale[16];
	char customer_id[UUID_STRLEN]; /* the path's, or empty */
	struct op_query q; /* the claim */
	PGresult *replay;
	enum carried carried;
	int gone; /* the request ended: the pool holds this until settled */
	int outcome_in; /* the carried statement's outcome arrived */
	char trace_id[TRACE_ID_MAX + 1];
	int won; /* the claim's outcome said 'claimed' */
	int rolled_back; /* the write's outcome was an error */
	/* the handler's settle hook of the write, and its state */
	void (*inner_settle)(void *, const PGresult *, const char *);
	void *inner_state;
	void (*inner_free)(void *);
};

/* A released claim, on its way without a request (idem_end). */
struct release {
	struct db_client d;
	struct op_query q;
	char owner[UUID_STRLEN];
	char key[IDEM_KEY_MAX + 1];
	char token[UUID_STRLEN];
	char trace_id[TRACE_ID_MAX + 1];
	int tries;
};

struct wrapped {
	const char *sql;
	int nparams;
	int stored_columns;
	char *text;
};

/*
 * $1 owner, $2 key, $3 fingerprint, $4 token, $5 TTL hours, $6 stale
 * seconds, $7 the path's customer id (NULL: none). One row 'claimed', or
 * the existing claim's verdict with its stored rows in order; none when
 * another request's claim committed after this statement's snapshot
 * (that one is running), or when the row this statement saw has expired
 * (another request has just taken it over: running too).
 */
static const char sql_claim[] =
    "WITH claim AS ("
    " INSERT INTO idempotency_keys AS k"
    "  (owner, key, fingerprint, token, customer_id)"
    " VALUES ($1, $2, $3, $4::uuid, $7::uuid)"
    " ON CONFLICT (owner, key) DO UPDATE SET"
    "  fingerprint = excluded.fingerprint, token = excluded.token,"
    "  customer_id = excluded.customer_id,"
    "  state = 'running', response = NULL, created_at = now()"
    " WHERE k.created_at < now() - make_interval(hours => $5::int)"
    "  OR (k.state = 'running'"
    "  AND k.created_at < now() - make_interval(secs => $6::int))"
    " RETURNING 1)"
    " SELECT 'claimed', NULL FROM claim"
    " UNION ALL"
    " (SELECT CASE WHEN k.fingerprint <> $3 THEN 'mismatch'"
    "  WHEN k.state = 'running' THEN 'running' ELSE 'done' END, r.rec"
    " FROM idempotency_keys k"
    " LEFT JOIN LATERAL unnest(k.response) WITH ORDINALITY AS r(rec, n)"
    "  ON true"
    " WHERE NOT EXISTS (SELECT 1 FROM claim)"
    "  AND k.owner = $1 AND k.key = $2"
    "  AND k.created_at >= now() - make_interval(hours => $5::int)"
    " ORDER BY r.n)";

static const char sql_release[] =
    "DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2"
    " AND token = $3::uuid AND state = 'running'";

static int fingerprint(struct http_request *, const struct claims *,
    struct idem *);
static void digest_claims(EVP_MD_CTX *, const struct claims *);
static void digest_field(EVP_MD_CTX *, struct http_request *, const char *);
static int by_text(const void *, const void *);
static PGresult *rows_of(const PGresult *);
static void settled(void *, const PGresult *, const char *);
static int release_due(const struct idem *);
static void idem_free(void *);
static void idem_dropped(void *);
static void release_send(const struct idem *, const char *, int);
static void release_go(struct release *);
static void release_retry(void *, u_int64_t);
static void release_settled(void *, const PGresult *, const char *);
static void nothing(void *);

static struct wrapped wrapped[WRAPPED_MAX];
static int nwrapped;

int
idem_begin(struct http_request *req, struct ctx *c)
{
	struct idem *k;
	const char *key;

	if (!http_request_header(req, "idempotency-key", &key))
		return (1);
	if (!idem_key_valid(key)) {
		(void)reply_detail(req, 400, "Invalid Idempotency-Key");
		return (0);
	}
	k = xcalloc(1, sizeof(*k));
	c->idem = k;
	c->idem_end = idem_end;
	(void)kore_strlcpy(k->owner, c->claims.sub, sizeof(k->owner));
	(void)kore_strlcpy(k->key, key, sizeof(k->key));
	if (!fingerprint(req, &c->claims, k) || uuid_random(k->token) == -1) {
		(void)reply_detail(req, 500, "Internal Server Error");
		return (0);
	}
	return (1);
}

/*
 * SHA-256 of the method, path, query string, the token's role and
 * businesses, If-Match, If-None-Match and body: what makes two requests
 * the same request. The body is read from the start and rewound for the
 * handler.
 */
static int
fingerprint(struct http_request *req, const struct claims *cl, struct idem *k)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], buf[8192];
	EVP_MD_CTX *m;
	unsigned int i, len;
	ssize_t n;
	int body, ok;

	if ((m = EVP_MD_CTX_new()) == NULL)
		xalloc_failed();
	/*
	 * No body (GET, DELETE): Kore leaves content_length unset, so no
	 * rewind, which would take it for the body's length.
	 */
	body = req->http_body != NULL || req->http_body_fd != -1;
	ok = EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
	    (!body || http_body_rewind(req) == KORE_RESULT_OK);
	if (ok) {
		(void)EVP_DigestUpdate(m, http_method_text(req->method),
		    strlen(http_method_text(req->method)));
		(void)EVP_DigestUpdate(m, "\n", 1);
		(void)EVP_DigestUpdate(m, req->path, strlen(req->path));
		(void)EVP_DigestUpdate(m, "\n", 1);
		if (req->query_string != NULL)
			(void)EVP_DigestUpdate(m, req->query_string,
			    strlen(req->query_string));
		(void)EVP_DigestUpdate(m, "\n", 1);
		digest_claims(m, cl);
		digest_field(m, req, "if-match");
		digest_field(m, req, "if-none-match");
		n = 0;
		while (body && (n = http_body_read(req, buf, sizeof(buf))) > 0)
			(void)EVP_DigestUpdate(m, buf, (size_t)n);
		ok = n == 0 &&
		    (!body || http_body_rewind(req) == KORE_RESULT_OK) &&
		    EVP_DigestFinal_ex(m, md, &len) == 1;
	}
	EVP_MD_CTX_free(m);
	if (!ok)
		return (0);
	for (i = 0; i < len; i++) {
		k->fingerprint[i * 2] = hex[md[i] >> 4];
		k->fingerprint[i * 2 + 1] = hex[md[i] & 0xf];
	}
	k->fingerprint[len * 2] = '\0';
	return (1);
}

/*
 * The role and the businesses, sorted: a replay answers without the
 * statement that checks the scope, so a token that reaches other
 * businesses (the same sub) makes another request.
 */
static void
digest_claims(EVP_MD_CTX *m, const struct claims *cl)
{
	const char *b[CLAIMS_MAX_BUSINESSES] = { NULL };
	char role[16];
	size_t i;

	(void)snprintf(role, sizeof(role), "%d\n", (int)cl->role);
	(void)EVP_DigestUpdate(m, role, strlen(role));
	for (i = 0; i < cl->nbusinesses; i++)
		b[i] = cl->businesses[i];
	qsort(b, cl->nbusinesses, sizeof(b[0]), by_text);
	for (i = 0; i < cl->nbusinesses; i++) {
		(void)EVP_DigestUpdate(m, b[i], strlen(b[i]));
		(void)EVP_DigestUpdate(m, ",", 1);
	}
	(void)EVP_DigestUpdate(m, "\n", 1);
}

static int
by_text(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/*
 * Every line of a header field, without its spaces and tabs (which
 * separate list items only): a 412 is a stored answer, and a retry
 * with the version it has read since is another request.
 */
static void
digest_field(EVP_MD_CTX *m, struct http_request *req, const char *name)
{
	struct http_header *h;
	const char *p;

	TAILQ_FOREACH(h, &req->req_headers, list) {
		if (strcasecmp(h->header, name) != 0)
			continue;
		for (p = h->value; *p != '\0'; p++) {
			if (*p != ' ' && *p != '\t')
				(void)EVP_DigestUpdate(m, p, 1);
		}
		(void)EVP_DigestUpdate(m, ",", 1);
	}
	(void)EVP_DigestUpdate(m, "\n", 1);
}

const struct op_query *
idem_claim_query(struct ctx *c)
{
	struct idem *k = c->idem;

	(void)snprintf(k->ttl, sizeof(k->ttl), "%d",
	    settings.idempotency_ttl_hours);
	(void)snprintf(k->stale, sizeof(k->stale), "%d",
	    settings.db_statement_timeout_ms / 500 + STALE_MARGIN_S);
	memset(&k->q, 0, sizeof(k->q));
	(void)kore_strlcpy(k->customer_id, c->customer_id,
	    sizeof(k->customer_id));
	k->q.sql = sql_claim;
	k->q.nparams = 7;
	k->q.values[0] = k->owner;
	k->q.values[1] = k->key;
	k->q.values[2] = k->fingerprint;
	k->q.values[3] = k->token;
	k->q.values[4] = k->ttl;
	k->q.values[5] = k->stale;
	k->q.values[6] = k->customer_id[0] != '\0' ? k->customer_id : NULL;
	k->q.settle = settled;
	return (&k->q);
}

enum idem_claim
idem_claimed(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct idem *k = c->idem;
	const char *verdict;

	verdict = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "running";
	if (strcmp(verdict, "claimed") == 0) {
		k->held = HELD_CLAIM;
		return (IDEM_CLAIMED);
	}
	if (strcmp(verdict, "mismatch") == 0) {
		(void)reply_detail(req, 422,
		    "Idempotency-Key reused with a different request");
		return (IDEM_REPLIED);
	}
	if (strcmp(verdict, "done") == 0 && (k->replay = rows_of(res)) != NULL)
		return (IDEM_REPLAY);
	if (strcmp(verdict, "done") == 0)
		(void)reply_detail(req, 500, "Internal Server Error");
	else
		(void)reply_detail(req, 409,
		    "A request with this Idempotency-Key is in progress");
	return (IDEM_REPLIED);
}

PGresult *
idem_replay_rows(struct ctx *c)
{
	PGresult *res = c->idem->replay;

	c->idem->replay = NULL;
	return (res);
}

/* The stored rows (column 1 of the claim's rows) as the write's result. */
static PGresult *
rows_of(const PGresult *claim)
{
	PGresAttDesc attrs[COLUMNS_MAX];
	const char *vals[COLUMNS_MAX];
	char names[COLUMNS_MAX][8];
	PGresult *res;
	const char *rec;
	char *buf;
	int i, j, n, ncols, row;

	if ((res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL)
		xalloc_failed();
	ncols = -1;
	row = 0;
	for (i = 0; i < PQntuples(claim); i++) {
		if (PQgetisnull(claim, i, 1))
			continue;
		rec = PQgetvalue(claim, i, 1);
		buf = xmalloc(strlen(rec) + 1);
		n = idem_record_split(rec, buf, vals, COLUMNS_MAX);
		if (n < 0 || (ncols >= 0 && n != ncols)) {
			free(buf);
			PQclear(res);
			return (NULL);
		}
		if (ncols < 0) {
			ncols = n;
			memset(attrs, 0, sizeof(attrs));
			for (j = 0; j < n; j++) {
				(void)snprintf(names[j], sizeof(names[j]),
				    "c%d", j + 1);
				attrs[j].name = names[j];
				attrs[j].typid = 25; /* text */
				attrs[j].typlen = -1;
				attrs[j].atttypmod = -1;
			}
			if (!PQsetResultAttrs(res, n, attrs))
				xalloc_failed();
		}
		for (j = 0; j < n; j++) {
			if (!PQsetvalue(res, row, j, (char *)(uintptr_t)vals[j],
				vals[j] != NULL ? (int)strlen(vals[j]) : -1))
				xalloc_failed();
		}
		free(buf);
		row++;
	}
	return (res);
}

void
idem_wrap(struct ctx *c, struct op_query *q)
{
	struct idem *k = c->idem;
	struct wrapped *w;
	int i;

	if (k == NULL || k->held != HELD_CLAIM || !idem_sql_writes(q->sql))
		return;
	if (q->nparams + 3 > OP_PARAMS_MAX)
		fatal("idem_wrap: too many parameters");
	w = NULL;
	for (i = 0; i < nwrapped; i++) {
		if (wrapped[i].sql == q->sql &&
		    wrapped[i].nparams == q->nparams &&
		    wrapped[i].stored_columns == q->stored_columns)
			w = &wrapped[i];
	}
	if (w == NULL) {
		if (nwrapped == WRAPPED_MAX)
			fatal("idem_wrap: more write statements than expected");
		w = &wrapped[nwrapped++];
		w->sql = q->sql;
		w->nparams = q->nparams;
		w->stored_columns = q->stored_columns;
		if ((w->text = idem_sql_wrap(q->sql, q->nparams,
			 q->stored_columns)) == NULL)
			fatal("idem_wrap: a write statement without a query");
	}
	q->sql = w->text;
	q->values[q->nparams++] = k->owner;
	q->values[q->nparams++] = k->key;
	q->values[q->nparams++] = k->token;
	k->inner_settle = q->settle;
	q->settle = settled;
	k->held = HELD_SENT;
}

void *
idem_send_state(struct ctx *c, const struct op_query *q)
{
	struct idem *k = c->idem;

	if (k == NULL)
		return (c->state);
	if (q->settle != settled) {
		k->carried = CARRY_NONE;
		return (c->state);
	}
	k->carried = q == &k->q ? CARRY_CLAIM : CARRY_WRITE;
	k->outcome_in = 0;
	k->won = 0;
	k->rolled_back = 0;
	k->inner_state = c->state;
	return (k);
}

const char *
idem_token(const struct ctx *c)
{
	return (c->idem != NULL ? c->idem->token : NULL);
}

/*
 * The claim's or the write's outcome, as it arrives (db.h), the request
 * there or not: the handler's own hook first, then what the claim needs
 * if the request has gone (NULL: unknown, the claim stays).
 */
static void
settled(void *arg, const PGresult *res, const char *trace_id)
{
	struct idem *k = arg;
	ExecStatusType st;

	if (k->carried == CARRY_WRITE && k->inner_settle != NULL)
		k->inner_settle(k->inner_state, res, trace_id);
	k->outcome_in = 1;
	if (res == NULL)
		return;
	st = PQresultStatus(res);
	if (k->carried == CARRY_CLAIM)
		k->won = st == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
		    strcmp(PQgetvalue(res, 0, 0), "claimed") == 0;
	else if (k->carried == CARRY_WRITE)
		k->rolled_back =
		    st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK;
	if (k->gone && release_due(k))
		release_send(k, trace_id, 1);
}

/* The claim is ours and nothing committed under it. */
static int
release_due(const struct idem *k)
{
	switch (k->held) {
	case HELD_CLAIM:
		return (1);
	case HELD_NONE:
		return (k->carried == CARRY_CLAIM && k->won);
	case HELD_SENT:
		return (k->carried == CARRY_WRITE && k->rolled_back);
	default:
		return (0);
	}
}

void
idem_outcome(struct ctx *c, enum db_status st, int sent)
{
	struct idem *k = c->idem;

	if (k == NULL || k->held != HELD_SENT)
		return;
	if (!sent) {
		k->held = HELD_CLAIM; /* nothing reached the database */
		return;
	}
	switch (st) {
	case DB_ROWS:
	case DB_DONE:
		k->held = HELD_STORED;
		break;
	case DB_UNIQUE:
	case DB_TIMEOUT:
	case DB_ERROR:
		k->held = HELD_CLAIM; /* rolled back: the claim is still ours */
		break;
	default:
		break; /* lost with the connection: unknown, stays */
	}
}

void
idem_end(struct ctx *c)
{
	struct idem *k = c->idem;

	if (k == NULL)
		return;
	c->idem = NULL;
	c->idem_end = NULL;
	k->gone = 1;
	/* the claim or the write in flight: the pool keeps k for settled() */
	if (k->carried != CARRY_NONE && db_release(&c->db, k, idem_dropped)) {
		(void)kore_strlcpy(k->trace_id, c->trace_id,
		    sizeof(k->trace_id));
		if (k->carried == CARRY_WRITE && k->inner_settle != NULL) {
			/* the handler's hook still needs its state */
			k->inner_free = c->state_free;
			c->state = NULL;
			c->state_free = NULL;
		}
		return;
	}
	if (release_due(k))
		release_send(k, c->trace_id, 0);
	idem_free(k);
}

/*
 * The pool is done with a claim whose request had gone: a write dropped
 * unsent (its client left while it queued) has no outcome, and the claim
 * is still ours to give back.
 */
static void
idem_dropped(void *arg)
{
	struct idem *k = arg;

	if (!k->outcome_in && k->carried == CARRY_WRITE)
		release_send(k, k->trace_id, 1);
	idem_free(k);
}

static void
idem_free(void *arg)
{
	struct idem *k = arg;

	PQclear(k->replay);
	if (k->inner_free != NULL)
		k->inner_free(k->inner_state);
	free(k);
}

/*
 * The DELETE of the claim, by its token, sent without a request to wait
 * for it: the pool keeps r until the outcome, which nobody needs (a claim
 * that stays is taken over once stale). Later: from a timer, for a
 * caller inside the pool's delivery (a settle hook).
 */
static void
release_send(const struct idem *k, const char *trace_id, int later)
{
	struct release *r;

	r = xcalloc(1, sizeof(*r));
	(void)memcpy(r->owner, k->owner, sizeof(r->owner));
	(void)memcpy(r->key, k->key, sizeof(r->key));
	(void)memcpy(r->token, k->token, sizeof(r->token));
	(void)kore_strlcpy(r->trace_id, trace_id, sizeof(r->trace_id));
	if (later)
		(void)kore_timer_add(release_retry, 0, r, KORE_TIMER_ONESHOT);
	else
		release_go(r);
}

static void
release_retry(void *arg, u_int64_t now)
{
	(void)now;
	release_go(arg);
}

/* r goes to the pool, or is tried again a little later. */
static void
release_go(struct release *r)
{
	memset(&r->d, 0, sizeof(r->d));
	memset(&r->q, 0, sizeof(r->q));
	r->d.waiter = r;
	r->d.sleep = nothing;
	r->d.wake = nothing;
	r->d.trace_id = r->trace_id;
	r->q.sql = sql_release;
	r->q.nparams = 3;
	r->q.values[0] = r->owner;
	r->q.values[1] = r->key;
	r->q.values[2] = r->token;
	r->q.settle = release_settled;
	if (db_send(&r->d, &r->q, r) == DB_WAIT) {
		if (!db_release(&r->d, r, free))
			free(r);
		return;
	}
	if (++r->tries < RELEASE_TRIES)
		(void)kore_timer_add(release_retry, RELEASE_RETRY_MS, r,
		    KORE_TIMER_ONESHOT);
	else
		free(r);
}

static void
release_settled(void *arg, const PGresult *res, const char *trace_id)
{
	(void)arg;
	(void)res;
	(void)trace_id;
}

static void
nothing(void *arg)
{
	(void)arg;
}
