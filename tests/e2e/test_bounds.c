/*
 * Bounded sizes wherever a client chooses a count: skip at most 100 000 and limit 1..500 on every list (customers,
 * tags under both tag routes, notes, orders, appointments), each list a
 * page at a time; at most 100 labels in one tag request; and the export,
 * which must stay whole, streamed (chunked) in pages instead of held:
 * whole, in its lists' order, equal to the routes' pages end to end, on a
 * keep-alive connection that serves the next request, over HTTP/1.0 (the
 * body ends with the connection), and with a client that leaves mid-way;
 * a client that stops reading closed at the deadline, HEAD without a list
 * read, a body cut by the database logged as the error it was, and
 * keyset pages (bounds inside ties and rows without a time, rows deleted
 * mid-export).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "scratch.h"
#include "token.h"
#include "uuid4.h"

#define SKIP_MAX "100000"
#define MSG_LE_SKIP "Input should be less than or equal to 100000"
/* more orders than two of the export's pages (5000 each) */
#define MANY_ORDERS 12345
/* a body (8 MB) far more than the socket buffers of both ends hold */
#define STALL_ORDERS 50000
#define STALL_ORDERS_TEXT "50000"

struct fx {
	char biz[UUID_STR_LEN];
	char cid[UUID_STR_LEN];
	char uid[UUID_STR_LEN];
	char *tok; /* superadmin */
};

static void
fx_init(struct fx *f)
{
	uuid4(f->biz);
	cust_create(f->biz, f->cid, f->uid);
	f->tok = tok_superadmin();
}

static struct http_resp *get(const struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct http_resp *
get(const struct fx *f, const char *fmt, ...)
{
	struct http_resp *r;
	va_list ap;
	char *path;

	va_start(ap, fmt);
	cr_assert(vasprintf(&path, fmt, ap) != -1);
	va_end(ap);
	r = http_req_tok("GET", path, f->tok, NULL);
	free(path);
	return (r);
}

/* The body of a 200 that is a JSON array. */
static json_t *
expect_array(struct http_resp *r)
{
	json_t *j;

	expect_status(r, 200);
	j = resp_json(r);
	cr_assert(json_is_array(j), "not an array: %.200s", r->body);
	http_resp_free(r);
	return (j);
}

/* Runs a seeding statement whose last parameter is the row count n. */
static void
seed(const char *sql, const char *a, const char *b, const char *c, int n)
{
	char count[16];

	snprintf(count, sizeof(count), "%d", n);
	if (b == NULL)
		db_exec(sql, a, count, DB_END);
	else if (c == NULL)
		db_exec(sql, a, b, count, DB_END);
	else
		db_exec(sql, a, b, c, count, DB_END);
}

static void
seed_tags(const char *cid, int n)
{
	seed("INSERT INTO customer_tags (customer_id, label)"
	     " SELECT $1, 'tag-' || lpad(i::text, 4, '0')"
	     " FROM generate_series(1, $2::int) AS i",
	    cid, NULL, NULL, n);
}

static void
seed_notes(const char *cid, int n)
{
	seed("INSERT INTO customer_notes (customer_id, content, created_by,"
	     " created_at) SELECT $1, 'note ' || i, gen_random_uuid(),"
	     " timestamp '2025-01-01' + i * interval '1 minute'"
	     " FROM generate_series(1, $2::int) AS i",
	    cid, NULL, NULL, n);
}

static void
seed_orders(const struct fx *f, int n)
{
	seed(
	    "INSERT INTO customer_orders (order_id, business_id, user_id,"
	    " customer_id, total, currency, status, created_at, updated_at)"
	    " SELECT 'ord-' || $3::uuid::text || '-' || i, $1, $2, $3::uuid, i % 100 + 0.5,"
	    " 'RON', 'paid',"
	    " timestamptz '2025-01-01T00:00:00Z' + (i % 5000) * interval"
	    " '1 minute', timestamptz '2025-06-01T00:00:00Z'"
	    " FROM generate_series(1, $4::int) AS i",
	    f->biz, f->uid, f->cid, n);
}

static void
seed_appointments(const struct fx *f, int n)
{
	seed("INSERT INTO customer_appointments (appointment_id,"
	     " business_id, user_id, starts_at, status, updated_at)"
	     " SELECT 'apt-' || $2::uuid::text || '-' || i, $1, $2::uuid,"
	     " timestamptz '2025-02-01T00:00:00Z'"
	     " + i * interval '1 hour', 'booked', now()"
	     " FROM generate_series(1, $3::int) AS i",
	    f->biz, f->uid, NULL, n);
}

/* GET .../export over HTTP/1.1 as raw bytes, for a socket of the test's. */
static char *
export_request(const char *cid, const char *tok)
{
	char *req;

	cr_assert(asprintf(&req,
		      "GET /customers/%s/export HTTP/1.1\r\nHost: x\r\n"
		      "Authorization: Bearer %s\r\n\r\n",
		      cid, tok) != -1);
	return (req);
}

/* Every page of `what` with limit `limit`, appended: the whole list. */
static json_t *
all_pages(const struct fx *f, const char *what, int limit)
{
	json_t *all, *page;
	int skip;
	size_t n;

	all = json_array();
	for (skip = 0;; skip += limit) {
		page = expect_array(get(f, "/customers/%s/%s?skip=%d&limit=%d",
		    f->cid, what, skip, limit));
		n = json_array_size(page);
		cr_assert(n <= (size_t)limit);
		(void)json_array_extend(all, page);
		json_decref(page);
		if (n < (size_t)limit)
			break;
	}
	return (all);
}

static void
expect_skip_422(struct http_resp *r, const char *input)
{
	json_t *j, *it;

	j = expect_422(r);
	cr_assert_eq(items_count(j), 1, "%s", r->body);
	it = expect_item(j, "[\"query\",\"skip\"]", "less_than_equal",
	    MSG_LE_SKIP);
	cr_assert_str_eq(json_str(it, "input"), input);
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"), "le")),
	    100000);
	json_decref(j);
	http_resp_free(r);
}

