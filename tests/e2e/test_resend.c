/*
 * scripts/resend-failed-events (docs/operations.md) against the e2e
 * servers: items of a Redis list go to RABBITMQ_EXCHANGE from the head,
 * with the publisher's properties and body bytes, popped in order, their
 * outbox rows marked sent by message_id; malformed items move to
 * "<list>:invalid"; a closed broker port stops it non-zero with the head
 * item still there; an empty list is "moved 0".
 *
 * Every test uses a list of its own (FAILED_EVENTS_KEY): the service's
 * publisher works on failed_events. Outbox rows live in a scratch
 * database, where no publisher sends them first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "env.h"
#include "instance.h"
#include "resend_tool.h"
#include "scratch.h"
#include "uuid4.h"

/* the publisher's SQL for a row's body and failed_events item */
#include "../../src/events/outbox_sql.h"

#define MAX_MSGS 8
#define OUT_MAX 8192

struct msg {
	char key[128];
	char message_id[64];
	char content_type[64];
	int delivery_mode;
	uint64_t timestamp;
	char trace_id[128];
	char body[1024];
};

struct run {
	int status;
	char out[OUT_MAX]; /* stdout and stderr */
};

static char prefix[64]; /* v1.resend.<random>: this test's routing keys */

static void
new_prefix(char *key, size_t len)
{
	char u[UUID_STR_LEN];

	uuid4(u);
	snprintf(prefix, sizeof(prefix), "v1.resend.%.8s", u);
	snprintf(key, len, "test:resend:%s", u);
}

/* --- Redis ---------------------------------------------------------------- */

static redisContext *
redis(void)
{
	const char *url = getenv("REDIS_URL");
	const char *h, *colon;
	char host[128], *end;
	int port, db;
	redisContext *c;
	redisReply *r;

	cr_assert_not_null(url, "REDIS_URL not set");
	cr_assert_eq(strncmp(url, "redis://", 8), 0, "REDIS_URL %s", url);
	h = url + 8;
	colon = strchr(h, ':');
	cr_assert(colon != NULL && (size_t)(colon - h) < sizeof(host),
	    "REDIS_URL %s: expected redis://host:port[/db]", url);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - h), h);
	port = (int)strtol(colon + 1, &end, 10);
	db = *end == '/' ? (int)strtol(end + 1, NULL, 10) : 0;
	c = redisConnect(host, port);
	cr_assert(c != NULL && !c->err, "cannot reach Redis");
	r = redisCommand(c, "SELECT %d", db);
	freeReplyObject(r);
	return (c);
}

static void
rpush(redisContext *c, const char *key, const char *item)
{
	redisReply *r = redisCommand(c, "RPUSH %s %s", key, item);

	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER);
	freeReplyObject(r);
}

static long
llen(redisContext *c, const char *key)
{
	redisReply *r = redisCommand(c, "LLEN %s", key);
	long n;

	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER);
	n = (long)r->integer;
	freeReplyObject(r);
	return (n);
}

/* LINDEX key i, malloc'd; NULL when none. */
static char *
lindex(redisContext *c, const char *key, int i)
{
	redisReply *r = redisCommand(c, "LINDEX %s %d", key, i);
	char *s;

	cr_assert_not_null(r);
	s = r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
	freeReplyObject(r);
	return (s);
}

static void
del(redisContext *c, const char *key)
{
	freeReplyObject(redisCommand(c, "DEL %s %s:invalid", key, key));
}

/* --- the tool --------------------------------------------------------------- */

/* The tool with FAILED_EVENTS_KEY=key and the overrides env (resend_tool). */
static void
resend(struct run *out, const char *key, const char *const *env,
    const char *arg)
{
	out->status = resend_tool(key, env, arg, out->out, sizeof(out->out));
}

/* --- a consumer of this test's routing keys ------------------------------- */

static void
rpc_check(amqp_connection_state_t c, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(c);

	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "%s failed", what);
}

