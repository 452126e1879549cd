/*
 * The outbox publisher (design.md section 6): events reach
 * RABBITMQ_EXCHANGE in order per customer, with the properties and exact
 * payload keys of the contract, and their rows are marked sent; with the
 * broker unreachable, rows stay unsent, get parked_at and are mirrored to
 * Redis failed_events, and go out (mirror items removed) once a publisher
 * reaches a broker again.
 *
 * The broker-down case runs its own instances on a database of its own:
 * the shared service's publisher holds the advisory lock of the shared
 * database, and the shared broker must keep running for other tests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "env.h"
#include "instance.h"
#include "redis_env.h"
#include "scratch.h"
#include "token.h"
#include "uuid4.h"

#define MAX_MSGS 16

struct msg {
	char key[64];
	char message_id[64];
	char content_type[64];
	int delivery_mode;
	uint64_t timestamp;
	char trace_id[128];
	json_t *body;
};

struct consumer {
	amqp_connection_state_t conn;
};

static void
rpc_check(amqp_connection_state_t c, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(c);

	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "%s failed", what);
}

/* A server-named, exclusive queue bound to the exchange with "#". */
static void
consumer_open(struct consumer *k)
{
	struct amqp_connection_info ci;
	amqp_socket_t *s;
	amqp_queue_declare_ok_t *q;
	amqp_rpc_reply_t r;
	amqp_bytes_t name;
	const char *env;
	char *url;

	env = getenv("RABBITMQ_URL");
	cr_assert_not_null(env, "RABBITMQ_URL not set");
	url = strdup(env != NULL ? env : "");
	cr_assert_eq(amqp_parse_url(url, &ci), AMQP_STATUS_OK);
	if (*ci.vhost == '\0')
		ci.vhost = "/";
	k->conn = amqp_new_connection();
	s = amqp_tcp_socket_new(k->conn);
	cr_assert_eq(amqp_socket_open(s, ci.host, ci.port), AMQP_STATUS_OK,
	    "cannot reach RabbitMQ");
	r = amqp_login(k->conn, ci.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
	    ci.user, ci.password);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "login");
	free(url);
	amqp_channel_open(k->conn, 1);
	rpc_check(k->conn, "channel.open");
	amqp_exchange_declare(k->conn, 1, amqp_cstring_bytes(env_exchange()),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	rpc_check(k->conn, "exchange.declare");
	q = amqp_queue_declare(k->conn, 1, amqp_empty_bytes, 0, 0, 1, 1,
	    amqp_empty_table);
	rpc_check(k->conn, "queue.declare");
	name = amqp_bytes_malloc_dup(q->queue);
	amqp_queue_bind(k->conn, 1, name, amqp_cstring_bytes(env_exchange()),
	    amqp_cstring_bytes("#"), amqp_empty_table);
	rpc_check(k->conn, "queue.bind");
	amqp_basic_consume(k->conn, 1, name, amqp_empty_bytes, 0, 1, 0,
	    amqp_empty_table);
	rpc_check(k->conn, "basic.consume");
	amqp_bytes_free(name);
}