/* skip=9000000000000000000 was accepted (PostgreSQL walked the table). */
Test(bounds, skip_over_100000_is_422_on_every_list)
{
	static const char *lists[] = { "tags", "notes", "orders",
		"appointments" };
	struct fx f;
	size_t i;

	fx_init(&f);
	expect_skip_422(get(&f, "/customers?business_id=%s&skip=100001", f.biz),
	    "100001");
	expect_skip_422(get(&f, "/customers?skip=9000000000000000000"),
	    "9000000000000000000");
	json_decref(expect_array(
	    get(&f, "/customers?business_id=%s&skip=" SKIP_MAX, f.biz)));
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		expect_skip_422(get(&f, "/customers/%s/%s?skip=100001", f.cid,
				    lists[i]),
		    "100001");
		expect_skip_422(get(&f, "/api/customers/%s/%s?skip=%s", f.cid,
				    lists[i], "9000000000000000000"),
		    "9000000000000000000");
		json_decref(expect_array(get(&f,
		    "/customers/%s/%s?skip=" SKIP_MAX, f.cid, lists[i])));
	}
	expect_skip_422(get(&f, "/api/customers/tags/customer/%s?skip=100001",
			    f.cid),
	    "100001");
	free(f.tok);
}

/* limit 1..500 on the lists that had none. */
Test(bounds, limit_bounds_on_every_list)
{
	static const char *lists[] = { "tags", "notes", "orders",
		"appointments" };
	struct http_resp *r;
	struct fx f;
	json_t *j;
	size_t i;

	fx_init(&f);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		r = get(&f, "/customers/%s/%s?limit=501&skip=-1", f.cid,
		    lists[i]);
		j = expect_422(r);
		cr_assert_eq(items_count(j), 2, "%s", r->body);
		expect_item(j, "[\"query\",\"skip\"]", "greater_than_equal",
		    "Input should be greater than or equal to 0");
		expect_item(j, "[\"query\",\"limit\"]", "less_than_equal",
		    "Input should be less than or equal to 500");
		json_decref(j);
		http_resp_free(r);
		r = get(&f, "/customers/%s/%s?limit=0", f.cid, lists[i]);
		j = expect_422(r);
		expect_item(j, "[\"query\",\"limit\"]", "greater_than_equal",
		    "Input should be greater than or equal to 1");
		json_decref(j);
		http_resp_free(r);
	}
	r = get(&f, "/customers/tags/customer/%s?limit=x", f.cid);
	j = expect_422(r);
	expect_item(j, "[\"query\",\"limit\"]", "int_parsing", NULL);
	json_decref(j);
	http_resp_free(r);
	free(f.tok);
}

