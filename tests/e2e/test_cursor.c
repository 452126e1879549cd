/*
 * Pages by cursor (docs/api.md, "Pages"): GET /customers and a customer's
 * orders and appointments answer a page followed by more rows with
 * `Link: <...cursor=...>; rel="next"`, the same path and filters; the
 * walk sees every row that was there when it began exactly once while
 * others are inserted; a cursor with other filters (another business: a
 * tenant's cursor never opens another's rows), with skip, or malformed is
 * a 422 at ["query","cursor"]. Every test seeds a fresh random business.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "hist.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define SEEDED 3000
#define PAGE 250

struct walk {
	json_t *ids; /* every id seen, in order */
	int pages;
	int short_pages; /* pages with fewer than the limit, all but the last */
};

struct inserter {
	const char *business;
	volatile int stop;
	int created;
};

static char *link_target(const struct http_resp *);
static void walk(const char *, const char *, const char *, int, struct walk *);
static void seed_business(const char *, int);
static void *insert_meanwhile(void *);
static json_t *ids_of(const char *, const char *);
static void expect_exactly_once(const json_t *, const json_t *);
static void expect_cursor_422(const char *, const char *, const char *,
    const char *);
static char *first_cursor(const char *, const char *);
static void expect_200(const char *, const char *);
static json_t *page_ids(const char *, const char *, const char *);
static void expect_walk_is_page(const char *, const char *, const char *, int);
static uint64_t fnv(uint64_t, const void *, size_t);
static char *orders_cursor(const char *, const char *const[3]);

/* The Link header's target: a path and query, or NULL without one. */
static char *
link_target(const struct http_resp *r)
{
	const char *v, *end;

	cr_assert_leq(http_hdr_count(r, "link"), 1);
	if ((v = http_hdr(r, "link")) == NULL)
		return (NULL);
	cr_assert_eq(v[0], '<', "Link %s", v);
	end = strchr(v, '>');
	cr_assert(end != NULL && strcmp(end, ">; rel=\"next\"") == 0, "Link %s",
	    v);
	return (strndup(v + 1, (size_t)(end - v - 1)));
}

/*
 * Follows Links from path as tok until a page has none; each page's ids
 * (the `id` key, or `key`) appended to w->ids.
 */
static void
walk(const char *tok, const char *path, const char *key, int limit,
    struct walk *w)
{
	struct http_resp *r;
	json_t *page, *item;
	char *next, *at;
	size_t i;

	memset(w, 0, sizeof(*w));
	w->ids = json_array();
	at = strdup(path);
	while (at != NULL) {
		r = http_req_tok("GET", at, tok, NULL);
		expect_status(r, 200);
		page = resp_json(r);
		cr_assert(json_is_array(page), "%s", r->body);
		json_array_foreach(page, i, item)
			json_array_append(w->ids, json_object_get(item, key));
		next = link_target(r);
		if (next != NULL) {
			cr_assert_eq(json_array_size(page), (size_t)limit,
			    "a page with a Link is a full one");
			/* the same path, no skip */
			cr_assert_eq(strncmp(next, path, strcspn(path, "?")), 0,
			    "%s after %s", next, path);
			cr_assert_null(strstr(next, "skip="), "%s", next);
		} else if ((int)json_array_size(page) < limit) {
			w->short_pages++;
		}
		w->pages++;
		json_decref(page);
		http_resp_free(r);
		free(at);
		at = next;
		cr_assert_lt(w->pages, 10000, "no end to the pages");
	}
}

/*
 * n customers in business b, names with ties, case and accents so that
 * the collation and the id order both matter.
 */
static void
seed_business(const char *b, int n)
{
	char count[16];

	(void)snprintf(count, sizeof(count), "%d", n);
	db_exec(
	    "INSERT INTO customers (id, user_id, business_id, full_name,"
	    " email) SELECT gen_random_uuid(), gen_random_uuid(), $1,"
	    " (ARRAY['Cust ', 'cust ', '\xc3\x87ust ', 'Cust-'])[g % 4 + 1]"
	    " || lpad((g % ($2::int / 3 + 1))::text, 5, '0'),"
	    " 'c' || g || '@example.com' FROM generate_series(1, $2::int) g",
	    b, count, DB_END);
}

