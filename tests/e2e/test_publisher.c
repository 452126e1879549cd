/*
 * The outbox publisher (docs/events.md): events reach
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

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>

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

#include "broker.h"
#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "env.h"
#include "instance.h"
#include "redis_env.h"
#include "scratch.h"
#include "stack.h"
#include "token.h"
#include "uuid4.h"

/* the publisher's SQL for a row's body and failed_events item */
#include "../../src/events/outbox_sql.h"

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
		"version", "trace_id", "event_id", "occurred_at", "business_id",
		NULL };
	static const char *updated[] = { "id", "fields_changed", "version",
		"trace_id", "event_id", "occurred_at", "business_id", NULL };
	static const char *tagged[] = { "customer_id", "tag_id", "label",
		"version", "trace_id", "event_id", "occurred_at", "business_id",
		NULL };
	static const char *noted[] = { "customer_id", "note_id", "version",
		"trace_id", "event_id", "occurred_at", "business_id", NULL };
	static const char *deleted[] = { "id", "user_id", "version", "trace_id",
		"event_id", "occurred_at", "business_id", NULL };
	/* the customer's version after each: a tag or note leaves it */
	static const int versions[] = { 1, 2, 2, 2, 3 };
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
	r = http_req_traced("POST", "/customers", tok, body, tr[0]);
	expect_status(r, 201);
	j = resp_json(r);
	memcpy(cid, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(body);
	free(tok);

	tok = tok_superadmin();
	snprintf(path, sizeof(path), "/customers/%s", cid);
	r = http_req_traced("PATCH", path, tok,
	    "{\"full_name\":\"Renamed Person\"}", tr[1]);
	expect_status(r, 200);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s/tags", cid);
	r = http_req_traced("POST", path, tok, "{\"label\":\"VIP\"}", tr[2]);
	expect_status(r, 201);
	http_resp_free(r);
	snprintf(path, sizeof(path), "/customers/%s/notes", cid);
	r = http_req_traced("POST", path, tok, "{\"content\":\"Likes tea\"}",
	    tr[3]);
	expect_status(r, 201);
	http_resp_free(r);
	/*
	 * The erasure scrubs the personal fields of the events still unsent:
	 * the 4 go out first, however slowly the publisher runs.
	 */
	cr_assert_eq(db_wait_count(4, 4, 30000,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND sent_at IS NOT NULL",
			 cid, DB_END),
	    4, "the customer's 4 events not sent in 30 s");
	snprintf(path, sizeof(path), "/customers/%s", cid);
	r = http_req_traced("DELETE", path, tok, NULL, tr[4]);
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
	for (i = 0; i < n; i++) {
		cr_assert_eq(json_integer_value(
				 json_object_get(m[i].body, "version")),
		    versions[i], "%s: version", m[i].key);
		json_decref(m[i].body);
	}
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
	rc = redis_from_env(-1);
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

	cr_assert(db_wait_count_on(c, 2, 2, 10000,
		      "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"
		      " AND sent_at IS NULL",
		      DB_END) == 2,
	    "both rows parked, unsent");
	for (i = 0; i < 2; i++)
		cr_assert_eq(mirror_items(rc, c, cid[i]), 1,
		    "one failed_events item for customer %d", i);
	instance_stop(&in);
	instance_expect_clean(&in);
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS "
			 "NOT NULL",
			 DB_END),
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
		cr_assert_eq(db_count_on(c, sql, DB_END), 1);
		json_decref(m[0].body);
	}
	cr_assert(db_wait_count_on(c, 0, 0, 5000,
		      "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
		      DB_END) == 0,
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

/*
 * A worker paused and resumed (SIGSTOP then SIGCONT, as `docker pause` and
 * `unpause` or a debugger do) keeps every thread: the kernel resumes a
 * sleep the stop cut short with restart_syscall, and a sandbox without it
 * kills each thread that slept (the publisher, the consumer) without a
 * word. An event written after the resume is delivered.
 */
Test(publisher, a_paused_and_resumed_worker_keeps_publishing, .timeout = 60)
{
	struct instance in;
	struct consumer k;
	struct msg m[MAX_MSGS];
	PGconn *c;
	char url[512], name[64];
	char biz[UUID_STR_LEN], cid[UUID_STR_LEN], uid[UUID_STR_LEN];
	pid_t w;

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	{
		const char *env[] = { "DATABASE_URL", url, NULL };

		instance_start(&in, env);
	}
	consumer_open(&k);
	uuid4(biz);
	cust_create(biz, cid, uid);
	cr_assert_eq(consume(&k, cid, m, 1), 1, "the event before the pause");
	json_decref(m[0].body);
	cr_assert_gt(w = instance_worker_pid(&in), 0);
	cr_assert_eq(kill(w, SIGSTOP), 0);
	usleep(300000);
	cr_assert_eq(kill(w, SIGCONT), 0);
	cust_create(biz, cid, uid);
	cr_assert_eq(consume(&k, cid, m, 1), 1,
	    "no event after the pause: a thread of the worker died");
	json_decref(m[0].body);
	consumer_close(&k);
	instance_stop(&in);
	instance_expect_clean(&in);
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
	/* the publisher met the row: its round failed on the broker */
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "Broker unreachable: outbox events parked", 30000),
	    "the publisher never tried the broker: %s",
	    instance_file_text(&in, "kore.err"));
	/*
	 * and its next round, after the back-off (1 s): a wait for the
	 * service's own timer, which a slow machine only makes longer
	 */
	usleep(1500000);
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS "
			 "NULL AND parked_at IS NULL",
			 DB_END),
	    1, "the row stays unsent and unparked");
	cr_assert_eq(db_count_on(c, "SELECT count(*) FROM outbox", DB_END), 1);
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}