/* The lists' pages: default 100, slices of the whole in order. */
Test(bounds, lists_are_pages_in_order)
{
	struct fx f;
	json_t *page, *all, *v;
	char want[64];
	size_t i;

	fx_init(&f);
	seed_tags(f.cid, 105);
	seed_notes(f.cid, 12);
	seed_orders(&f, 23);
	seed_appointments(&f, 7);

	page = expect_array(get(&f, "/customers/%s/tags", f.cid));
	cr_assert_eq(json_array_size(page), 100, "the default limit");
	json_decref(page);
	page = expect_array(
	    get(&f, "/customers/tags/customer/%s?skip=100", f.cid));
	cr_assert_eq(json_array_size(page), 5);
	cr_assert_str_eq(json_str(json_array_get(page, 0), "label"),
	    "tag-0101");
	json_decref(page);
	all = all_pages(&f, "tags", 7);
	cr_assert_eq(json_array_size(all), 105);
	json_array_foreach(all, i, v) {
		snprintf(want, sizeof(want), "tag-%04zu", i + 1);
		cr_assert_str_eq(json_str(v, "label"), want);
	}
	json_decref(all);

	all = all_pages(&f, "notes", 5);
	cr_assert_eq(json_array_size(all), 12);
	json_array_foreach(all, i, v) {
		snprintf(want, sizeof(want), "note %zu", 12 - i);
		cr_assert_str_eq(json_str(v, "content"), want, "newest first");
	}
	json_decref(all);

	page = expect_array(get(&f, "/customers/%s/orders?limit=500", f.cid));
	all = all_pages(&f, "orders", 4);
	cr_assert_eq(json_array_size(all), 23);
	cr_assert(json_equal(all, page), "pages differ from the whole");
	json_decref(all);
	json_decref(page);

	page = expect_array(get(&f, "/customers/%s/appointments", f.cid));
	all = all_pages(&f, "appointments", 3);
	cr_assert_eq(json_array_size(all), 7);
	cr_assert(json_equal(all, page));
	snprintf(want, sizeof(want), "apt-%.8s", f.uid);
	cr_assert(!strncmp(json_str(json_array_get(all, 0), "appointment_id"),
		      want, strlen(want)) &&
		str_matches(json_str(json_array_get(all, 0), "appointment_id"),
		    "-7$"),
	    "the latest first");
	json_decref(all);
	json_decref(page);
	free(f.tok);
}

/* Any number of labels was taken in one request. */
Test(bounds, at_most_100_labels_in_one_request)
{
	struct http_resp *r;
	struct fx f;
	json_t *body, *labels, *j, *it;
	char label[16], *text, *path;
	int i;

	fx_init(&f);
	labels = json_array();
	for (i = 0; i < 101; i++) {
		snprintf(label, sizeof(label), "L%03d", i);
		(void)json_array_append_new(labels, json_string(label));
	}
	body = json_pack("{s:O}", "labels", labels);
	text = json_dumps(body, JSON_COMPACT);
	cr_assert(asprintf(&path, "/customers/%s/tags", f.cid) != -1);
	r = http_req_tok("POST", path, f.tok, text);
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1, "%s", r->body);
	it = expect_item(j, "[\"body\",\"labels\"]", "too_long",
	    "List should have at most 100 items after validation, not 101");
	cr_assert_eq(json_integer_value(
			 json_object_get(json_object_get(it, "ctx"),
			     "max_length")),
	    100);
	json_decref(j);
	http_resp_free(r);
	cr_assert_eq(db_count("SELECT count(*) FROM customer_tags"
			      " WHERE customer_id = $1",
			 f.cid, DB_END),
	    0);
	free(text);

	(void)json_array_remove(labels, 100);
	text = json_dumps(body, JSON_COMPACT);
	r = http_req_tok("POST", path, f.tok, text);
	expect_status(r, 201);
	j = resp_json(r);
	http_resp_free(r);
	cr_assert_eq(json_array_size(j), 100);
	json_decref(j);
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE customer_id"
			      " = $1 AND routing_key = 'v1.customer.tagged'",
			 f.cid, DB_END),
	    100);
	free(text);
	free(path);
	json_decref(body);
	json_decref(labels);
	free(f.tok);
}

