/*
 * Idempotency-Key on every write (docs/api.md "Idempotent retries"): a
 * retry with the same key and request gets the first response byte for
 * byte with Idempotent-Replayed: true, and writes nothing and queues no
 * event again; the same key with another request is 422, with a request
 * still running 409; keys are the caller's own (and their token's role
 * and businesses, and If-Match, are part of the request); an invalid key
 * is 400; an erasure deletes the stored answers about its customer; a
 * claim whose client left is given back. Counted in the database:
 * customers, outbox rows, tags, notes, keys.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "db.h"
#include "env.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "rowlock.h"
#include "scratch.h"
#include "tenant.h"
#include "token.h"
#include "uuid4.h"

#define RACERS 12
#define REPLAYED "idempotent-replayed"
#define REUSED "Idempotency-Key reused with a different request"
#define RUNNING "A request with this Idempotency-Key is in progress"
#define INVALID "Invalid Idempotency-Key"

/* The header lines of a keyed request (keyed_headers). */
struct keyed {
	const char *hdrs[5];
	char auth[2048];
	char idem[512];
};

/* One request of a racer thread, and its answer. */
struct racer {
	const char *method, *path, *tok, *key, *body;
	struct http_resp *r;
};

static struct http_resp *send_keyed(const char *, const char *, const char *,
    const char *, const char *);
static struct http_resp *send_keyed_with(const char *, const char *,
    const char *, const char *, const char *, const char *);
static int send_keyed_only(const char *, const char *, const char *,
    const char *, const char *);
static const char **keyed_headers(struct keyed *, const char *, const char *,
    const char *, const char *);
static char *tok_businesses(const char *, const char *, const char *);
static void expect_key_back_when_gone(const struct tenant_fx *, const char *,
    const char *, int);
static long stored_with(const char *, const char *);
static void *race_one(void *);
static struct http_resp *expect_replayed(const char *, const char *,
    const char *, const char *, const char *, int);
static void expect_same(const struct http_resp *, const struct http_resp *);
static long events(const char *, const char *);
static void expect_erased_once(const struct tenant_fx *, const char *,
    const char *, const char *, const char *);
static char *key_new(void);

/* A request with "Idempotency-Key: key" (none when key is NULL). */
static struct http_resp *
send_keyed(const char *method, const char *path, const char *tok,
    const char *key, const char *json)
{
	return (send_keyed_with(method, path, tok, key, json, NULL));
}

/* send_keyed with one more header line (extra, if not NULL). */
static struct http_resp *
send_keyed_with(const char *method, const char *path, const char *tok,
    const char *key, const char *json, const char *extra)
{
	struct keyed h;

	return (http_req(method, path, keyed_headers(&h, tok, key, json, extra),
	    json != NULL ? json : "", json != NULL ? strlen(json) : 0));
}

/* The same from a client that reads nothing: its socket (http.h). */
static int
send_keyed_only(const char *method, const char *path, const char *tok,
    const char *key, const char *json)
{
	struct keyed h;

	return (http_send_only(method, path,
	    keyed_headers(&h, tok, key, json, NULL), json != NULL ? json : "",
	    json != NULL ? strlen(json) : 0));
}

/* The header lines of a keyed request, in h. */
static const char **
keyed_headers(struct keyed *h, const char *tok, const char *key,
    const char *json, const char *extra)
{
	size_t n;

	n = 0;
	snprintf(h->auth, sizeof(h->auth), "Authorization: Bearer %s", tok);
	h->hdrs[n++] = h->auth;
	if (json != NULL)
		h->hdrs[n++] = "Content-Type: application/json";
	if (key != NULL) {
		snprintf(h->idem, sizeof(h->idem), "Idempotency-Key: %s", key);
		h->hdrs[n++] = h->idem;
	}
	if (extra != NULL)
		h->hdrs[n++] = extra;
	h->hdrs[n] = NULL;
	return (h->hdrs);
}

/* An admin token of sub naming the businesses a and b, in that order. */
static char *
tok_businesses(const char *sub, const char *a, const char *b)
{
	char claims[512];

	snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%s\",\"role\":\"admin_business\",\"business_ids\":"
	    "[\"%s\",\"%s\"],\"exp\":%ld}",
	    sub, a, b, (long)time(NULL) + TOK_TTL);
	return (tok_claims(claims, JWT_ALG_HS256, NULL));
}