/* Declares an exclusive queue bound to exchange with key; args may be NULL. */
static void
queue_bound(amqp_connection_state_t c, const char *exchange, const char *queue,
    const char *key, const amqp_table_t *args)
{
	amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 0, 1, 1,
	    args != NULL ? *args : amqp_empty_table);
	rpc_check(c, "queue.declare");
	amqp_queue_bind(c, 1, amqp_cstring_bytes(queue),
	    amqp_cstring_bytes(exchange), amqp_cstring_bytes(key),
	    amqp_empty_table);
	rpc_check(c, "queue.bind");
}

/* Ready messages of a queue of this connection (exclusive to it). */
static long
queue_depth(amqp_connection_state_t c, const char *queue)
{
	amqp_queue_declare_ok_t *ok;

	ok = amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 1, 0, 0, 0,
	    amqp_empty_table);
	cr_assert_not_null(ok, "queue %s", queue);
	return ((long)ok->message_count);
}

/* basic.get with no-ack: the message_id into id, 0 when the queue is empty. */
static int
queue_get(amqp_connection_state_t c, const char *queue, char *id, size_t len)
{
	amqp_rpc_reply_t r;
	amqp_message_t msg;

	r = amqp_basic_get(c, 1, amqp_cstring_bytes(queue), 1);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "basic.get");
	if (r.reply.id != AMQP_BASIC_GET_OK_METHOD)
		return (0);
	r = amqp_read_message(c, 1, &msg, 0);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "read message");
	bytes_cpy(id, len, msg.properties.message_id);
	amqp_destroy_message(&msg);
	return (1);
}

/*
 * Confirms out of order and nacks: a queue with x-overflow
 * reject-publish and room for 2 nacks the later "full" events, while the
 * unroutable ones are acked at once and the routed ones after their
 * write. Exactly the acked rows are marked sent; the nacked ones stay
 * unsent (parked, mirrored) and go out once the queue has room. The
 * instance has an exchange and a Redis database of its own.
 */