/* New customers in the business until told to stop, through the API. */
static void *
insert_meanwhile(void *arg)
{
	struct inserter *in = arg;
	struct http_resp *r;
	char user[UUID_STR_LEN], name[32], *tok, *body;
	unsigned seed = 7;

	tok = tok_internal();
	while (!in->stop && in->created < 400) {
		uuid4(user);
		(void)snprintf(name, sizeof(name), "Cust %05d",
		    rand_r(&seed) % (SEEDED / 3 + 2));
		body = cust_body(user, in->business, name);
		r = http_req_tok("POST", "/customers", tok, body);
		if (r != NULL && r->status == 201)
			in->created++;
		http_resp_free(r);
		free(body);
	}
	free(tok);
	return (NULL);
}

/* The ids of business b's customers now, as text, from PostgreSQL. */
static json_t *
ids_of(const char *b, const char *term)
{
	json_t *ids;
	char *text;

	text = db_value("SELECT coalesce(json_agg(id), '[]') FROM customers"
			" WHERE business_id = $1 AND ($2 = ''"
			" OR full_name ILIKE '%' || $2 || '%')",
	    b, term != NULL ? term : "", DB_END);
	ids = json_loads(text, 0, NULL);
	cr_assert(ids != NULL);
	free(text);
	return (ids);
}

/* Each of want appears in seen exactly once; nothing in seen twice. */
static void
expect_exactly_once(const json_t *want, const json_t *seen)
{
	json_t *count, *v;
	const char *id;
	size_t i;

	count = json_object();
	json_array_foreach(seen, i, v) {
		id = json_string_value(v);
		cr_assert(id != NULL);
		cr_assert_null(json_object_get(count, id), "%s seen twice", id);
		json_object_set_new(count, id, json_true());
	}
	json_array_foreach(want, i, v) {
		cr_assert_not_null(json_object_get(count, json_string_value(v)),
		    "%s skipped", json_string_value(v));
	}
	json_decref(count);
}

Test(cursor, business_walk_while_customers_are_inserted, .timeout = 120)
{
	char b[UUID_STR_LEN], path[128], *tok;
	struct inserter in = { 0 };
	struct walk w;
	json_t *before, *after;
	pthread_t t;

	uuid4(b);
	seed_business(b, SEEDED);
	before = ids_of(b, NULL);
	cr_assert_eq(json_array_size(before), SEEDED);
	in.business = b;
	cr_assert_eq(pthread_create(&t, NULL, insert_meanwhile, &in), 0);

	tok = tok_admin(b);
	(void)snprintf(path, sizeof(path), "/customers?business_id=%s&limit=%d",
	    b, PAGE);
	walk(tok, path, "id", PAGE, &w);
	in.stop = 1;
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_gt(in.created, 0, "nothing inserted during the walk");

	expect_exactly_once(before, w.ids);
	cr_assert_geq(w.pages, SEEDED / PAGE);
	cr_assert_leq(w.short_pages, 1);
	/* whatever it saw exists, and nothing of another business */
	after = ids_of(b, NULL);
	expect_exactly_once(w.ids, after);
	json_decref(after);
	json_decref(before);
	json_decref(w.ids);
	free(tok);
}

/*
 * The walk's order is the list's: the same ids as one skip page of all of
 * them, for a superadmin's search over all businesses (by /api/customers)
 * and an admin's search in one.
 */
Test(cursor, search_walk_matches_the_skip_order, .timeout = 60)
{
	char b[UUID_STR_LEN], path[256], walked[256], *tok;

	uuid4(b);
	seed_business(b, 900);
	tok = tok_admin(b);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&limit=500&query=ust+001", b);
	(void)snprintf(walked, sizeof(walked),
	    "/api/customers/?business_id=%s&limit=37&search=ust+001", b);
	expect_walk_is_page(tok, path, walked, 37);
	free(tok);

	/* a superadmin over all businesses: a term only this one has */
	tok = tok_superadmin();
	db_exec("UPDATE customers SET full_name = full_name || ' ' || $1"
		" WHERE business_id = $1 AND full_name ILIKE '%ust 001%'",
	    b, DB_END);
	(void)snprintf(path, sizeof(path), "/customers?limit=500&query=%.8s",
	    b);
	(void)snprintf(walked, sizeof(walked), "/customers?limit=29&query=%.8s",
	    b);
	expect_walk_is_page(tok, path, walked, 29);
	free(tok);
}