/* Keys whose stored answer holds text (case-insensitively). */
static long
stored_with(const char *owner, const char *text)
{
	return (db_count("SELECT count(*) FROM idempotency_keys WHERE"
			 " owner = $1 AND array_to_string(response, ' ')"
			 " ILIKE '%' || $2 || '%'",
	    owner, text, DB_END));
}

static void *
race_one(void *arg)
{
	struct racer *a = arg;

	a->r = send_keyed(a->method, a->path, a->tok, a->key, a->body);
	return (NULL);
}

/* Status and body bytes, and the Location and type they came with. */
static void
expect_same(const struct http_resp *a, const struct http_resp *b)
{
	const char *h[] = { "location", "content-type", NULL };
	const char *x, *y;
	int i;

	cr_assert_eq(b->status, a->status);
	cr_assert_eq(b->body_len, a->body_len, "%s\nvs\n%s", a->body, b->body);
	cr_assert(memcmp(a->body, b->body, a->body_len) == 0, "%s\nvs\n%s",
	    a->body, b->body);
	for (i = 0; h[i] != NULL; i++) {
		x = http_hdr(a, h[i]);
		y = http_hdr(b, h[i]);
		cr_assert((x == NULL) == (y == NULL), "%s", h[i]);
		if (x != NULL)
			cr_assert_str_eq(y, x, "%s", h[i]);
	}
}

/*
 * The request twice with one key: the first answers status, the second
 * the same bytes with Idempotent-Replayed: true. Returns the first.
 */
static struct http_resp *
expect_replayed(const char *method, const char *path, const char *tok,
    const char *key, const char *json, int status)
{
	struct http_resp *first, *again;

	first = send_keyed(method, path, tok, key, json);
	cr_assert_eq(first->status, status, "%s %s: %d %s", method, path,
	    first->status, first->body);
	cr_assert_null(http_hdr(first, REPLAYED));
	again = send_keyed(method, path, tok, key, json);
	expect_same(first, again);
	cr_assert_str_eq(http_hdr(again, REPLAYED), "true");
	cr_assert_eq(http_hdr_count(again, REPLAYED), 1);
	expect_module_headers(again);
	http_resp_free(again);
	return (first);
}

/* Outbox rows of that routing key for the customer. */
static long
events(const char *cid, const char *routing_key)
{
	return (db_count("SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND routing_key = $2",
	    cid, routing_key, DB_END));
}

static char *
key_new(void)
{
	char *k;

	k = malloc(UUID_STR_LEN);
	cr_assert_not_null(k);
	uuid4(k);
	return (k);
}

Test(idempotency, create_replays_status_body_and_location_once)
{
	struct http_resp *r;
	char biz[UUID_STR_LEN], uid[UUID_STR_LEN], *tok, *body, *key;
	json_t *j;

	uuid4(biz);
	uuid4(uid);
	tok = tok_admin(biz);
	key = key_new();
	body = cust_body(uid, biz, NULL);
	r = expect_replayed("POST", "/customers", tok, key, body, 201);
	j = expect_customer_resp(r, 201, NULL);
	cr_assert_not_null(http_hdr(r, "location"));
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE"
			      " business_id = $1",
			 biz, DB_END),
	    1);
	cr_assert_eq(events(json_str(j, "id"), "v1.customer.created"), 1);
	/* a third time, still the first answer, not "already exists" */
	http_resp_free(r);
	r = send_keyed("POST", "/customers", tok, key, body);
	expect_status(r, 201);
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	json_decref(j);
	http_resp_free(r);
	/* without a key the same body meets the existing customer */
	r = send_keyed("POST", "/customers", tok, NULL, body);
	expect_status(r, 409);
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	free(body);
	free(key);
	free(tok);
}

Test(idempotency, same_key_with_another_body_path_or_method_is_422)
{
	struct http_resp *r;
	char biz[UUID_STR_LEN], uid[UUID_STR_LEN], other[UUID_STR_LEN];
	char *tok, *body, *body2, *key, path[128];
	json_t *j;

	uuid4(biz);
	uuid4(uid);
	uuid4(other);
	tok = tok_admin(biz);
	key = key_new();
	body = cust_body(uid, biz, NULL);
	r = send_keyed("POST", "/customers", tok, key, body);
	expect_status(r, 201);
	j = resp_json(r);
	http_resp_free(r);

	body2 = cust_body(other, biz, NULL);
	expect_detail_and_free(send_keyed("POST", "/customers", tok, key,
				   body2),
	    422, REUSED);
	expect_detail_and_free(send_keyed("POST", "/api/customers", tok, key,
				   body),
	    422, REUSED);
	snprintf(path, sizeof(path), "/customers/%s", json_str(j, "id"));
	expect_detail_and_free(send_keyed("PATCH", path, tok, key,
				   "{\"full_name\":\"Other\"}"),
	    422, REUSED);
	expect_detail_and_free(send_keyed("DELETE", path, tok, key, NULL), 422,
	    REUSED);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE"
			      " business_id = $1",
			 biz, DB_END),
	    1, "a refused reuse wrote");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE"
			      " business_id = $1",
			 biz, DB_END),
	    1);
	json_decref(j);
	free(body);
	free(body2);
	free(key);
	free(tok);
}