Test(publisher, nacked_rows_stay_unsent_until_the_queue_has_room,
    .timeout = 120)
{
	/* 2 accepted, then 3 x (nacked, unroutable, routed) */
	static const char *keys = "{t.full,t.full,t.full,t.none,t.routed,"
				  "t.full,t.none,t.routed,t.full,t.none,"
				  "t.routed}";
	amqp_table_entry_t arg[2];
	amqp_table_t args;
	amqp_connection_state_t bc;
	struct instance in;
	redisContext *rc;
	redisReply *rep;
	PGconn *c;
	PGresult *res;
	char url[512], name[64], exch[64], qfull[64], qok[64], redis[160];
	char id[64], seen[8][64], sql[512], tag[UUID_STR_LEN];
	const char *colon;
	long deadline;
	int nseen, i, k;

	uuid4(tag);
	snprintf(exch, sizeof(exch), "bee.e2e.confirms.%.8s", tag);
	snprintf(qfull, sizeof(qfull), "bee.e2e.full.%.8s", tag);
	snprintf(qok, sizeof(qok), "bee.e2e.routed.%.8s", tag);
	bc = broker_open();
	amqp_exchange_declare(bc, 1, amqp_cstring_bytes(exch),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	rpc_check(bc, "exchange.declare");
	arg[0].key = amqp_cstring_bytes("x-overflow");
	arg[0].value.kind = AMQP_FIELD_KIND_UTF8;
	arg[0].value.value.bytes = amqp_cstring_bytes("reject-publish");
	arg[1].key = amqp_cstring_bytes("x-max-length");
	arg[1].value.kind = AMQP_FIELD_KIND_I32;
	arg[1].value.value.i32 = 2;
	args.num_entries = 2;
	args.entries = arg;
	queue_bound(bc, exch, qfull, "t.full", &args);
	queue_bound(bc, exch, qok, "t.routed", NULL);

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	res = PQexecParams(c,
	    "INSERT INTO outbox (routing_key, payload)"
	    " SELECT k, jsonb_build_object('n', n)"
	    " FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
	    1, NULL, &keys, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s",
	    PQresultErrorMessage(res));
	PQclear(res);
	/*
	 * the instance's mirror: database 11 of the e2e Redis, this test's
	 * alone while it runs (copies of this binary running at once wait)
	 */
	cr_assert_eq(db_count("SELECT count(*) FROM (SELECT pg_advisory_lock("
			      "hashtext('bee-e2e redis database 11'))) l",
			 DB_END),
	    1);
	colon = getenv("REDIS_URL");
	cr_assert(colon != NULL && (colon = strrchr(colon, ':')) != NULL,
	    "REDIS_URL");
	snprintf(redis, sizeof(redis), "redis://127.0.0.1:%ld/11",
	    strtol(colon + 1, NULL, 10));
	rc = redis_from_env(11);
	freeReplyObject(redisCommand(rc, "DEL failed_events"));
	/*
	 * Row 6's item is there already, its row unparked: as after a crash
	 * between the push and parked_at. Parking it adds no second copy.
	 */
	res = PQexec(c,
	    "SELECT " SQL_ITEM " FROM outbox o, LATERAL (SELECT " SQL_BODY
	    " AS body) b WHERE o.id = 6");
	cr_assert_eq(PQntuples(res), 1);
	freeReplyObject(
	    redisCommand(rc, "RPUSH failed_events %s", PQgetvalue(res, 0, 0)));
	PQclear(res);
	{
		const char *env[] = { "DATABASE_URL", url, "RABBITMQ_EXCHANGE",
			exch, "REDIS_URL", redis, NULL };

		instance_start(&in, env);
	}

	cr_assert(db_wait_count_on(c, 8, 8, 15000,
		      "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
		      DB_END) == 8,
	    "the 8 acked rows marked sent, %ld are",
	    db_count_on(c,
		"SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
		DB_END));
	/* the nacked rows, retried with backoff, stay unsent meanwhile */
	cr_assert(db_wait_count_on(c, 3, 3, 30000,
		      "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"
		      " AND attempts > 0",
		      DB_END) == 3,
	    "the 3 nacked rows parked and attempted, %ld are",
	    db_count_on(c,
		"SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL"
		" AND attempts > 0",
		DB_END));
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
			 " AND (routing_key <> 't.full' OR id <= 2)",
			 DB_END),
	    8, "every acked row sent");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
			 " AND routing_key = 't.full' AND id > 2"
			 " AND parked_at IS NOT NULL AND attempts > 0",
			 DB_END),
	    3, "the 3 nacked rows unsent, parked, attempted");
	rep = redisCommand(rc, "LLEN failed_events");
	cr_assert_eq(rep->integer, 3, "their 3 mirror items, once each");
	freeReplyObject(rep);
	cr_assert_eq(queue_depth(bc, qok), 3, "the 3 routed events delivered");
	cr_assert_eq(queue_depth(bc, qfull), 2, "the full queue holds its 2");

	/* make room as the publisher retries: the 5 full events, in order */
	nseen = 0;
	deadline = instance_now_ms() + 60000;
	while (nseen < 5 && instance_now_ms() < deadline) {
		if (queue_get(bc, qfull, id, sizeof(id)))
			memcpy(seen[nseen++], id, sizeof(id));
		else
			usleep(100000);
	}
	cr_assert_eq(nseen, 5, "got %d of the 5 full events", nseen);
	for (i = 0; i < 5; i++) {
		k = i < 3 ? i + 1 : (i == 3 ? 6 : 9);
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM outbox WHERE id = %d AND"
		    " event_id::text = '%s'",
		    k, seen[i]);
		cr_assert_eq(db_count_on(c, sql, DB_END), 1,
		    "full event %d is row %d", i, k);
	}
	cr_assert(db_wait_count_on(c, 0, 0, 5000,
		      "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
		      DB_END) == 0,
	    "every row sent at last");
	deadline = instance_now_ms() + 5000;
	do {
		rep = redisCommand(rc, "LLEN failed_events");
		k = (int)rep->integer;
		freeReplyObject(rep);
	} while (k != 0 && instance_now_ms() < deadline && usleep(50000) == 0);
	cr_assert_eq(k, 0, "mirror items removed once acked");

	instance_stop(&in);
	instance_expect_clean(&in);
	amqp_exchange_delete(bc, 1, amqp_cstring_bytes(exch), 0);
	broker_close(bc);
	redisFree(rc);
	scratch_drop(c, name);
}