static amqp_connection_state_t
consumer_open(void)
{
	struct amqp_connection_info ci;
	amqp_connection_state_t c;
	amqp_queue_declare_ok_t *q;
	amqp_socket_t *s;
	amqp_rpc_reply_t r;
	amqp_bytes_t name;
	const char *env;
	char *url, bind[80];

	env = getenv("RABBITMQ_URL");
	cr_assert_not_null(env, "RABBITMQ_URL not set");
	url = strdup(env != NULL ? env : "");
	cr_assert_eq(amqp_parse_url(url, &ci), AMQP_STATUS_OK, "RABBITMQ_URL");
	if (*ci.vhost == '\0')
		ci.vhost = "/";
	c = amqp_new_connection();
	s = amqp_tcp_socket_new(c);
	cr_assert_eq(amqp_socket_open(s, ci.host, ci.port), AMQP_STATUS_OK,
	    "cannot reach RabbitMQ");
	r = amqp_login(c, ci.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
	    ci.user, ci.password);
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_NORMAL, "login");
	free(url);
	amqp_channel_open(c, 1);
	rpc_check(c, "channel.open");
	amqp_exchange_declare(c, 1, amqp_cstring_bytes(env_exchange()),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	rpc_check(c, "exchange.declare");
	q = amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1,
	    amqp_empty_table);
	rpc_check(c, "queue.declare");
	name = amqp_bytes_malloc_dup(q->queue);
	snprintf(bind, sizeof(bind), "%s.#", prefix);
	amqp_queue_bind(c, 1, name, amqp_cstring_bytes(env_exchange()),
	    amqp_cstring_bytes(bind), amqp_empty_table);
	rpc_check(c, "queue.bind");
	amqp_basic_consume(c, 1, name, amqp_empty_bytes, 0, 1, 0,
	    amqp_empty_table);
	rpc_check(c, "basic.consume");
	amqp_bytes_free(name);
	return (c);
}

static void
consumer_close(amqp_connection_state_t c)
{
	amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
}

static void
bytes_cpy(char *dst, size_t len, amqp_bytes_t b)
{
	snprintf(dst, len, "%.*s", (int)b.len, (const char *)b.bytes);
}

/* Up to `want` messages within ms (fewer when no more come). */
static int
consume(amqp_connection_state_t c, struct msg *out, int want, long ms)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	amqp_basic_properties_t *p;
	struct timeval tv;
	long deadline;
	int n, i;

	n = 0;
	deadline = instance_now_ms() + ms;
	while (n < want && instance_now_ms() < deadline) {
		tv.tv_sec = 0;
		tv.tv_usec = 200000;
		amqp_maybe_release_buffers(c);
		r = amqp_consume_message(c, &env, &tv, 0);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		bytes_cpy(out[n].key, sizeof(out[n].key), env.routing_key);
		bytes_cpy(out[n].body, sizeof(out[n].body), env.message.body);
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
		for (i = 0; (p->_flags & AMQP_BASIC_HEADERS_FLAG) &&
		     i < p->headers.num_entries;
		     i++) {
			if (p->headers.entries[i].key.len == 8 &&
			    !memcmp(p->headers.entries[i].key.bytes, "trace_id",
				8) &&
			    p->headers.entries[i].value.kind ==
				AMQP_FIELD_KIND_UTF8)
				bytes_cpy(out[n].trace_id,
				    sizeof(out[n].trace_id),
				    p->headers.entries[i].value.value.bytes);
		}
		amqp_destroy_envelope(&env);
		n++;
	}
	return (n);
}

/* Result of one query with text parameters; asserts success. */
static PGresult *
q(PGconn *c, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK ||
		PQresultStatus(r) == PGRES_COMMAND_OK,
	    "%s: %s", sql, PQresultErrorMessage(r));
	return (r);
}

/* ------------------------------------------------------------------------ */