/*
 * The export of a long history: chunked, whole, every list equal to its
 * routes' pages end to end, then the same connection serves another
 * request (reading resumed after the last chunk).
 */
Test(bounds, export_streams_a_long_history_whole, .timeout = 60)
{
	struct http_conn *c;
	struct http_resp *r;
	struct fx f;
	const char *hdrs[2];
	char *auth, *path;
	json_t *doc, *all;

	fx_init(&f);
	seed_tags(f.cid, 7);
	seed_notes(f.cid, 3);
	seed_orders(&f, MANY_ORDERS);
	seed_appointments(&f, 5);
	cr_assert(asprintf(&auth, "Authorization: Bearer %s", f.tok) != -1);
	hdrs[0] = auth;
	hdrs[1] = NULL;
	cr_assert(asprintf(&path, "/customers/%s/export", f.cid) != -1);

	c = http_conn_open();
	r = http_conn_req(c, "GET", path, hdrs, NULL, 0);
	expect_status(r, 200);
	expect_module_headers(r);
	cr_assert_str_eq(http_hdr(r, "transfer-encoding"), "chunked");
	cr_assert_null(http_hdr(r, "content-length"));
	doc = resp_json(r);
	cr_assert(json_is_object(doc), "%.300s", r->body);
	http_resp_free(r);
	cr_assert_eq(json_array_size(json_object_get(doc, "orders")),
	    MANY_ORDERS);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 7);
	cr_assert_eq(json_array_size(json_object_get(doc, "notes")), 3);
	cr_assert_eq(json_array_size(json_object_get(doc, "appointments")), 5);
	cr_assert_str_eq(json_str(json_object_get(doc, "customer"), "id"),
	    f.cid);
	cr_assert(json_is_object(json_object_get(doc, "stats")));
	cr_assert_null(json_object_get(doc, "history"));

	all = all_pages(&f, "orders", 500);
	cr_assert(json_equal(all, json_object_get(doc, "orders")),
	    "the export's orders differ from the route's pages");
	json_decref(all);
	all = all_pages(&f, "appointments", 2);
	cr_assert(json_equal(all, json_object_get(doc, "appointments")));
	json_decref(all);
	json_decref(doc);

	/* the connection goes on */
	r = http_conn_req(c, "GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	http_conn_close(c);
	free(path);
	free(auth);
	free(f.tok);
}

/* HTTP/1.0 has no chunks: the body is sent as is, then the close. */
Test(bounds, export_over_http10_ends_with_the_close)
{
	struct http_resp *r;
	struct fx f;
	char *req, *buf;
	size_t len, used;
	int fd, closed;
	json_t *doc;

	fx_init(&f);
	seed_orders(&f, 6000);
	cr_assert(asprintf(&req,
		      "GET /customers/%s/export HTTP/1.0\r\nHost: x\r\n"
		      "Authorization: Bearer %s\r\n\r\n",
		      f.cid, f.tok) != -1);
	fd = raw_conn_open();
	raw_send_str(fd, req);
	buf = raw_recv_all(fd, 20000, &len, &closed);
	raw_close(fd);
	cr_assert(closed, "the body must end with the connection");
	cr_assert_eq(http_parse(buf, len, 1, 0, &r, &used), 1, "%.300s", buf);
	cr_assert_eq(used, len, "one response, nothing after it");
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, "transfer-encoding"));
	doc = resp_json(r);
	cr_assert_eq(json_array_size(json_object_get(doc, "orders")), 6000);
	json_decref(doc);
	http_resp_free(r);
	free(buf);
	free(req);
	free(f.tok);
}