Test(idempotency, patch_replays_the_first_answer_not_the_current_row)
{
	struct http_resp *r, *now;
	struct tenant_fx f;
	char path[128], *key;

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	r = expect_replayed("PATCH", path, f.admin, key,
	    "{\"full_name\":\"Maria Ionescu\"}", 200);
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 1);
	/* another change meanwhile: the retry still gets its own answer */
	now = send_keyed("PATCH", path, f.admin, NULL,
	    "{\"full_name\":\"Elena Pop\"}");
	expect_status(now, 200);
	http_resp_free(now);
	now = send_keyed("PATCH", path, f.admin, key,
	    "{\"full_name\":\"Maria Ionescu\"}");
	expect_same(r, now);
	cr_assert_not_null(strstr(now->body, "Maria Ionescu"));
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 2);
	http_resp_free(now);
	http_resp_free(r);
	free(key);
	tenant_free(&f);
}

/* An erasure sent twice with one key: 204 both times, one event. */
static void
expect_erased_once(const struct tenant_fx *f, const char *method,
    const char *path, const char *key, const char *json)
{
	struct http_resp *r;

	r = expect_replayed(method, path, f->admin, key, json, 204);
	cr_assert_eq(r->body_len, 0);
	http_resp_free(r);
	cr_assert_eq(events(f->cid, "v1.customer.deleted"), 1);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1",
			 f->cid, DB_END),
	    0);
}

Test(idempotency, delete_replays_204_with_one_event)
{
	struct tenant_fx f;
	char path[128], *key;

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/api/customers/%s", f.cid);
	expect_erased_once(&f, "DELETE", path, key, NULL);
	/* without the key: the customer is gone */
	expect_detail_and_free(send_keyed("DELETE", path, f.admin, NULL, NULL),
	    404, "Customer not found");
	free(key);
	tenant_free(&f);
}

Test(idempotency, gdpr_delete_replays_204_with_one_event)
{
	struct tenant_fx f;
	char body[256], *key;

	tenant_init(&f);
	key = key_new();
	snprintf(body, sizeof(body),
	    "{\"user_id\":\"%s\",\"business_id\":\"%s\"}", f.uid, f.biz);
	expect_erased_once(&f, "POST", "/gdpr/delete", key, body);
	expect_detail_and_free(send_keyed("POST", "/api/gdpr/delete", f.admin,
				   key, body),
	    422, REUSED);
	free(key);
	tenant_free(&f);
}

Test(idempotency, tags_both_routes_and_notes_replay_once)
{
	struct http_resp *r;
	struct tenant_fx f;
	char path[160], body[256], tag[UUID_STR_LEN], note[UUID_STR_LEN];
	char *key;
	json_t *j;

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s/tags", f.cid);
	r = expect_replayed("POST", path, f.admin, key,
	    "{\"labels\":[\"VIP\",\"Late\"]}", 201);
	http_resp_free(r);
	cr_assert_eq(events(f.cid, "v1.customer.tagged"), 2);

	free(key);
	key = key_new();
	snprintf(body, sizeof(body), "{\"customer_id\":\"%s\",\"label\":\"X\"}",
	    f.cid);
	r = expect_replayed("POST", "/customers/tags/", f.admin, key, body,
	    201);
	j = resp_json(r);
	memcpy(tag, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	cr_assert_eq(events(f.cid, "v1.customer.tagged"), 3);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags WHERE"
			      " customer_id = $1",
			 f.cid, DB_END),
	    3);

	free(key);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/tags/%s", tag);
	http_resp_free(
	    expect_replayed("DELETE", path, f.admin, key, NULL, 204));

	free(key);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s/notes", f.cid);
	r = expect_replayed("POST", path, f.admin, key,
	    "{\"content\":\"Prefers mornings\"}", 201);
	j = resp_json(r);
	memcpy(note, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_notes WHERE"
			      " customer_id = $1",
			 f.cid, DB_END),
	    1);

	free(key);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s/notes/%s", f.cid, note);
	http_resp_free(
	    expect_replayed("DELETE", path, f.admin, key, NULL, 204));
	free(key);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s/tags", f.cid);
	r = send_keyed("GET", path, f.admin, key, NULL);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, REPLAYED), "a read takes no key");
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " key = $1",
			 key, DB_END),
	    0);
	free(key);
	tenant_free(&f);
}