Test(resend, publishes_in_order_with_publisher_bytes_and_marks_sent,
    .timeout = 60)
{
	static const char sql_rows[] =
	    "SELECT o.event_id::text, o.routing_key, o.trace_id,"
	    " extract(epoch FROM o.created_at)::bigint::text, b.body::text, " SQL_ITEM
	    " FROM outbox o, LATERAL (SELECT " SQL_BODY
	    " AS body) b ORDER BY o.id";
	static const char sql_insert[] =
	    "INSERT INTO outbox (routing_key, business_id, customer_id,"
	    " payload, trace_id, created_at) VALUES ($1, gen_random_uuid(),"
	    " gen_random_uuid(), jsonb_build_object('id', gen_random_uuid(),"
	    " 'label', $2::text, 'trace_id', $3::text), $3,"
	    " now() - interval '1 hour' + $4::int * interval '1.7 seconds')";
	const char *env[3], *params[4];
	char key[96], url[512], dbname[64], rk[3][128], tr[3][UUID_STR_LEN];
	char n[8], *head;
	struct msg m[MAX_MSGS];
	struct run out;
	redisContext *rc;
	amqp_connection_state_t k;
	PGconn *db;
	PGresult *rows, *r;
	int i;

	new_prefix(key, sizeof(key));
	db =
	    scratch_db("bee_resend_", url, sizeof(url), dbname, sizeof(dbname));
	for (i = 0; i < 3; i++) {
		snprintf(rk[i], sizeof(rk[i]), "%s.n%d", prefix, i);
		uuid4(tr[i]);
		snprintf(n, sizeof(n), "%d", i);
		params[0] = rk[i];
		params[1] = i == 1 ? "caf\xc3\xa9 \"quoted\" \\ back" : "plain";
		params[2] = tr[i];
		params[3] = n;
		PQclear(q(db, sql_insert, 4, params));
	}
	rows = q(db, sql_rows, 0, NULL);
	cr_assert_eq(PQntuples(rows), 3);
	rc = redis();
	del(rc, key);
	for (i = 0; i < 3; i++)
		rpush(rc, key, PQgetvalue(rows, i, 5));
	PQclear(q(db, "UPDATE outbox SET parked_at = now()", 0, NULL));
	k = consumer_open();

	env[0] = "DATABASE_URL";
	env[1] = url;
	env[2] = NULL;
	resend(&out, key, env, NULL);
	cr_assert_eq(out.status, 0, "exit %d: %s", out.status, out.out);
	cr_assert_not_null(strstr(out.out, "moved 3, invalid 0"), "%s",
	    out.out);
	cr_assert_eq(llen(rc, key), 0, "items left in the list");
	head = lindex(rc, key, 0);
	cr_assert_null(head);

	cr_assert_eq(consume(k, m, MAX_MSGS, 3000), 3, "3 messages");
	for (i = 0; i < 3; i++) {
		cr_assert_str_eq(m[i].key, PQgetvalue(rows, i, 1), "order");
		cr_assert_str_eq(m[i].message_id, PQgetvalue(rows, i, 0));
		cr_assert_str_eq(m[i].body, PQgetvalue(rows, i, 4),
		    "body bytes differ from the publisher's");
		cr_assert_str_eq(m[i].content_type, "application/json");
		cr_assert_eq(m[i].delivery_mode, 2, "persistent");
		cr_assert_str_eq(m[i].trace_id, tr[i]);
		cr_assert_eq(m[i].timestamp,
		    strtoull(PQgetvalue(rows, i, 3), NULL, 10), "timestamp");
	}
	r = q(db,
	    "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
	    " AND sent_at > now() - interval '1 minute'",
	    0, NULL);
	cr_assert_str_eq(PQgetvalue(r, 0, 0), "3", "rows not marked sent");
	PQclear(r);

	/* again: nothing left, nothing published twice */
	resend(&out, key, env, NULL);
	cr_assert_eq(out.status, 0, "%s", out.out);
	cr_assert_not_null(strstr(out.out, "moved 0, invalid 0"));
	cr_assert_eq(consume(k, m, MAX_MSGS, 500), 0);

	PQclear(rows);
	consumer_close(k);
	del(rc, key);
	redisFree(rc);
	scratch_drop(db, dbname);
}

Test(resend, malformed_items_move_to_invalid, .timeout = 60)
{
	char key[96], ikey[112], good[2][512], mid[UUID_STR_LEN];
	const char *bad[4];
	char *s;
	struct msg m[MAX_MSGS];
	struct run out;
	redisContext *rc;
	amqp_connection_state_t k;
	int i;

	new_prefix(key, sizeof(key));
	snprintf(ikey, sizeof(ikey), "%s:invalid", key);
	uuid4(mid);
	/* the original's item (no message_id), then one with an id */
	snprintf(good[0], sizeof(good[0]),
	    "{\"event\": \"%s.a\", \"payload\": {\"x\": 1}, "
	    "\"trace_id\": \"t-a\"}",
	    prefix);
	snprintf(good[1], sizeof(good[1]),
	    "{\"event\":\"%s.b\",\"payload\":{\"y\":[1,{\"z\":\"}\"}]},"
	    "\"trace_id\":null,\"message_id\":\"%s\"}",
	    prefix, mid);
	bad[0] = "not json";
	bad[1] = "{\"event\": 1, \"payload\": {}}";
	bad[2] = "{\"event\": \"v1.x\", \"payload\": [1]}";
	bad[3] = "{\"event\": \"v1.x\", \"payload\": {}, \"message_id\": "
		 "\"nope\"}";
	rc = redis();
	del(rc, key);
	rpush(rc, key, bad[0]);
	rpush(rc, key, good[0]);
	rpush(rc, key, bad[1]);
	rpush(rc, key, bad[2]);
	rpush(rc, key, good[1]);
	rpush(rc, key, bad[3]);
	k = consumer_open();

	resend(&out, key, NULL, NULL);
	cr_assert_eq(out.status, 0, "exit %d: %s", out.status, out.out);
	cr_assert_not_null(strstr(out.out, "moved 2, invalid 4"), "%s",
	    out.out);
	cr_assert_eq(llen(rc, key), 0);
	cr_assert_eq(llen(rc, ikey), 4);
	for (i = 0; i < 4; i++) {
		s = lindex(rc, ikey, i);
		cr_assert_str_eq(s, bad[i], "invalid item %d", i);
		free(s);
	}
	cr_assert_eq(consume(k, m, MAX_MSGS, 3000), 2);
	cr_assert(strstr(m[0].key, ".a") != NULL);
	cr_assert_str_eq(m[0].body, "{\"x\": 1}");
	cr_assert_str_eq(m[0].trace_id, "t-a");
	cr_assert(uuid_is_canonical(m[0].message_id),
	    "a message_id is generated: %s", m[0].message_id);
	cr_assert_not_null(strstr(out.out, m[0].message_id),
	    "the generated id is reported");
	cr_assert(strstr(m[1].key, ".b") != NULL);
	cr_assert_str_eq(m[1].body, "{\"y\":[1,{\"z\":\"}\"}]}");
	cr_assert_str_eq(m[1].message_id, mid);
	cr_assert_str_eq(m[1].trace_id, "", "no trace_id header for null");
	consumer_close(k);
	del(rc, key);
	redisFree(rc);
}