/* A copy of a variable that must be set. */
static char *
env_copy(const char *name)
{
	const char *v = getenv(name);
	char *copy;

	cr_assert(v != NULL && *v != '\0', "%s not set", name);
	copy = strdup(v != NULL ? v : "");
	cr_assert_not_null(copy);
	return (copy);
}

/* A redis://host:port/db URL's connection. */
static redisContext *
redis_at(const char *url)
{
	char host[128];
	const char *colon;
	redisContext *rc;
	long db;
	char *end;
	int port;

	colon = strchr(url + 8, ':');
	cr_assert(strncmp(url, "redis://", 8) == 0 && colon != NULL, "%s", url);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - url - 8), url + 8);
	port = (int)strtol(colon + 1, &end, 10);
	db = *end == '/' ? strtol(end + 1, NULL, 10) : 0;
	rc = redisConnect(host, port);
	cr_assert(rc != NULL && !rc->err, "redis %s", url);
	freeReplyObject(redisCommand(rc, "SELECT %ld", db));
	return (rc);
}

/*
 * calls and usec of "cmdstat_<cmd>:" in INFO commandstats: the calls, 0
 * when never called; the server's time in it into *usec.
 */
static long
redis_calls(redisContext *rc, const char *cmd, long *usec)
{
	redisReply *rep;
	char key[64];
	const char *at;
	long n;

	rep = redisCommand(rc, "INFO commandstats");
	cr_assert(rep != NULL && rep->type == REDIS_REPLY_STRING);
	snprintf(key, sizeof(key), "cmdstat_%s:calls=", cmd);
	at = strstr(rep->str, key);
	n = at != NULL ? strtol(at + strlen(key), NULL, 10) : 0;
	*usec = 0;
	if (at != NULL && (at = strstr(at, ",usec=")) != NULL)
		*usec = strtol(at + 6, NULL, 10);
	freeReplyObject(rep);
	return (n);
}