/* The ids (key) of one page, which has no next one. */
static json_t *
page_ids(const char *tok, const char *path, const char *key)
{
	struct http_resp *r;
	json_t *page, *ids, *item;
	size_t i;

	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, "link"), "%s: more than one page", path);
	page = resp_json(r);
	ids = json_array();
	json_array_foreach(page, i, item)
		json_array_append(ids, json_object_get(item, key));
	json_decref(page);
	http_resp_free(r);
	return (ids);
}

/* A walk from walked (limit) sees what one page of path has, in order. */
static void
expect_walk_is_page(const char *tok, const char *path, const char *walked,
    int limit)
{
	struct walk w;
	json_t *want;

	want = page_ids(tok, path, "id");
	cr_assert_gt(json_array_size(want), 100);
	cr_assert_lt(json_array_size(want), 500);
	walk(tok, walked, "id", limit, &w);
	cr_assert(json_equal(w.ids, want), "%s: not in %s's order", walked,
	    path);
	json_decref(w.ids);
	json_decref(want);
}

Test(cursor, exact_pages_end_without_link)
{
	char b[UUID_STR_LEN], path[128], *tok;
	struct http_resp *r;

	uuid4(b);
	seed_business(b, 10);
	tok = tok_admin(b);
	(void)snprintf(path, sizeof(path), "/customers?business_id=%s&limit=10",
	    b);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, "link"), "a whole list has no next page");
	http_resp_free(r);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&limit=9&skip=1", b);
	r = http_req_tok("GET", path, tok, NULL);
	cr_assert_null(http_hdr(r, "link"));
	http_resp_free(r);
	/* a skip page with more after it: its Link has the cursor, no skip */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&limit=4&skip=3", b);
	r = http_req_tok("GET", path, tok, NULL);
	cr_assert_not_null(http_hdr(r, "link"));
	cr_assert_null(strstr(http_hdr(r, "link"), "skip"));
	http_resp_free(r);
	free(tok);
}

/* The first page's cursor of a business listed as tok. */
static char *
first_cursor(const char *tok, const char *path)
{
	struct http_resp *r;
	char *next, *c;

	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	next = link_target(r);
	cr_assert_not_null(next, "no Link on %s", path);
	c = strdup(strstr(next, "cursor=") + 7);
	free(next);
	http_resp_free(r);
	return (c);
}

static void
expect_200(const char *tok, const char *path)
{
	struct http_resp *r;

	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	http_resp_free(r);
}

/* One 422 item at ["query","cursor"] with this msg and the cursor sent. */
static void
expect_cursor_422(const char *tok, const char *path, const char *cursor,
    const char *msg)
{
	struct http_resp *r;
	json_t *j, *item, *ctx;

	r = http_req_tok("GET", path, tok, NULL);
	j = expect_422(r);
	item = expect_item(j, "[\"query\",\"cursor\"]", "value_error", msg);
	cr_assert_str_eq(json_str(item, "input"), cursor);
	ctx = json_pack("{s:{}}", "error");
	cr_assert(json_equal(json_object_get(item, "ctx"), ctx));
	json_decref(ctx);
	cr_assert_eq(items_count(j), 1, "%s", r->body);
	cr_assert_null(http_hdr(r, "link"));
	json_decref(j);
	http_resp_free(r);
}

#define MSG_MALFORMED "Value error, malformed cursor"
#define MSG_OTHER "Value error, cursor was made for other filters"
#define MSG_SKIP "Value error, cursor cannot be combined with skip"