/* A client that leaves mid-export: the worker carries on serving. */
Test(bounds, export_client_gone_mid_stream)
{
	struct http_resp *r;
	struct fx f;
	char *req, part[4096];
	int fd, i;

	fx_init(&f);
	seed_orders(&f, MANY_ORDERS);
	req = export_request(f.cid, f.tok);
	for (i = 0; i < 5; i++) {
		fd = raw_conn_open();
		raw_send_str(fd, req);
		/* the headers and a little of the body, then away */
		(void)poll(NULL, 0, 20 * i);
		(void)recv(fd, part, sizeof(part), 0);
		raw_close(fd);
	}
	/*
	 * Kore lets go of the connections that left at its next pruning,
	 * every 500 ms: a timer of the server's own, which a slow machine
	 * only makes later (the requests below pass either way; the run's
	 * scan of the logs catches a worker that died meanwhile).
	 */
	(void)poll(NULL, 0, 500);
	r = get(&f, "/customers/%s/export", f.cid);
	expect_status(r, 200);
	http_resp_free(r);
	r = http_req_tok("GET", "/healthcheck", NULL, NULL);
	expect_status(r, 200);
	http_resp_free(r);
	free(req);
	free(f.tok);
}

/*
 * A connection whose receive buffer does not grow (256 KiB, no
 * autotuning), so that a client that does not read stops the stream once
 * the service's send buffer (4 MiB at most) is full too. Not smaller: a
 * window below one segment (64 KiB on loopback) makes the sender wait on
 * its zero-window probes, seconds apart, even once the client reads.
 */
static int
slow_reader_open(void)
{
	int fd, size = 256 * 1024;

	fd = raw_conn_open();
	cr_assert(
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0);
	return (fd);
}

/*
 * An instance of the test's own with http_keepalive_time `keepalive`
 * (the export's deadline), a customer with STALL_ORDERS orders, and its
 * export sent on a slow_reader_open socket, returned; *req is freed by
 * the caller.
 */
static int
long_export_begin(struct instance *in, const char *keepalive, struct fx *f,
    char **req)
{
	char line[64];
	int fd;

	(void)snprintf(line, sizeof(line), "http_keepalive_time\t%s",
	    keepalive);
	instance_prepare(in, "http_keepalive_time\t20", line);
	instance_spawn(in, NULL);
	instance_wait_ready(in);
	fx_init(f);
	seed_orders(f, STALL_ORDERS);
	*req = export_request(f->cid, f->tok);
	fd = slow_reader_open();
	raw_send_str(fd, *req);
	return (fd);
}

/* A 200 with the whole export of long_export_begin's customer. Frees r. */
static void
expect_long_export(struct http_resp *r)
{
	json_t *doc;

	expect_status(r, 200);
	doc = resp_json(r);
	cr_assert_eq(json_array_size(json_object_get(doc, "orders")),
	    STALL_ORDERS);
	json_decref(doc);
	http_resp_free(r);
}

/* The end of a chunked body: the final chunk. */
static int
ends_whole(const char *buf, size_t len)
{
	return (len >= 5 && memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0);
}

/*
 * A client that sends the export request and never reads: the service
 * closes it once a chunk waited the deadline (the keep-alive time, 2 s
 * here), with no sanitizer report, and goes on serving. Before, Kore kept
 * the request (and its pages) forever: the client found the whole body
 * and an open connection once it read again.
 */