/*
 * Recovery of a parked backlog: N parked rows (an outage's
 * worth) whose items fill failed_events between two foreign items (the
 * original's, say), and one more parked row whose item is missing. Once
 * a publisher reaches the broker, every row is sent and failed_events
 * holds exactly the two foreign items; and the removal is linear: not one
 * LREM over the list per event (the old way, quadratic), but one per
 * batch plus one per item missing from the list's head (Redis's own
 * command counts, on a Redis of the test's own). BEE_PARKED_EVENTS sets N
 * (default 2000); with 100000 it is the recovery benchmark of
 * docs/benchmark.md, whose figures it logs.
 */
Test(publisher, parked_backlog_drains_exactly_and_linearly, .timeout = 3600)
{
	static const char *foreign[2] = {
		"{\"event\": \"v1.customer.created\", \"payload\": {}, "
		"\"trace_id\": null}",
		"{\"event\": \"v1.customer.updated\", \"payload\": {}}"
	};
	struct stack s;
	struct instance in;
	redisContext *rc;
	redisReply *rep;
	PGconn *c;
	PGresult *res;
	char url[512], name[64], exch[64], tag[UUID_STR_LEN], n_txt[16];
	char *db_url, *amqp_url, *redis;
	const char *n_env, *params[1] = { n_txt };
	long n, i, t0, ms, lrem, lrem_us, eval, eval_us, deadline, left;

	n_env = getenv("BEE_PARKED_EVENTS");
	n = n_env != NULL ? strtol(n_env, NULL, 10) : 2000;
	cr_assert_gt(n, 0);
	/* a private Redis (command counts of this test alone) */
	db_url = env_copy("DATABASE_URL");
	amqp_url = env_copy("RABBITMQ_URL");
	stack_start(&s, "redis");
	redis = env_copy("REDIS_URL");
	cr_assert(setenv("DATABASE_URL", db_url, 1) == 0);
	cr_assert(setenv("RABBITMQ_URL", amqp_url, 1) == 0);

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	snprintf(n_txt, sizeof(n_txt), "%ld", n + 1);
	res = PQexecParams(c,
	    "INSERT INTO outbox (routing_key, business_id, customer_id,"
	    " payload, trace_id, parked_at)"
	    " SELECT 'v1.customer.created', gen_random_uuid(), u,"
	    " jsonb_build_object('id', u, 'full_name', 'Parked ' || k),"
	    " gen_random_uuid()::text, now()"
	    " FROM generate_series(1, $1::int) k, LATERAL"
	    " (SELECT gen_random_uuid() AS u) g ORDER BY k",
	    1, NULL, params, NULL, NULL, 0);
	cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s",
	    PQresultErrorMessage(res));
	PQclear(res);
	res = PQexec(c,
	    "SELECT " SQL_ITEM " FROM outbox o, LATERAL (SELECT " SQL_BODY
	    " AS body) b ORDER BY o.id");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	cr_assert_eq(PQntuples(res), n + 1);
	rc = redis_at(redis);
	redisAppendCommand(rc, "RPUSH failed_events %s", foreign[0]);
	/* the last row's item is not there: removed by hand, say */
	for (i = 0; i < n; i++)
		redisAppendCommand(rc, "RPUSH failed_events %s",
		    PQgetvalue(res, (int)i, 0));
	redisAppendCommand(rc, "RPUSH failed_events %s", foreign[1]);
	for (i = 0; i < n + 2; i++) {
		cr_assert_eq(redisGetReply(rc, (void **)&rep), REDIS_OK);
		freeReplyObject(rep);
	}
	PQclear(res);
	freeReplyObject(redisCommand(rc, "CONFIG RESETSTAT"));

	uuid4(tag);
	snprintf(exch, sizeof(exch), "bee.e2e.backlog.%.8s", tag);
	t0 = instance_now_ms();
	{
		const char *env[] = { "DATABASE_URL", url, "RABBITMQ_EXCHANGE",
			exch, "REDIS_URL", redis, NULL };

		instance_start(&in, env);
	}
	deadline = instance_now_ms() + 3000000;
	do {
		rep = redisCommand(rc, "LLEN failed_events");
		left = rep->integer;
		freeReplyObject(rep);
		if (left == 2)
			break;
		usleep(20000);
	} while (instance_now_ms() < deadline);
	ms = instance_now_ms() - t0;
	cr_assert_eq(left, 2, "%ld items left", left);
	cr_assert(db_wait_count_on(c, 0, 0, 5000,
		      "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
		      DB_END) == 0,
	    "every row sent");
	rep = redisCommand(rc, "LRANGE failed_events 0 -1");
	cr_assert_eq(rep->elements, 2);
	for (i = 0; i < 2; i++)
		cr_assert_str_eq(rep->element[i]->str, foreign[i],
		    "foreign item %ld kept, in place", i);
	freeReplyObject(rep);
	lrem = redis_calls(rc, "lrem", &lrem_us);
	eval = redis_calls(rc, "eval", &eval_us);
	cr_log_info("parked backlog: %ld events sent and their items removed "
		    "in %ld ms (%.3f ms per event) from the publisher's start;"
		    " Redis: LREM %ld calls %ld ms, EVAL %ld calls %ld ms",
	    n, ms, (double)ms / (double)n, lrem, lrem_us / 1000, eval,
	    eval_us / 1000);
	/* one per batch of 100, one for the missing item */
	cr_assert_leq(lrem, n / 100 + 2, "%ld LREM for %ld events", lrem, n);

	instance_stop(&in);
	instance_expect_clean(&in);
	redisFree(rc);
	scratch_drop(c, name);
	stack_reset(&s);
	free(db_url);
	free(amqp_url);
	free(redis);
}