/*
 * The first request waits on a row lock of the test's own: its retry is
 * 409, and once the first is through, a replay of its answer.
 */
Test(idempotency, retry_while_the_first_runs_is_409)
{
	struct racer first;
	struct http_resp *r;
	struct tenant_fx f;
	struct rowlock *l;
	pthread_t t;
	char path[128], *key;

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	first = (struct racer){ "PATCH", path, f.admin, key,
		"{\"full_name\":\"Held Back\"}", NULL };
	l = rowlock_take(env_database_url(), f.cid);
	cr_assert_eq(pthread_create(&t, NULL, race_one, &first), 0);
	rowlock_wait_blocked(l, 5000);
	expect_detail_and_free(send_keyed(first.method, path, f.admin, key,
				   first.body),
	    409, RUNNING);
	rowlock_release(l);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_not_null(first.r);
	expect_status(first.r, 200);
	r = send_keyed(first.method, path, f.admin, key, first.body);
	expect_same(first.r, r);
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 1);
	http_resp_free(r);
	http_resp_free(first.r);
	free(key);
	tenant_free(&f);
}

/* Many clients, one key at once: one customer, one event, one answer. */
Test(idempotency, concurrent_same_key_writes_once)
{
	struct racer a[RACERS];
	pthread_t t[RACERS];
	const struct http_resp *won;
	char biz[UUID_STR_LEN], uid[UUID_STR_LEN], *tok, *body, *key, *id;
	int i, created;

	uuid4(biz);
	uuid4(uid);
	tok = tok_admin(biz);
	key = key_new();
	body = cust_body(uid, biz, NULL);
	for (i = 0; i < RACERS; i++) {
		a[i] = (struct racer){ "POST", "/customers", tok, key, body,
			NULL };
		cr_assert_eq(pthread_create(&t[i], NULL, race_one, &a[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	won = NULL;
	created = 0;
	for (i = 0; i < RACERS; i++) {
		cr_assert_not_null(a[i].r);
		if (a[i].r->status == 409) {
			expect_detail(a[i].r, 409, RUNNING);
			continue;
		}
		cr_assert_eq(a[i].r->status, 201, "%d %s", a[i].r->status,
		    a[i].r->body);
		if (http_hdr(a[i].r, REPLAYED) == NULL)
			created++;
		if (won == NULL)
			won = a[i].r;
		else
			expect_same(won, a[i].r);
	}
	cr_assert_eq(created, 1, "%d requests created", created);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE"
			      " business_id = $1",
			 biz, DB_END),
	    1);
	id = db_value("SELECT id::text FROM customers WHERE business_id = $1",
	    biz, DB_END);
	cr_assert_eq(events(id, "v1.customer.created"), 1);
	for (i = 0; i < RACERS; i++)
		http_resp_free(a[i].r);
	free(id);
	free(body);
	free(key);
	free(tok);
}

/*
 * Keys belong to the token's sub: another caller's same key is its own,
 * and an admin of another business with the same key and request gets
 * its own answer (404), never the stored one.
 */
Test(idempotency, keys_are_the_callers_own_across_tenants)
{
	struct http_resp *r, *mine;
	struct tenant_fx a, b;
	char path[128], *key;

	tenant_init(&a);
	tenant_init(&b);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", a.cid);
	mine = send_keyed("PATCH", path, a.admin, key,
	    "{\"full_name\":\"Tenant A\"}");
	expect_status(mine, 200);
	r = send_keyed("PATCH", path, b.admin, key,
	    "{\"full_name\":\"Tenant A\"}");
	expect_detail(r, 404, "Customer not found");
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	/* that 404 reached the database: it is b's stored answer */
	r = send_keyed("PATCH", path, b.admin, key,
	    "{\"full_name\":\"Tenant A\"}");
	expect_detail(r, 404, "Customer not found");
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s", b.cid);
	expect_detail_and_free(send_keyed("PATCH", path, b.admin, key,
				   "{\"full_name\":\"Tenant B\"}"),
	    422, REUSED);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1"
			      " AND full_name = 'Tenant A'",
			 a.cid, DB_END),
	    1);
	http_resp_free(mine);
	free(key);
	tenant_free(&a);
	tenant_free(&b);
}