Test(bounds, export_stalled_client_closed_at_the_deadline, .timeout = 90)
{
	struct instance in;
	struct fx f;
	char *req, *buf;
	size_t len;
	int fd, closed;

	fd = long_export_begin(&in, "2", &f, &req);
	/*
	 * The deadline and then some, reading nothing: a timer of the
	 * service's own, which a slow machine only makes fire later (the
	 * read below waits 15 s more for the close).
	 */
	sleep(5);
	buf = raw_recv_all(fd, 15000, &len, &closed);
	raw_close(fd);
	cr_assert(closed, "the stalled connection must be closed (%zu bytes)",
	    len);
	cr_assert(!ends_whole(buf, len), "the body must be cut");
	free(buf);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
	    "client took nothing of a chunk within the deadline", 2000));

	/* the worker goes on serving, the same export included */
	expect_long_export(get(&f, "/customers/%s/export", f.cid));
	instance_stop(&in);
	instance_expect_clean(&in);
	free(req);
	free(f.tok);
}

/*
 * A slow client is no stalled one: reading 64 KiB every 100 ms, it takes
 * more than the deadline (1 s here) over a chunk of the export (a page,
 * about 800 KB), but never a whole deadline without a byte: it gets the
 * whole body. Before, a chunk had one deadline, and the body was cut.
 */
Test(bounds, export_slow_reader_gets_the_whole_body, .timeout = 120)
{
	struct instance in;
	struct http_resp *r;
	struct fx f;
	char *req, *buf;
	size_t len, cap, used;
	ssize_t n;
	long deadline;
	int fd;

	fd = long_export_begin(&in, "1", &f, &req);
	cap = 16 * 1024 * 1024;
	buf = malloc(cap);
	cr_assert(buf != NULL);
	len = 0;
	deadline = instance_now_ms() + 100000;
	while (!ends_whole(buf, len) && instance_now_ms() < deadline) {
		(void)poll(NULL, 0, 100);
		n = recv(fd, buf + len,
		    64 * 1024 < cap - len ? 64 * 1024 : cap - len,
		    MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	raw_close(fd);
	cr_assert(ends_whole(buf, len), "the body was cut at %zu bytes", len);
	cr_assert_eq(http_parse(buf, len, 1, 0, &r, &used), 1);
	expect_long_export(r);
	cr_assert(
	    !instance_file_matches(&in, "kore.err", "within the deadline"));
	instance_stop(&in);
	instance_expect_clean(&in);
	free(buf);
	free(req);
	free(f.tok);
}

/*
 * HEAD on the export: the headers, and no list read for a body nobody
 * gets. The tags table is locked meanwhile: a page query of the export
 * would wait for the lock, and show so in pg_stat_activity.
 */
Test(bounds, export_head_reads_no_list)
{
	struct http_resp *r;
	struct fx f;
	char *req, *buf;
	size_t len, used;
	long waiting, deadline;
	int fd, closed;

	fx_init(&f);
	seed_tags(f.cid, 3);
	cr_assert(asprintf(&req,
		      "HEAD /customers/%s/export HTTP/1.1\r\nHost: x\r\n"
		      "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
		      f.cid, f.tok) != -1);
	db_exec("BEGIN", DB_END);
	db_exec("LOCK TABLE customer_tags IN ACCESS EXCLUSIVE MODE", DB_END);
	fd = raw_conn_open();
	raw_send_str(fd, req);
	waiting = 0;
	deadline = instance_now_ms() + 1200;
	while (waiting == 0 && instance_now_ms() < deadline) {
		(void)poll(NULL, 0, 50);
		waiting = db_count("SELECT count(*) FROM pg_stat_activity"
				   " WHERE wait_event_type = 'Lock'"
				   " AND application_name = 'bee-customers'"
				   " AND query LIKE '%FROM customer_tags t%'",
		    DB_END);
	}
	db_exec("ROLLBACK", DB_END);
	buf = raw_recv_all(fd, 5000, &len, &closed);
	raw_close(fd);
	cr_assert_eq(waiting, 0, "HEAD read a page of the export");
	cr_assert_eq(http_parse(buf, len, closed, 1, &r, &used), 1, "%.300s",
	    buf);
	expect_status(r, 200);
	cr_assert_eq(r->body_len, 0);
	http_resp_free(r);
	free(buf);
	free(req);
	free(f.tok);
}

/*
 * The database failing mid-export (a table gone while the client has not
 * taken a chunk): the body is cut, and the request still has its log
 * line, as the 5xx it was, saying the body was cut. A database of the
 * test's own, so that no other test meets the missing table.
 */
Test(bounds, export_cut_by_the_database_is_logged, .timeout = 90)
{
	static const char sql_orders[] =
	    "INSERT INTO customer_orders (order_id, business_id, user_id,"
	    " total, currency, status, created_at, updated_at)"
	    " SELECT 'ord-' || $2 || '-' || i, $1::uuid, $2::uuid, 1.5, 'RON',"
	    " 'paid', timestamptz '2025-01-01' + i * interval '1 minute', now()"
	    " FROM generate_series(1, " STALL_ORDERS_TEXT ") AS i";
	struct instance in;
	PGconn *db;
	PGresult *res;
	char url[512], name[64], biz[UUID_STR_LEN], cid[UUID_STR_LEN];
	char uid[UUID_STR_LEN], *tok, *req, *buf;
	const char *params[2];
	size_t len;
	int fd, closed;

	db = scratch_db("bee_cut_", url, sizeof(url), name, sizeof(name));
	{
		const char *env[] = { "DATABASE_URL", url, NULL };

		instance_start(&in, env);
	}
	uuid4(biz);
	cust_create(biz, cid, uid);
	params[0] = biz;
	params[1] = uid;
	res = PQexecParams(db, sql_orders, 2, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(db));
	PQclear(res);
	tok = tok_superadmin();
	req = export_request(cid, tok);
	fd = slow_reader_open();
	raw_send_str(fd, req);
	/*
	 * The stream is in the orders (an order reached the client), and
	 * stops there on a full buffer; then the next list's table goes, so
	 * that its page fails (a dead connection would not do: the service
	 * sends a read again on a fresh one).
	 */
	cr_assert(raw_wait_peek(fd, "\"order_id\"", 20000),
	    "no order streamed within 20 s");
	res = PQexec(db, "ALTER TABLE customer_appointments RENAME TO gone");
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s",
	    PQerrorMessage(db));
	PQclear(res);
	buf = raw_recv_all(fd, 20000, &len, &closed);
	raw_close(fd);
	cr_assert(closed, "the connection must be closed (%zu bytes, %s)", len,
	    ends_whole(buf, len) ? "whole" : "cut");
	cr_assert(!ends_whole(buf, len), "the body must be cut");
	free(buf);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "\"message\":\"request\".*\"route\":"
		      "\"/customers/\\{customer_id\\}/export\".*"
		      "\"status\":50[03].*\"body_cut\":true",
		      5000),
	    "no log line for the cut export: %s",
	    instance_file_text(&in, "kore.err"));
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(db, name);
	free(req);
	free(tok);
}