Test(cursor, tenant_isolation)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN], path[1024];
	char *tok_a, *tok_b, *tok_s, *ca;
	struct http_resp *r;

	uuid4(a);
	uuid4(b);
	seed_business(a, 6);
	seed_business(b, 6);
	tok_a = tok_admin(a);
	tok_b = tok_admin(b);
	tok_s = tok_superadmin();
	(void)snprintf(path, sizeof(path), "/customers?business_id=%s&limit=2",
	    a);
	ca = first_cursor(tok_a, path);

	/* A's cursor with B's filter, as B's admin or a superadmin */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&cursor=%s", b, ca);
	expect_cursor_422(tok_b, path, ca, MSG_OTHER);
	expect_cursor_422(tok_s, path, ca, MSG_OTHER);
	/* or without a business */
	(void)snprintf(path, sizeof(path), "/customers?cursor=%s", ca);
	expect_cursor_422(tok_s, path, ca, MSG_OTHER);
	/* B's admin naming A: the role check, whatever the cursor */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&cursor=%s", a, ca);
	r = http_req_tok("GET", path, tok_b, NULL);
	expect_detail(r, 403, "Admin privileges required");
	http_resp_free(r);
	/* and A's admin goes on */
	expect_200(tok_a, path);
	free(ca);
	free(tok_a);
	free(tok_b);
	free(tok_s);
}

Test(cursor, every_422)
{
	char b[UUID_STR_LEN], path[8192], *tok, *c, *cut, *longc;
	struct http_resp *r;
	json_t *j;

	uuid4(b);
	seed_business(b, 6);
	tok = tok_admin(b);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&limit=2&query=ust", b);
	c = first_cursor(tok, path);

	/* another term, or none */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=cust&cursor=%s", b, c);
	expect_cursor_422(tok, path, c, MSG_OTHER);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&cursor=%s", b, c);
	expect_cursor_422(tok, path, c, MSG_OTHER);
	/* the alias and another limit are the same filters */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&search=ust&limit=3&cursor=%s", b, c);
	expect_200(tok, path);
	/* with skip; skip=0 is no skip */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&skip=2&cursor=%s", b, c);
	expect_cursor_422(tok, path, c, MSG_SKIP);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&skip=0&cursor=%s", b, c);
	expect_200(tok, path);
	/* malformed: cut, padded, another alphabet, empty, overlong */
	cut = strndup(c, strlen(c) - 3);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&cursor=%s", b, cut);
	expect_cursor_422(tok, path, cut, MSG_MALFORMED);
	free(cut);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&cursor=%s%%3D", b, c);
	cr_assert_gt(asprintf(&cut, "%s=", c), 0);
	expect_cursor_422(tok, path, cut, MSG_MALFORMED);
	free(cut);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&cursor=ab%%2Bcd", b);
	expect_cursor_422(tok, path, "ab+cd", MSG_MALFORMED);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&cursor=", b);
	expect_cursor_422(tok, path, "", MSG_MALFORMED);
	longc = calloc(1, 1101); /* over 1024 */
	memset(longc, 'A', 1100);
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&query=ust&cursor=%s", b, longc);
	expect_cursor_422(tok, path, longc, MSG_MALFORMED);
	free(longc);
	/* with other items: in the query's order, cursor last */
	(void)snprintf(path, sizeof(path),
	    "/customers?business_id=%s&limit=0&query=ust&cursor=x", b);
	r = http_req_tok("GET", path, tok, NULL);
	j = expect_422(r);
	expect_item_locs(j,
	    (const char *const[]){ "[\"query\",\"limit\"]",
		"[\"query\",\"cursor\"]" },
	    2);
	json_decref(j);
	http_resp_free(r);
	free(c);
	free(tok);
}

/*
 * Orders and appointments: ties on the time, rows without one (last), a
 * walk by cursor equal to the whole list, no Link after the last page; a
 * cursor of one customer or list refused on another.
 */