Test(idempotency, invalid_keys_are_400_and_write_nothing)
{
	static const char *const bad[] = { "a b", "\"q\" x", NULL };
	/*
	 * Empty, control or non-ASCII text: Kore refuses the header line
	 * itself (400 without a body)
	 */
	static const char *const unparsed[] = { "", "tab\there", "caf\xc3\xa9",
		"del\x7f", "ctl\x01", NULL };
	char biz[UUID_STR_LEN], uid[UUID_STR_LEN], long_key[257], path[128];
	struct http_resp *r;
	struct tenant_fx f;
	char *tok, *body;
	int i;

	uuid4(biz);
	uuid4(uid);
	tok = tok_admin(biz);
	body = cust_body(uid, biz, NULL);
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	for (i = 0; bad[i] != NULL; i++)
		expect_detail_and_free(send_keyed("POST", "/customers", tok,
					   bad[i], body),
		    400, INVALID);
	expect_detail_and_free(send_keyed("POST", "/customers", tok, long_key,
				   body),
	    400, INVALID);
	for (i = 0; unparsed[i] != NULL; i++) {
		r = send_keyed("POST", "/customers", tok, unparsed[i], body);
		expect_status(r, 400);
		http_resp_free(r);
	}
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE"
			      " business_id = $1",
			 biz, DB_END),
	    0);
	/* 255 characters are a key */
	long_key[255] = '\0';
	r = send_keyed("POST", "/customers", tok, long_key, body);
	expect_status(r, 201);
	http_resp_free(r);
	tenant_init(&f);
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	expect_detail_and_free(send_keyed("DELETE", path, f.admin, "a b", NULL),
	    400, INVALID);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1",
			 f.cid, DB_END),
	    1);
	tenant_free(&f);
	free(body);
	free(tok);
}

/*
 * A write that rolled back (here its lock wait timed out: 503) stores
 * nothing and lets its key go: the retry runs as a new request.
 */
Test(idempotency, a_rolled_back_write_releases_its_key)
{
	struct http_resp *r;
	struct tenant_fx f;
	struct rowlock *l;
	char path[128], *key;
	const char *body = "{\"full_name\":\"After Timeout\"}";

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	l = rowlock_take(env_database_url(), f.cid);
	r = send_keyed("PATCH", path, f.admin, key, body);
	expect_detail(r, 503, "database unavailable");
	http_resp_free(r);
	rowlock_release(l);
	cr_assert_eq(db_wait_count(0, 0, 5000,
			 "SELECT count(*) FROM idempotency_keys WHERE key = $1",
			 key, DB_END),
	    0, "the claim of a rolled-back write stayed");
	r = send_keyed("PATCH", path, f.admin, key, body);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 1);
	free(key);
	tenant_free(&f);
}

/*
 * A claim as another process left it: running and fresh is 409; running
 * for longer than any statement may run (its process died) is taken
 * over; older than IDEMPOTENCY_TTL_HOURS (24) is absent, whatever it was.
 */
Test(idempotency, running_stale_and_expired_claims)
{
	struct http_resp *r;
	struct tenant_fx f;
	char path[128], request[256], *key;
	const char *body = "{\"full_name\":\"Taken Over\"}";

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	/*
	 * the fingerprint: SHA-256 of method, path, query, the role (1:
	 * admin) and the businesses, If-Match, If-None-Match and body
	 */
	snprintf(request, sizeof(request), "PATCH\n%s\n\n1\n%s,\n\n\n%s", path,
	    f.biz, body);
	db_exec(
	    "INSERT INTO idempotency_keys (owner, key, fingerprint, token)"
	    " VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'),"
	    " gen_random_uuid())",
	    f.sub, key, request, DB_END);
	expect_detail_and_free(send_keyed("PATCH", path, f.admin, key, body),
	    409, RUNNING);
	db_exec("UPDATE idempotency_keys SET created_at = now() - interval"
		" '1 hour' WHERE key = $1",
	    key, DB_END);
	r = send_keyed("PATCH", path, f.admin, key, body);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);

	/* done, with another request's fingerprint, and expired */
	db_exec("UPDATE idempotency_keys SET created_at = now() - interval"
		" '25 hours', fingerprint = 'other' WHERE key = $1",
	    key, DB_END);
	r = send_keyed("PATCH", path, f.admin, key,
	    "{\"full_name\":\"Fresh Again\"}");
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, REPLAYED));
	cr_assert_not_null(strstr(r->body, "Fresh Again"));
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " key = $1 AND state = 'done'"
			      " AND created_at > now() - interval '1 minute'",
			 key, DB_END),
	    1);
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 2);
	free(key);
	tenant_free(&f);
}