/*
 * Rows deleted during an export, before the page being read: every other
 * row is still exported exactly once (pages are keyset, not OFFSET: with
 * OFFSET the next page started 5000 rows too far). The seeded orders share
 * their created_at ten by ten, so page bounds fall inside ties too.
 */
Test(bounds, export_pages_hold_when_rows_go, .timeout = 90)
{
	struct http_resp *r;
	struct fx f;
	char *req, *buf;
	size_t len, used, i;
	int fd, closed;
	json_t *doc, *orders, *seen;

	fx_init(&f);
	seed_orders(&f, STALL_ORDERS);
	req = export_request(f.cid, f.tok);
	fd = slow_reader_open();
	raw_send_str(fd, req);
	/*
	 * Once the first page is read (its orders reach the client), its
	 * rows go; the stream stops pages further, on a full buffer.
	 */
	cr_assert(raw_wait_peek(fd, "\"order_id\"", 20000),
	    "no order streamed within 20 s");
	cr_assert_eq(
	    db_exec("DELETE FROM customer_orders WHERE business_id = $1"
		    " AND created_at >= timestamptz"
		    " '2025-01-01T00:00:00Z' + 4500 * interval"
		    " '1 minute'",
		f.biz, DB_END),
	    5000);
	buf = raw_recv_all(fd, 30000, &len, &closed);
	raw_close(fd);
	cr_assert_eq(http_parse(buf, len, closed, 0, &r, &used), 1, "%zu bytes",
	    len);
	expect_status(r, 200);
	doc = resp_json(r);
	orders = json_object_get(doc, "orders");
	seen = json_object();
	for (i = 0; i < json_array_size(orders); i++)
		json_object_set_new(seen,
		    json_str(json_array_get(orders, i), "order_id"),
		    json_true());
	cr_assert_eq(json_array_size(orders), STALL_ORDERS,
	    "%zu orders exported of %d", json_array_size(orders), STALL_ORDERS);
	cr_assert_eq(json_object_size(seen), STALL_ORDERS,
	    "%zu distinct orders", json_object_size(seen));
	json_decref(seen);
	json_decref(doc);
	http_resp_free(r);
	free(buf);
	free(req);
	free(f.tok);
}