Test(cursor, orders_and_appointments)
{
	char b[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char id2[UUID_STR_LEN], user2[UUID_STR_LEN];
	char path[512], oid[64], upd[64], *tok, *c;
	struct http_resp *r;
	struct walk w;
	json_t *all;
	int i;

	uuid4(b);
	cust_create(b, id, user);
	cust_create(b, id2, user2);
	for (i = 0; i < 23; i++) {
		(void)snprintf(oid, sizeof(oid), "o-%02d", i);
		(void)snprintf(upd, sizeof(upd),
		    "2026-01-01T00:00:%02d.123456Z", i % 5);
		hist_order(b, user, oid, "10.5", "paid",
		    i % 6 == 0	   ? NULL :
			i % 3 == 0 ? "2025-05-05T05:05:05.000001Z" :
				     "2025-05-06T00:00:00Z",
		    upd);
		(void)snprintf(oid, sizeof(oid), "a-%02d", i);
		hist_appointment(b, user, oid,
		    i % 4 == 0 ? NULL : "2025-07-01T09:30:00.5Z", "booked",
		    upd);
	}
	hist_order(b, user2, "other-customer", "1", "paid", NULL,
	    "2026-01-01T00:00:00Z");
	tok = tok_admin(b);

	(void)snprintf(path, sizeof(path), "/customers/%s/orders?limit=100",
	    id);
	all = page_ids(tok, path, "order_id");
	cr_assert_eq(json_array_size(all), 23);
	(void)snprintf(path, sizeof(path), "/customers/%s/orders?limit=4", id);
	walk(tok, path, "order_id", 4, &w);
	cr_assert(json_equal(w.ids, all), "orders by cursor");
	cr_assert_eq(w.pages, 6);
	json_decref(w.ids);
	json_decref(all);

	(void)snprintf(path, sizeof(path),
	    "/api/customers/%s/appointments/?limit=5", id);
	walk(tok, path, "appointment_id", 5, &w);
	cr_assert_eq(json_array_size(w.ids), 23);
	expect_exactly_once(w.ids, w.ids);
	json_decref(w.ids);

	/* an orders cursor on appointments, on another customer, with skip */
	(void)snprintf(path, sizeof(path), "/customers/%s/orders?limit=4", id);
	c = first_cursor(tok, path);
	(void)snprintf(path, sizeof(path),
	    "/customers/%s/appointments?cursor=%s", id, c);
	expect_cursor_422(tok, path, c, MSG_MALFORMED);
	(void)snprintf(path, sizeof(path), "/customers/%s/orders?cursor=%s",
	    id2, c);
	expect_cursor_422(tok, path, c, MSG_OTHER);
	(void)snprintf(path, sizeof(path),
	    "/customers/%s/orders?skip=1&cursor=%s", id, c);
	expect_cursor_422(tok, path, c, MSG_SKIP);
	/* the customer's own token pages too; the limit may change */
	free(tok);
	tok = tok_customer(user);
	(void)snprintf(path, sizeof(path),
	    "/customers/%s/orders?limit=3&cursor=%s", id, c);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	cr_assert_not_null(strstr(http_hdr(r, "link"), "?limit=3&cursor="));
	http_resp_free(r);
	(void)snprintf(path, sizeof(path), "/customers/%s/orders?cursor=%s", id,
	    c);
	r = http_req_tok("GET", path, tok, NULL);
	all = resp_json(r);
	cr_assert_eq(json_array_size(all), 19, "the rest at the default limit");
	cr_assert_null(http_hdr(r, "link"));
	json_decref(all);
	http_resp_free(r);
	free(c);
	free(tok);
}

/* The default limit (100) and the bound (500) of the history lists. */
Test(cursor, history_limit)
{
	char b[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char path[256], *tok;
	struct http_resp *r;
	json_t *j;

	uuid4(b);
	cust_create(b, id, user);
	db_exec(
	    "INSERT INTO customer_orders (order_id, business_id, user_id,"
	    " status, created_at, updated_at) SELECT $1 || g, $2, $3, 'paid',"
	    " now() - g * interval '1 minute', now() FROM"
	    " generate_series(1, 101) g",
	    id, b, user, DB_END);
	tok = tok_admin(b);
	(void)snprintf(path, sizeof(path), "/customers/%s/orders", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), 100);
	cr_assert_not_null(http_hdr(r, "link"));
	json_decref(j);
	http_resp_free(r);
	(void)snprintf(path, sizeof(path), "/customers/%s/orders?limit=501",
	    id);
	r = http_req_tok("GET", path, tok, NULL);
	j = expect_422(r);
	expect_item(j, "[\"query\",\"limit\"]", "less_than_equal", NULL);
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

/* ---- hand-made cursors ---- */

#define FNV_OFFSET 0xcbf29ce484222325ULL

/* FNV-1a, the cursor's fingerprint and checksum. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/*
 * An orders cursor of the customer `id` with these keys (created_at or
 * NULL, updated_at, order_id), made by hand from the bytes the service
 * reads (version 1, kind 2, the fingerprint of the customer's id, each
 * key's length and bytes, the checksum; base64url without padding), as
 * anyone can: it is checked, not signed. Caller frees.
 */
static char *
orders_cursor(const char *id, const char *const keys[3])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789-_";
	unsigned char raw[512], kind = 2, present = 1;
	uint64_t v;
	size_t n, i, k, len;
	char *text;

	raw[0] = 1;
	raw[1] = kind;
	/* the fingerprint: the kind, then the one filter (present, bytes, NUL) */
	v = fnv(fnv(fnv(FNV_OFFSET, &kind, 1), &present, 1), id,
	    strlen(id) + 1);
	for (i = 0; i < 8; i++)
		raw[2 + i] = (unsigned char)(v >> (56 - 8 * i));
	raw[10] = 3;
	for (k = 11, i = 0; i < 3; i++) {
		len = keys[i] != NULL ? strlen(keys[i]) : 0xffff;
		raw[k++] = (unsigned char)(len >> 8);
		raw[k++] = (unsigned char)(len & 0xff);
		if (keys[i] != NULL) {
			memcpy(raw + k, keys[i], len);
			k += len;
		}
	}
	v = fnv(FNV_OFFSET, raw, k);
	for (i = 0; i < 8; i++)
		raw[k++] = (unsigned char)(v >> (56 - 8 * i));
	text = calloc(1, k / 3 * 4 + 4);
	cr_assert_not_null(text);
	for (i = 0, n = 0; i < k; i += 3) {
		v = (uint64_t)raw[i] << 16 |
		    (i + 1 < k ? (uint64_t)raw[i + 1] << 8 : 0) |
		    (i + 2 < k ? raw[i + 2] : 0);
		text[n++] = b64[v >> 18 & 63];
		text[n++] = b64[v >> 12 & 63];
		if (i + 1 < k)
			text[n++] = b64[v >> 6 & 63];
		if (i + 2 < k)
			text[n++] = b64[v & 63];
	}
	return (text);
}

/*
 * A hand-made cursor may name any time PostgreSQL can hold (the earliest
 * and a far one: a page), but not one before that range, which would make
 * the statement fail (a 500): 422, malformed, as created_at or updated_at.
 */
Test(cursor, hand_made_times_outside_postgresql_range)
{
	static const char *const ok[] = { "-210866803200000000", "0",
		"999999999999999999" };
	static const char *const bad[] = { "-210866803200000001",
		"-999999999999999999" };
	char b[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char path[1024], *tok, *c;
	const char *keys[3];
	size_t i;

	uuid4(b);
	cust_create(b, id, user);
	hist_order(b, user, "o-1", "1", "paid", NULL, "2026-01-01T00:00:00Z");
	tok = tok_admin(b);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		keys[0] = ok[i];
		keys[1] = ok[i];
		keys[2] = "o-0";
		c = orders_cursor(id, keys);
		(void)snprintf(path, sizeof(path),
		    "/customers/%s/orders?cursor=%s", id, c);
		expect_200(tok, path);
		free(c);
	}
	for (i = 0; i < 2 * sizeof(bad) / sizeof(bad[0]); i++) {
		keys[0] = i % 2 == 0 ? bad[i / 2] : NULL;
		keys[1] = i % 2 == 0 ? "0" : bad[i / 2];
		keys[2] = "o-0";
		c = orders_cursor(id, keys);
		(void)snprintf(path, sizeof(path),
		    "/customers/%s/orders?cursor=%s", id, c);
		expect_cursor_422(tok, path, c, MSG_MALFORMED);
		free(c);
	}
	free(tok);
}