/*
 * A TCP relay to the e2e broker that the test can cut: every connection
 * through it is shut down at once, as a broker restart or a NAT timeout
 * leaves an idle connection that the publisher finds dead only when it
 * sends.
 */
struct relay {
	int lfd;
	unsigned short port, to;
	pthread_mutex_t mu;
	int fds[64];
	int nfds;
	int ended; /* connections closed at both ends */
};

struct relay_pair {
	struct relay *rl;
	int a, b;
};

static void
relay_forget(struct relay *rl, int fd)
{
	int i;

	(void)pthread_mutex_lock(&rl->mu);
	for (i = 0; i < rl->nfds; i++)
		if (rl->fds[i] == fd)
			rl->fds[i] = rl->fds[--rl->nfds];
	(void)pthread_mutex_unlock(&rl->mu);
}

static void *
relay_pump(void *arg)
{
	struct relay_pair *p = arg;
	struct pollfd pf[2];
	char buf[16384];
	ssize_t n;
	int i;

	pf[0].fd = p->a;
	pf[1].fd = p->b;
	pf[0].events = pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, 2, -1) == -1)
			break;
		for (i = 0; i < 2; i++) {
			if (pf[i].revents == 0)
				continue;
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n <= 0 || write(pf[1 - i].fd, buf, (size_t)n) != n)
				goto out;
		}
	}
out:
	relay_forget(p->rl, p->a);
	(void)shutdown(p->b, SHUT_RDWR);
	(void)close(p->a);
	(void)close(p->b);
	(void)pthread_mutex_lock(&p->rl->mu);
	p->rl->ended++;
	(void)pthread_mutex_unlock(&p->rl->mu);
	free(p);
	return (NULL);
}

static void *
relay_accept(void *arg)
{
	struct relay *rl = arg;
	struct sockaddr_in sa;
	struct relay_pair *p;
	pthread_t t;
	int a, b;

	while ((a = accept(rl->lfd, NULL, NULL)) != -1) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons(rl->to);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		b = socket(AF_INET, SOCK_STREAM, 0);
		if (b == -1 ||
		    connect(b, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			(void)close(a);
			if (b != -1)
				(void)close(b);
			continue;
		}
		p = malloc(sizeof(*p));
		cr_assert_not_null(p);
		p->rl = rl;
		p->a = a;
		p->b = b;
		(void)pthread_mutex_lock(&rl->mu);
		if (rl->nfds < 64)
			rl->fds[rl->nfds++] = a;
		(void)pthread_mutex_unlock(&rl->mu);
		cr_assert_eq(pthread_create(&t, NULL, relay_pump, p), 0);
		(void)pthread_detach(t);
	}
	return (NULL);
}