static void
consumer_close(struct consumer *k)
{
	amqp_channel_close(k->conn, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(k->conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(k->conn);
}

static void
bytes_cpy(char *dst, size_t len, amqp_bytes_t b)
{
	snprintf(dst, len, "%.*s", (int)b.len, (const char *)b.bytes);
}

/* The body's id or customer_id: whose event this is. */
static const char *
event_customer(const json_t *body)
{
	const char *c = json_string_value(json_object_get(body, "customer_id"));

	return (c != NULL ? c : json_string_value(json_object_get(body, "id")));
}

/*
 * Collects the messages about customer cid (other tests publish too)
 * until `want` arrived or 15 s passed. Returns how many.
 */
static int
consume(struct consumer *k, const char *cid, struct msg *out, int want)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	amqp_basic_properties_t *p;
	amqp_table_t *h;
	struct timeval tv;
	json_t *body;
	long deadline;
	int n, i;

	n = 0;
	deadline = instance_now_ms() + 15000;
	while (n < want && instance_now_ms() < deadline) {
		tv.tv_sec = 0;
		tv.tv_usec = 500000;
		amqp_maybe_release_buffers(k->conn);
		r = amqp_consume_message(k->conn, &env, &tv, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			continue;
		body = json_loadb(env.message.body.bytes, env.message.body.len,
		    0, NULL);
		cr_assert_not_null(body, "body is not JSON: %.*s",
		    (int)env.message.body.len,
		    (const char *)env.message.body.bytes);
		if (event_customer(body) == NULL ||
		    strcmp(event_customer(body), cid)) {
			json_decref(body);
			amqp_destroy_envelope(&env);
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		bytes_cpy(out[n].key, sizeof(out[n].key), env.routing_key);
		p = &env.message.properties;
		if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
			bytes_cpy(out[n].message_id, sizeof(out[n].message_id),
			    p->message_id);
		if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
			bytes_cpy(out[n].content_type,
			    sizeof(out[n].content_type), p->content_type);
		if (p->_flags & AMQP_BASIC_DELIVERY_MODE_FLAG)
			out[n].delivery_mode = p->delivery_mode;
		if (p->_flags & AMQP_BASIC_TIMESTAMP_FLAG)
			out[n].timestamp = p->timestamp;
		if (p->_flags & AMQP_BASIC_HEADERS_FLAG) {
			h = &p->headers;
			for (i = 0; i < h->num_entries; i++) {
				if (h->entries[i].key.len == 8 &&
				    !memcmp(h->entries[i].key.bytes, "trace_id",
					8) &&
				    h->entries[i].value.kind ==
					AMQP_FIELD_KIND_UTF8)
					bytes_cpy(out[n].trace_id,
					    sizeof(out[n].trace_id),
					    h->entries[i].value.value.bytes);
			}
		}
		out[n].body = body;
		amqp_destroy_envelope(&env);
		n++;
	}
	return (n);
}

/* Exactly these keys, in any order (jsonb's order on the wire). */
static void
expect_keys(const json_t *o, const char *const *keys)
{
	size_t n;

	for (n = 0; keys[n] != NULL; n++)
		cr_assert_not_null(json_object_get(o, keys[n]),
		    "payload lacks %s", keys[n]);
	cr_assert_eq(json_object_size(o), n, "payload has %zu keys, want %zu",
	    json_object_size(o), n);
}

static struct http_resp *
traced(const char *method, const char *path, const char *tok, const char *body,
    const char *trace)
{
	const char *hdrs[4];
	char *auth, *tr;
	struct http_resp *r;

	cr_assert(asprintf(&auth, "Authorization: Bearer %s", tok) != -1);
	cr_assert(asprintf(&tr, "X-Trace-Id: %s", trace) != -1);
	hdrs[0] = auth;
	hdrs[1] = tr;
	hdrs[2] = body != NULL ? "Content-Type: application/json" : NULL;
	hdrs[3] = NULL;
	r = http_req(method, path, hdrs, body, body ? strlen(body) : 0);
	free(auth);
	free(tr);
	return (r);
}

static void
expect_common(const struct msg *m, const char *key, const char *trace,
    const char *biz, const char *cid)
{
	char *event_id, *epoch;

	cr_assert_str_eq(m->key, key);
	cr_assert_str_eq(m->content_type, "application/json");
	cr_assert_eq(m->delivery_mode, 2, "not persistent");
	cr_assert_str_eq(m->trace_id, trace, "header trace_id");
	cr_assert_str_eq(json_string_value(
			     json_object_get(m->body, "trace_id")),
	    trace);
	cr_assert_str_eq(json_string_value(
			     json_object_get(m->body, "business_id")),
	    biz);
	cr_assert_str_eq(json_string_value(
			     json_object_get(m->body, "event_id")),
	    m->message_id, "event_id = message_id");
	event_id = db_value("SELECT event_id::text FROM outbox WHERE "
			    "customer_id = $1 AND routing_key = $2 AND "
			    "event_id::text = $3",
	    cid, key, m->message_id, DB_END);
	cr_assert_not_null(event_id, "message_id is not the row's event_id");
	epoch = db_value("SELECT extract(epoch FROM created_at)::bigint::text"
			 " FROM outbox WHERE event_id = $1",
	    m->message_id, DB_END);
	cr_assert_eq(strtoull(epoch, NULL, 10), m->timestamp, "timestamp");
	cr_assert_not_null(
	    json_string_value(json_object_get(m->body, "occurred_at")));
	cr_assert(strlen(json_string_value(
		      json_object_get(m->body, "occurred_at"))) >= 20);
	free(event_id);
	free(epoch);
}

Test(publisher, events_in_order_with_properties_and_marked_sent)
{
	static const char *created[] = { "id", "user_id", "full_name", "email",
		"trace_id", "event_id", "occurred_at", "business_id", NULL };
	static const char *updated[] = { "id", "fields_changed", "trace_id",
		"event_id", "occurred_at", "business_id", NULL };
	static const char *tagged[] = { "customer_id", "tag_id", "label",
		"trace_id", "event_id", "occurred_at", "business_id", NULL };
	static const char *noted[] = { "customer_id", "note_id", "trace_id",
		"event_id", "occurred_at", "business_id", NULL };
	static const char *deleted[] = { "id", "user_id", "trace_id",
		"event_id", "occurred_at", "business_id", NULL };
	struct consumer k;
	struct msg m[MAX_MSGS];
	struct http_resp *r;
	json_t *j;
	char biz[UUID_STR_LEN], uid[UUID_STR_LEN], tr[5][UUID_STR_LEN];
	char path[160], *tok, *body, cid[UUID_STR_LEN];
	int i, n;
	long waited;

	consumer_open(&k);
	uuid4(biz);
	uuid4(uid);
	for (i = 0; i < 5; i++)
		uuid4(tr[i]);
	tok = tok_internal();
	body = cust_body(uid, biz, NULL);
	r = traced("POST", "/customers", tok, body, tr[0]);
	expect_status(r, 201);
	j = resp_json(r);
	memcpy(cid, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(body);
	free(tok);

	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", cid);
	r = traced("PATCH", path, tok, "{\"full_name\":\"Renamed Person\"}",
	    tr[1]);
	expect_status(r, 200);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s/tags", cid);
	r = traced("POST", path, tok, "{\"label\":\"VIP\"}", tr[2]);
	expect_status(r, 201);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s/notes", cid);
	r = traced("POST", path, tok, "{\"content\":\"Likes tea\"}", tr[3]);
	expect_status(r, 201);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s", cid);
	r = traced("DELETE", path, tok, NULL, tr[4]);
	cr_assert(r->status == 204 || r->status == 200, "DELETE %d", r->status);
	http_resp_free(r);
	free(tok);

	n = consume(&k, cid, m, 5);
	cr_assert_eq(n, 5, "got %d of 5 events for the customer", n);
	expect_common(&m[0], "v1.customer.created", tr[0], biz, cid);
	expect_keys(m[0].body, created);
	cr_assert_str_eq(json_string_value(json_object_get(m[0].body, "id")),
	    cid);
	cr_assert_str_eq(json_string_value(
			     json_object_get(m[0].body, "user_id")),
	    uid);
	expect_common(&m[1], "v1.customer.updated", tr[1], biz, cid);
	expect_keys(m[1].body, updated);
	cr_assert(json_is_array(json_object_get(m[1].body, "fields_changed")));
	expect_common(&m[2], "v1.customer.tagged", tr[2], biz, cid);
	expect_keys(m[2].body, tagged);
	cr_assert_str_eq(json_string_value(json_object_get(m[2].body, "label")),
	    "VIP");
	expect_common(&m[3], "v1.customer.note_added", tr[3], biz, cid);
	expect_keys(m[3].body, noted);
	expect_common(&m[4], "v1.customer.deleted", tr[4], biz, cid);
	expect_keys(m[4].body, deleted);
	for (i = 0; i < n; i++)
		json_decref(m[i].body);
	consumer_close(&k);

	/* marked sent on the confirm, which may trail the delivery a little */
	for (waited = 0; waited < 5000; waited += 100) {
		if (db_count(
			"SELECT count(*) FROM outbox WHERE customer_id = $1"
			" AND sent_at IS NULL",
			cid, DB_END) == 0)
			break;
		usleep(100000);
	}
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE "
			      "customer_id = $1 AND sent_at IS NOT NULL",
			 cid, DB_END),
	    5, "every row marked sent");
}

static long
count(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	long n;

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(r));
	n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return (n);
}

static int
wait_count(PGconn *c, const char *sql, long want, int ms)
{
	long t;

	for (t = 0; t < ms; t += 100) {
		if (count(c, sql) == want)
			return (1);
		usleep(100000);
	}
	return (count(c, sql) == want);
}

/* failed_events items whose message_id is one of the outbox's event ids */
static int
mirror_items(redisContext *rc, PGconn *c, const char *cid)
{
	redisReply *rep;
	json_t *it;
	size_t i;
	int n;
	char sql[256];
	PGresult *r;

	rep = redisCommand(rc, "LRANGE failed_events 0 -1");
	cr_assert(rep != NULL && rep->type == REDIS_REPLY_ARRAY);
	n = 0;
	for (i = 0; i < rep->elements; i++) {
		it = json_loads(rep->element[i]->str, 0, NULL);
		if (it == NULL)
			continue;
		if (json_object_get(it, "message_id") != NULL &&
		    json_is_object(json_object_get(it, "payload")) &&
		    event_customer(json_object_get(it, "payload")) != NULL &&
		    !strcmp(event_customer(json_object_get(it, "payload")),
			cid)) {
			cr_assert_eq(json_object_size(it), 4,
			    "item keys: event, payload, trace_id, message_id");
			cr_assert_str_eq(json_string_value(
					     json_object_get(it, "event")),
			    "v1.customer.created");
			cr_assert_not_null(json_object_get(it, "trace_id"));
			cr_assert_str_eq(json_string_value(
					     json_object_get(json_object_get(it,
								 "payload"),
						 "event_id")),
			    json_string_value(
				json_object_get(it, "message_id")));
			snprintf(sql, sizeof(sql),
			    "SELECT count(*) FROM outbox WHERE event_id::text"
			    " = '%s' AND customer_id = '%s'",
			    json_string_value(
				json_object_get(it, "message_id")),
			    cid);
			r = PQexec(c, sql);
			cr_assert_str_eq(PQgetvalue(r, 0, 0), "1",
			    "message_id is not the row's event_id");
			PQclear(r);
			n++;
		}
		json_decref(it);
	}
	freeReplyObject(rep);
	return (n);
}

Test(publisher, broker_down_parks_and_mirrors_then_delivers, .timeout = 90)
{
	struct instance in;
	struct consumer k;
	struct msg m[MAX_MSGS];
	redisContext *rc;
	PGconn *c;
	char url[512], name[64], dead[128], port[16], sql[256];
	char biz[UUID_STR_LEN], cid[2][UUID_STR_LEN], uid[UUID_STR_LEN];
	long deadline;
	int i;

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	rc = redis_from_env();
	snprintf(port, sizeof(port), "%u", instance_free_port());
	snprintf(dead, sizeof(dead), "amqp://guest:guest@127.0.0.1:%s/", port);
	{
		const char *env[] = { "DATABASE_URL", url, "RABBITMQ_URL", dead,
			NULL };

		instance_start(&in, env);
	}
	uuid4(biz);
	for (i = 0; i < 2; i++)
		cust_create(biz, cid[i], uid);

	cr_assert(wait_count(c,
		      "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"
		      " AND sent_at IS NULL",
		      2, 10000),
	    "both rows parked, unsent");
	for (i = 0; i < 2; i++)
		cr_assert_eq(mirror_items(rc, c, cid[i]), 1,
		    "one failed_events item for customer %d", i);
	instance_stop(&in);
	instance_expect_clean(&in);
	cr_assert_eq(count(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS "
			 "NOT NULL"),
	    0);

	/* the broker is back: a publisher sends them, parked included */
	consumer_open(&k);
	{
		const char *env[] = { "DATABASE_URL", url, NULL };

		instance_start(&in, env);
	}
	for (i = 0; i < 2; i++) {
		cr_assert_eq(consume(&k, cid[i], m, 1), 1,
		    "customer %d's event delivered", i);
		cr_assert_str_eq(m[0].key, "v1.customer.created");
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM outbox WHERE event_id::text = '%s'",
		    m[0].message_id);
		cr_assert_eq(count(c, sql), 1);
		json_decref(m[0].body);
	}
	cr_assert(wait_count(c,
		      "SELECT count(*) FROM outbox WHERE sent_at IS NULL", 0,
		      5000),
	    "rows marked sent");
	/* the publisher removes a mirror item just after marking its row */
	for (i = 0; i < 2; i++) {
		deadline = instance_now_ms() + 5000;
		while (mirror_items(rc, c, cid[i]) != 0 &&
		    instance_now_ms() < deadline)
			usleep(50000);
		cr_assert_eq(mirror_items(rc, c, cid[i]), 0,
		    "mirror item of customer %d removed", i);
	}
	consumer_close(&k);
	instance_stop(&in);
	instance_expect_clean(&in);
	redisFree(rc);
	scratch_drop(c, name);
}

Test(publisher, broker_and_redis_down_rows_stay_unsent, .timeout = 60)
{
	struct instance in;
	PGconn *c;
	char url[512], name[64], amqp[128], redis[128];
	char biz[UUID_STR_LEN], cid[UUID_STR_LEN], uid[UUID_STR_LEN];

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	snprintf(amqp, sizeof(amqp), "amqp://guest:guest@127.0.0.1:%u/",
	    instance_free_port());
	snprintf(redis, sizeof(redis), "redis://127.0.0.1:%u/0",
	    instance_free_port());
	{
		const char *env[] = { "DATABASE_URL", url, "RABBITMQ_URL", amqp,
			"REDIS_URL", redis, NULL };

		instance_start(&in, env);
	}
	uuid4(biz);
	cust_create(biz, cid, uid);
	/* a few publisher rounds (backoff 1 s, 2 s) */
	sleep(4);
	cr_assert_eq(count(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS "
			 "NULL AND parked_at IS NULL"),
	    1, "the row stays unsent and unparked");
	cr_assert_eq(count(c, "SELECT count(*) FROM outbox"), 1);
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}