/*
 * The key pruner thread deletes the keys older than IDEMPOTENCY_TTL_HOURS,
 * in batches until none is left, from the moment an instance starts; it
 * keeps the younger ones. On a database of the test's own.
 */
Test(idempotency, the_key_pruner_deletes_expired_keys, .timeout = 60)
{
	const char *env[] = { NULL, NULL, "IDEMPOTENCY_TTL_HOURS", "1", NULL };
	struct instance in;
	char url[512], name[64];
	PGresult *res;
	PGconn *c;

	c = scratch_db("bee_idem_", url, sizeof(url), name, sizeof(name));
	res = PQexec(c,
	    "INSERT INTO idempotency_keys (owner, key, fingerprint, token,"
	    " state, created_at) SELECT 'o', 'old' || n, 'f',"
	    " gen_random_uuid(), 'done', now() - interval '2 hours'"
	    " FROM generate_series(1, 2500) n"
	    " UNION ALL SELECT 'o', 'young', 'f', gen_random_uuid(), 'done',"
	    " now() - interval '50 minutes'");
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s",
	    PQresultErrorMessage(res));
	PQclear(res);
	env[0] = "DATABASE_URL";
	env[1] = url;
	instance_start(&in, env);
	cr_assert_eq(db_wait_count_on(c, 1, 1, 20000,
			 "SELECT count(*) FROM idempotency_keys", DB_END),
	    1, "2 500 expired keys are not all gone");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM idempotency_keys WHERE key ="
			 " 'young'",
			 DB_END),
	    1);
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}

/*
 * An erasure deletes the stored answers about the customer: of a PATCH,
 * a note, tags, and the POST that created another one; none of the
 * person's data stays in idempotency_keys, and a retry of those keys runs
 * again (404, as the customer is gone; a POST creates anew). The
 * erasure's own key still replays its 204.
 */
Test(idempotency, erasure_deletes_the_stored_answers_about_the_customer)
{
	struct http_resp *r;
	struct tenant_fx f;
	char path[160], notes[160], tags[160], body[256], uid[UUID_STR_LEN];
	char *kpatch, *knote, *ktag, *kpost, *kdel, *kgdpr, *post, *id;
	const char *patch = "{\"full_name\":\"Secret Name\"}";
	const char *note = "{\"content\":\"Secret note\"}";
	const char *tag = "{\"labels\":[\"SecretTag\"]}";
	json_t *j;

	tenant_init(&f);
	kpatch = key_new();
	knote = key_new();
	ktag = key_new();
	kpost = key_new();
	kdel = key_new();
	kgdpr = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	snprintf(notes, sizeof(notes), "/customers/%s/notes", f.cid);
	snprintf(tags, sizeof(tags), "/customers/%s/tags", f.cid);
	http_resp_free(
	    expect_replayed("PATCH", path, f.admin, kpatch, patch, 200));
	http_resp_free(
	    expect_replayed("POST", notes, f.admin, knote, note, 201));
	http_resp_free(expect_replayed("POST", tags, f.admin, ktag, tag, 201));
	uuid4(uid);
	post = cust_body(uid, f.biz, "Other Secret");
	r = expect_replayed("POST", "/customers", f.admin, kpost, post, 201);
	j = resp_json(r);
	id = strdup(json_str(j, "id"));
	json_decref(j);
	http_resp_free(r);
	cr_assert_eq(stored_with(f.sub, "Secret"), 4);
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " customer_id = $1",
			 id, DB_END),
	    1, "the created customer is the POST's");

	http_resp_free(
	    expect_replayed("DELETE", path, f.admin, kdel, NULL, 204));
	snprintf(body, sizeof(body),
	    "{\"user_id\":\"%s\",\"business_id\":\"%s\"}", uid, f.biz);
	http_resp_free(
	    expect_replayed("POST", "/gdpr/delete", f.admin, kgdpr, body, 204));
	cr_assert_eq(stored_with(f.sub, "Secret"), 0,
	    "an erased person's data stayed in idempotency_keys");
	cr_assert_eq(stored_with(f.sub, "ana@example.com"), 0);
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " owner = $1",
			 f.sub, DB_END),
	    2, "the erasures' own keys only");

	r = send_keyed("PATCH", path, f.admin, kpatch, patch);
	expect_detail(r, 404, "Customer not found");
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	r = send_keyed("POST", notes, f.admin, knote, note);
	expect_detail(r, 404, "Customer not found");
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	/* the erasures' own answers replay */
	r = send_keyed("DELETE", path, f.admin, kdel, NULL);
	expect_status(r, 204);
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	http_resp_free(r);
	/* a create's key, once its customer is erased, creates again */
	r = send_keyed("POST", "/customers", f.admin, kpost, post);
	expect_status(r, 201);
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	free(kpatch);
	free(knote);
	free(ktag);
	free(kpost);
	free(kdel);
	free(kgdpr);
	free(post);
	free(id);
	tenant_free(&f);
}