/*
 * A route's items with only the fields the export's items have (the
 * export leaves out the customer id of notes, the colour of tags).
 * Steals items.
 */
static json_t *
fields_of(json_t *items, const json_t *exported)
{
	json_t *out, *t, *o, *v;
	const char *key;
	size_t i;

	out = json_array();
	json_array_foreach(items, i, t) {
		o = json_object();
		json_object_foreach(json_array_get(exported, 0), key, v)
			json_object_set(o, key, json_object_get(t, key));
		json_array_append_new(out, o);
	}
	json_decref(items);
	return (out);
}

/*
 * Page bounds of the export's keyset inside ties and inside the rows
 * without a time (sorted last): each list still equals its route's pages
 * end to end. Orders: 11 003, a quarter without created_at, times shared
 * by dozens, updated_at shared too, so the bounds at 5000 (rows with a
 * time) and 10 000 (rows without) fall in ties; notes: 6001, a seventh
 * without created_at; tags: 5003.
 */
Test(bounds, export_keyset_bounds_in_ties_and_nulls, .timeout = 120)
{
	struct http_resp *r;
	struct fx f;
	json_t *doc, *all;
	static const char *const lists[] = { "tags", "notes", "orders" };
	size_t i;

	fx_init(&f);
	seed_tags(f.cid, 5003);
	seed("INSERT INTO customer_notes (customer_id, content, created_by,"
	     " created_at) SELECT $1, 'note ' || i, gen_random_uuid(),"
	     " CASE WHEN i % 7 <> 0 THEN timestamp '2025-01-01'"
	     " + (i % 50) * interval '1 minute' END"
	     " FROM generate_series(1, $2::int) AS i",
	    f.cid, NULL, NULL, 6001);
	seed("INSERT INTO customer_orders (order_id, business_id, user_id,"
	     " total, currency, status, created_at, updated_at)"
	     " SELECT 'ord-' || $2::text || '-' || i, $1, $2::uuid, 1.5,"
	     " 'RON', 'paid', CASE WHEN i % 4 <> 0 THEN timestamptz"
	     " '2025-01-01T00:00:00Z' + (i % 100) * interval '1 minute' END,"
	     " timestamptz '2025-06-01T00:00:00Z' + (i % 7) * interval"
	     " '1 second' FROM generate_series(1, $3::int) AS i",
	    f.biz, f.uid, NULL, 11003);
	r = get(&f, "/customers/%s/export", f.cid);
	expect_status(r, 200);
	doc = resp_json(r);
	http_resp_free(r);
	cr_assert_eq(json_array_size(json_object_get(doc, "orders")), 11003);
	cr_assert_eq(json_array_size(json_object_get(doc, "notes")), 6001);
	cr_assert_eq(json_array_size(json_object_get(doc, "tags")), 5003);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		all = all_pages(&f, lists[i], 500);
		all = fields_of(all, json_object_get(doc, lists[i]));
		cr_assert(json_equal(all, json_object_get(doc, lists[i])),
		    "the export's %s differ from the route's pages", lists[i]);
		json_decref(all);
	}
	json_decref(doc);
	free(f.tok);
}