Test(resend, closed_broker_port_stops_with_the_head_in_place, .timeout = 60)
{
	char key[96], url[128], item[2][256], *s;
	const char *env[3];
	struct run out;
	redisContext *rc;
	int i;

	new_prefix(key, sizeof(key));
	snprintf(url, sizeof(url), "amqp://guest:guest@127.0.0.1:%u/",
	    instance_free_port());
	rc = redis();
	del(rc, key);
	for (i = 0; i < 2; i++) {
		snprintf(item[i], sizeof(item[i]),
		    "{\"event\":\"%s.%d\",\"payload\":{}}", prefix, i);
		rpush(rc, key, item[i]);
	}
	env[0] = "RABBITMQ_URL";
	env[1] = url;
	env[2] = NULL;
	resend(&out, key, env, NULL);
	cr_assert_neq(out.status, 0, "%s", out.out);
	cr_assert_eq(out.status, 2, "exit %d: %s", out.status, out.out);
	cr_assert_not_null(strstr(out.out, "broker"), "%s", out.out);
	cr_assert_not_null(strstr(out.out, "moved 0, invalid 0"), "%s",
	    out.out);
	cr_assert_eq(llen(rc, key), 2);
	s = lindex(rc, key, 0);
	cr_assert_str_eq(s, item[0], "the head item moved");
	free(s);
	del(rc, key);
	redisFree(rc);
}

Test(resend, empty_list_moves_nothing)
{
	char key[96];
	struct run out;
	redisContext *rc;

	new_prefix(key, sizeof(key));
	rc = redis();
	del(rc, key);
	/* the broker is not needed for an empty list */
	resend(&out, key, NULL, NULL);
	cr_assert_eq(out.status, 0, "%s", out.out);
	cr_assert_not_null(strstr(out.out, "moved 0, invalid 0"), "%s",
	    out.out);
	redisFree(rc);
}

Test(resend, unreachable_database_only_warns, .timeout = 60)
{
	char key[96], url[128], item[256], mid[UUID_STR_LEN];
	const char *env[3];
	struct msg m[MAX_MSGS];
	struct run out;
	redisContext *rc;
	amqp_connection_state_t k;
	const char *w;

	new_prefix(key, sizeof(key));
	snprintf(url, sizeof(url), "postgresql://postgres@127.0.0.1:%u/x",
	    instance_free_port());
	uuid4(mid);
	rc = redis();
	del(rc, key);
	snprintf(item, sizeof(item),
	    "{\"event\":\"%s.x\",\"payload\":{},\"message_id\":\"%s\"}", prefix,
	    mid);
	rpush(rc, key, item);
	rpush(rc, key, item);
	k = consumer_open();
	env[0] = "DATABASE_URL";
	env[1] = url;
	env[2] = NULL;
	resend(&out, key, env, NULL);
	cr_assert_eq(out.status, 0, "%s", out.out);
	cr_assert_not_null(strstr(out.out, "moved 2, invalid 0"), "%s",
	    out.out);
	w = strstr(out.out, "database unreachable");
	cr_assert_not_null(w, "%s", out.out);
	cr_assert_null(strstr(w + 1, "database unreachable"), "warned once");
	cr_assert_eq(llen(rc, key), 0);
	cr_assert_eq(consume(k, m, MAX_MSGS, 3000), 2);
	consumer_close(k);
	del(rc, key);
	redisFree(rc);
}

Test(resend, dry_run_changes_nothing)
{
	char key[96], item[256];
	struct run out;
	redisContext *rc;

	new_prefix(key, sizeof(key));
	rc = redis();
	del(rc, key);
	snprintf(item, sizeof(item), "{\"event\":\"%s.x\",\"payload\":{}}",
	    prefix);
	rpush(rc, key, item);
	rpush(rc, key, "[]");
	resend(&out, key, NULL, "--dry-run");
	cr_assert_eq(out.status, 0, "%s", out.out);
	cr_assert_not_null(strstr(out.out, "would move 1, invalid 1"), "%s",
	    out.out);
	cr_assert_eq(llen(rc, key), 2);
	del(rc, key);
	redisFree(rc);
}