/*
 * A keyed write, here the test's own transaction, that locked the
 * customer's row before the erasure and stored an answer and an event the
 * erasure's statement could not see when it started, commits while the
 * erasure waits for the row: the erasure deletes that answer and scrubs
 * that event too (migration 0016), and keeps its own answer.
 */
Test(idempotency, erasure_reaches_a_write_committed_while_it_waited)
{
	static const char late_write[] =
	    "WITH k AS (INSERT INTO idempotency_keys (owner, key, fingerprint,"
	    " token, state, response, customer_id) VALUES ('late-writer',"
	    " $1::uuid::text, 'f', gen_random_uuid(), 'done',"
	    " ARRAY['(Late Secret)'], $1::uuid) RETURNING 1),"
	    " e AS (INSERT INTO outbox (routing_key, business_id, customer_id,"
	    " payload) SELECT 'v1.customer.tagged', c.business_id, c.id,"
	    " jsonb_build_object('customer_id', c.id, 'label', 'Late Label')"
	    " FROM customers c WHERE c.id = $1::uuid RETURNING 1)"
	    " UPDATE customers SET full_name = 'Late Secret'"
	    " WHERE id = $1::uuid RETURNING id";
	struct racer erase;
	struct tenant_fx f;
	char path[128], *key;

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	erase = (struct racer){ "DELETE", path, f.admin, key, NULL, NULL };
	rowlock_during(env_database_url(), late_write, f.cid, race_one, &erase);
	cr_assert_not_null(erase.r);
	expect_status(erase.r, 204);
	http_resp_free(erase.r);
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " owner = 'late-writer' AND key = $1",
			 f.cid, DB_END),
	    0, "the answer committed while the erasure waited stayed");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE"
			      " customer_id = $1 AND payload ? 'label'"
			      " AND payload ->> 'label' IS NULL",
			 f.cid, DB_END),
	    1, "the event committed while the erasure waited kept its label");
	cr_assert_eq(db_count("SELECT count(*) FROM idempotency_keys WHERE"
			      " key = $1 AND state = 'done'",
			 key, DB_END),
	    1, "the erasure's own answer is gone");
	free(key);
	tenant_free(&f);
}

/*
 * The token's businesses are part of the request: the same sub whose
 * token now names another business gets 422, never a replay of an answer
 * about a customer it no longer reaches; the same businesses in another
 * order are the same request.
 */
Test(idempotency, a_token_with_other_businesses_is_another_request)
{
	struct http_resp *r;
	struct tenant_fx a, b;
	char path[128], *key, *both, *swapped, *elsewhere;
	const char *body = "{\"full_name\":\"Scoped Name\"}";

	tenant_init(&a);
	tenant_init(&b);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", a.cid);
	both = tok_businesses(a.sub, a.biz, b.biz);
	swapped = tok_businesses(a.sub, b.biz, a.biz);
	elsewhere = tok_sub("admin_business", a.sub, b.biz);
	r = send_keyed("PATCH", path, both, key, body);
	expect_status(r, 200);
	http_resp_free(r);
	r = send_keyed("PATCH", path, swapped, key, body);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	http_resp_free(r);
	r = send_keyed("PATCH", path, elsewhere, key, body);
	expect_detail(r, 422, REUSED);
	cr_assert_null(strstr(r->body, "Scoped Name"));
	http_resp_free(r);
	/* the same sub naming a's business only: another request too */
	expect_detail_and_free(send_keyed("PATCH", path, a.admin, key, body),
	    422, REUSED);
	free(both);
	free(swapped);
	free(elsewhere);
	free(key);
	tenant_free(&a);
	tenant_free(&b);
}