static void
relay_start(struct relay *rl)
{
	struct sockaddr_in sa;
	socklen_t len;
	pthread_t t;
	const char *url, *colon;

	memset(rl, 0, sizeof(*rl));
	(void)pthread_mutex_init(&rl->mu, NULL);
	url = getenv("RABBITMQ_URL");
	cr_assert(url != NULL && (colon = strrchr(url, ':')) != NULL);
	rl->to = (unsigned short)strtoul(colon + 1, NULL, 10);
	rl->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(rl->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(rl->lfd, 16), 0);
	len = sizeof(sa);
	cr_assert_eq(getsockname(rl->lfd, (struct sockaddr *)&sa, &len), 0);
	rl->port = ntohs(sa.sin_port);
	cr_assert_eq(pthread_create(&t, NULL, relay_accept, rl), 0);
	(void)pthread_detach(t);
}

/*
 * Shuts every connection through the relay down, as a dead peer would,
 * and waits until the relay closed both ends of each.
 */
static void
relay_cut(struct relay *rl)
{
	long deadline;
	int i, want, ended;

	(void)pthread_mutex_lock(&rl->mu);
	want = rl->ended + rl->nfds;
	for (i = 0; i < rl->nfds; i++)
		(void)shutdown(rl->fds[i], SHUT_RDWR);
	(void)pthread_mutex_unlock(&rl->mu);
	deadline = instance_now_ms() + 15000;
	for (;;) {
		(void)pthread_mutex_lock(&rl->mu);
		ended = rl->ended;
		(void)pthread_mutex_unlock(&rl->mu);
		if (ended >= want)
			break;
		cr_assert(instance_now_ms() < deadline,
		    "the relay's connections still open after 15 s");
		usleep(10000);
	}
}

/*
 * A row sent over a connection that went stale while idle is retried at
 * once on a fresh one; that send on the dead connection, which the broker
 * never saw, is no attempt of the row: delivered, its attempts stay 0.
 */
Test(publisher, stale_connection_retry_counts_no_attempt, .timeout = 60)
{
	struct instance in;
	struct relay rl;
	struct consumer k;
	struct msg m[MAX_MSGS];
	PGconn *c;
	char url[512], name[64], amqp[128], sql[256];
	char biz[UUID_STR_LEN], cid[2][UUID_STR_LEN], uid[UUID_STR_LEN];
	int i;

	c = scratch_db("bee_pub_", url, sizeof(url), name, sizeof(name));
	relay_start(&rl);
	snprintf(amqp, sizeof(amqp), "amqp://guest:guest@127.0.0.1:%u/",
	    rl.port);
	{
		const char *env[] = { "DATABASE_URL", url, "RABBITMQ_URL", amqp,
			NULL };

		instance_start(&in, env);
	}
	consumer_open(&k);
	uuid4(biz);
	for (i = 0; i < 2; i++) {
		cust_create(biz, cid[i], uid);
		cr_assert_eq(consume(&k, cid[i], m, 1), 1,
		    "customer %d's event delivered", i);
		json_decref(m[0].body);
		cr_assert(
		    db_wait_count_on(c, 0, 0, 5000,
			"SELECT count(*) FROM outbox WHERE sent_at IS NULL",
			DB_END) == 0,
		    "rows marked sent");
		if (i == 0) {
			/* the publisher's connection, idle, dies unseen */
			relay_cut(&rl);
		}
	}
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM outbox WHERE attempts > 0");
	cr_assert_eq(db_count_on(c, sql, DB_END), 0,
	    "a delivered row counted an attempt for the stale connection");
	consumer_close(&k);
	instance_stop(&in);
	instance_expect_clean(&in);
	scratch_drop(c, name);
}