/*
 * If-Match is part of the request: a stored 412 replays for the same
 * If-Match (spaces aside), and the same edit with the version read since
 * is another request (422), never the stale 412 again.
 */
Test(idempotency, a_stored_412_and_another_if_match)
{
	struct http_resp *r;
	struct tenant_fx f;
	char path[128], *key;
	const char *body = "{\"full_name\":\"Careful Edit\"}";

	tenant_init(&f);
	key = key_new();
	snprintf(path, sizeof(path), "/customers/%s", f.cid);
	r = send_keyed_with("PATCH", path, f.admin, key, body,
	    "If-Match: \"7\", \"8\"");
	expect_detail(r, 412, "Precondition Failed");
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	r = send_keyed_with("PATCH", path, f.admin, key, body,
	    "If-Match: \"7\",\"8\"");
	expect_detail(r, 412, "Precondition Failed");
	cr_assert_str_eq(http_hdr(r, REPLAYED), "true");
	http_resp_free(r);
	r = send_keyed_with("PATCH", path, f.admin, key, body,
	    "If-Match: \"1\"");
	expect_detail(r, 422, REUSED);
	http_resp_free(r);
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 0);
	free(key);
	key = key_new();
	r = send_keyed_with("PATCH", path, f.admin, key, body,
	    "If-Match: \"1\"");
	expect_status(r, 200);
	http_resp_free(r);
	cr_assert_eq(events(f.cid, "v1.customer.updated"), 1);
	free(key);
	tenant_free(&f);
}

/*
 * A keyed PATCH of f's customer from a client that leaves while its
 * statement waits on rows the test locks (lock_sql with the key as $1;
 * NULL: the customer's row): the key must be given back (5 s at most),
 * the lock released before (hold 0) or after (hold 1); then the same
 * request runs anew, once.
 */
static void
expect_key_back_when_gone(const struct tenant_fx *f, const char *key,
    const char *lock_sql, int hold)
{
	struct http_resp *r;
	struct rowlock *l;
	char path[128];
	const char *body = "{\"full_name\":\"Client Gone\"}";
	int fd;

	snprintf(path, sizeof(path), "/customers/%s", f->cid);
	if (lock_sql != NULL)
		l = rowlock_take_sql(env_database_url(), lock_sql, key);
	else
		l = rowlock_take(env_database_url(), f->cid);
	fd = send_keyed_only("PATCH", path, f->admin, key, body);
	rowlock_wait_blocked(l, 5000);
	raw_close_seen(fd, 10000); /* the worker saw its client go */
	if (!hold)
		rowlock_release(l);
	cr_assert_eq(db_wait_count(0, 0, 5000,
			 "SELECT count(*) FROM idempotency_keys WHERE key = $1",
			 key, DB_END),
	    0, "the claim of a client that left stayed");
	if (hold)
		rowlock_release(l);
	cr_assert_eq(events(f->cid, "v1.customer.updated"), 0);
	r = send_keyed("PATCH", path, f->admin, key, body);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, REPLAYED));
	http_resp_free(r);
	cr_assert_eq(events(f->cid, "v1.customer.updated"), 1);
}

/*
 * A client that leaves while its claim waits (here on the key's row,
 * locked by the test: an expired claim being taken over) gives the key
 * back once the claim is in: no 409 for minutes, and nothing written.
 */
Test(idempotency, a_client_gone_while_claiming_gives_the_key_back)
{
	struct tenant_fx f;
	char *key;

	tenant_init(&f);
	key = key_new();
	db_exec("INSERT INTO idempotency_keys (owner, key, fingerprint, token,"
		" state, created_at) VALUES ($1, $2, 'old', gen_random_uuid(),"
		" 'done', now() - interval '25 hours')",
	    f.sub, key, DB_END);
	expect_key_back_when_gone(&f, key,
	    "SELECT 1 FROM idempotency_keys WHERE key = $1 FOR UPDATE", 0);
	free(key);
	tenant_free(&f);
}

/*
 * A client that leaves while its write waits on the customer's row, the
 * write then rolled back (its lock wait timed out, the test still holding
 * the row): the key is given back.
 */
Test(idempotency, a_client_gone_before_a_rollback_gives_the_key_back)
{
	struct tenant_fx f;
	char *key;

	tenant_init(&f);
	key = key_new();
	expect_key_back_when_gone(&f, key, NULL, 1);
	free(key);
	tenant_free(&f);
}
