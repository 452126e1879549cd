/*
 * Events are never lost (docs/events.md). Under a stream of
 * writes through the API (a thread: POST, PATCH, PATCH, DELETE of every
 * other customer, each 2xx recorded with its X-Trace-Id), RabbitMQ stops,
 * then Redis; both start again; then Kore's worker 1 (the one running the
 * publisher and the consumer) is killed with SIGKILL and respawned.
 * Afterwards:
 *
 *  - every 2xx write has its outbox row (same trace id, routing key and
 *    customer), and the outbox, the source of truth, is all sent;
 *  - every outbox row's event_id reached the exchange at least once: a
 *    durable queue bound with "#", declared before the stream, keeps the
 *    persistent messages across the broker restart;
 *  - a message_id seen twice has the same routing key and body bytes;
 *  - the first deliveries of each customer's events are in outbox order;
 *  - events were mirrored to Redis failed_events while the broker was down
 *    (LLEN > 0 seen then), none while Redis was down too, and after
 *    scripts/resend-failed-events the list is empty.
 *
 * It stops servers, so it runs on a stack of its own (lib/stack.c) and an
 * instance of its own with two workers; the shared servers keep running.
 * One broker restart per run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "broker.h"
#include "db.h"
#include "env.h"
#include "instance.h"
#include "resend_tool.h"
#include "stack.h"
#include "token.h"
#include "uuid4.h"

#define QUEUE "faults.events" /* this test's, on its own broker */
#define MAX_WRITES 8000
#define PACE_MS 10 /* between two writes: a stream, not a benchmark */
#define RESP_MAX 8192
#define REDIS_PREFIX "redis://127.0.0.1:"

enum kind { W_CREATE, W_UPDATE, W_DELETE };

static const char *const kind_key[] = { "v1.customer.created",
	"v1.customer.updated", "v1.customer.deleted" };

struct write {
	char trace[UUID_STR_LEN];
	char customer[UUID_STR_LEN];
	enum kind kind;
};

struct writer {
	pthread_t thread;
	unsigned short port;
	const char *tok;
	const char *business;
	atomic_int stop;
	atomic_long done; /* 2xx recorded in w[] */
	atomic_long failed; /* other answers, or none */
	struct write *w; /* MAX_WRITES; read after the join */
};

/* An outbox row, and what the queue showed of it. */
struct row {
	long id;
	long prev; /* the customer's previous row, 0 if none */
	char event[UUID_STR_LEN];
	char customer[UUID_STR_LEN];
	char trace[UUID_STR_LEN];
	char key[64];
	int deliveries;
	char *body; /* of the first delivery */
	size_t body_len;
};

/* --- the writer thread (no Criterion calls: main thread only) ------------ */

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * One request on a fresh connection with Connection: close; the status,
 * or 0 when there is no answer (a killed worker drops its connections).
 * The response, NUL-terminated, in buf.
 */
static int
wreq(const struct writer *wr, const char *method, const char *path,
    const char *trace, const char *json, char *buf, size_t buflen)
{
	struct sockaddr_in sin;
	struct timeval tv;
	char req[2048], *end;
	size_t off;
	ssize_t n;
	int fd, len, status;

	len = snprintf(req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "Authorization: Bearer %s\r\nX-Trace-Id: %s\r\n",
	    method, path, wr->tok, trace);
	if (json != NULL)
		len += snprintf(req + len, sizeof(req) - (size_t)len,
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    strlen(json), json);
	else
		len += snprintf(req + len, sizeof(req) - (size_t)len, "\r\n");
	if (len >= (int)sizeof(req))
		return (0);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(wr->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    send_all(fd, req, (size_t)len) == -1) {
		close(fd);
		return (0);
	}
	off = 0;
	while (
	    off + 1 < buflen && (n = read(fd, buf + off, buflen - off - 1)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	if (strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return (0);
	status = (int)strtol(buf + 9, &end, 10);
	return (end == buf + 12 ? status : 0);
}

/* The "id" of the JSON body of response buf into id; 0 if none. */
static int
body_id(const char *buf, char id[UUID_STR_LEN])
{
	const char *body, *s;
	json_t *j;
	int ok;

	if ((body = strstr(buf, "\r\n\r\n")) == NULL)
		return (0);
	if ((j = json_loads(body + 4, 0, NULL)) == NULL)
		return (0);
	s = json_string_value(json_object_get(j, "id"));
	ok = s != NULL && strlen(s) == UUID_STR_LEN - 1;
	if (ok)
		memcpy(id, s, UUID_STR_LEN);
	json_decref(j);
	return (ok);
}

/*
 * One write; recorded when it answers `want`. For a create, cid receives
 * the new id. 1 when recorded.
 */
static int
wwrite(struct writer *wr, const char *method, const char *path,
    const char *json, enum kind kind, int want, char cid[UUID_STR_LEN])
{
	struct write *w;
	char buf[RESP_MAX];
	long n;
	int status;

	n = atomic_load(&wr->done);
	if (n >= MAX_WRITES) {
		atomic_store(&wr->stop, 1);
		return (0);
	}
	w = &wr->w[n];
	uuid4(w->trace);
	status = wreq(wr, method, path, w->trace, json, buf, sizeof(buf));
	(void)poll(NULL, 0, PACE_MS);
	if (status != want || (kind == W_CREATE && !body_id(buf, cid))) {
		atomic_fetch_add(&wr->failed, 1);
		return (0);
	}
	memcpy(w->customer, cid, UUID_STR_LEN);
	w->kind = kind;
	atomic_store(&wr->done, n + 1);
	return (1);
}

static void *
writer_run(void *arg)
{
	struct writer *wr = arg;
	char uid[UUID_STR_LEN], id[UUID_STR_LEN], path[128], json[512];
	int i, k;

	for (k = 0; !atomic_load(&wr->stop); k++) {
		uuid4(uid);
		snprintf(json, sizeof(json),
		    "{\"full_name\":\"Fault %d\",\"email\":\"f%d@example.com\","
		    "\"user_id\":\"%s\",\"business_id\":\"%s\"}",
		    k, k, uid, wr->business);
		if (!wwrite(wr, "POST", "/customers", json, W_CREATE, 201, id))
			continue;
		snprintf(path, sizeof(path), "/customers/%s", id);
		for (i = 0; i < 2 && !atomic_load(&wr->stop); i++) {
			snprintf(json, sizeof(json),
			    "{\"full_name\":\"Fault %d.%d\"}", k, i);
			(void)wwrite(wr, "PATCH", path, json, W_UPDATE, 200,
			    id);
		}
		if (k % 2 == 0 && !atomic_load(&wr->stop))
			(void)wwrite(wr, "DELETE", path, NULL, W_DELETE, 204,
			    id);
	}
	return (NULL);
}

/* Waits until the writer has recorded `want` writes. */
static void
wait_writes(struct writer *wr, long want, int ms)
{
	long deadline = instance_now_ms() + ms;

	while (atomic_load(&wr->done) < want) {
		cr_assert(instance_now_ms() < deadline,
		    "%ld writes of %ld after %d ms (%ld failed)",
		    atomic_load(&wr->done), want, ms, atomic_load(&wr->failed));
		(void)poll(NULL, 0, 50);
	}
}

/* --- the servers ------------------------------------------------------------ */

/* LLEN key on the stack's Redis; -1 when it does not answer. */
static long
llen(const char *key)
{
	const char *url = getenv("REDIS_URL");
	struct timeval tv = { 0, 500000 };
	redisContext *c;
	redisReply *r;
	long n;
	int port;

	/* as scripts/stack writes it */
	cr_assert(url != NULL &&
		!strncmp(url, REDIS_PREFIX, strlen(REDIS_PREFIX)),
	    "REDIS_URL %s", url != NULL ? url : "unset");
	port = (int)strtol(url + strlen(REDIS_PREFIX), NULL, 10);
	c = redisConnectWithTimeout("127.0.0.1", port, tv);
	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return (-1);
	}
	r = redisCommand(c, "LLEN %s", key);
	n = r != NULL && r->type == REDIS_REPLY_INTEGER ? (long)r->integer : -1;
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return (n);
}

static char *
max_outbox_id(void)
{
	char *v =
	    db_value("SELECT coalesce(max(id), 0)::text FROM outbox", DB_END);

	cr_assert_not_null(v);
	return (v);
}

/* Kore's worker n under parent (its title is "kore [wrk n]"); 0: none. */
static pid_t
worker_pid(pid_t parent, int n)
{
	char path[64], buf[256], want[32], *p;
	struct dirent *e;
	DIR *d;
	FILE *fp;
	pid_t found, pid;
	size_t len;

	snprintf(want, sizeof(want), "kore [wrk %d]", n);
	found = 0;
	d = opendir("/proc");
	cr_assert_not_null(d);
	while (found == 0 && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[len] = '\0';
		/* ") S PPID ...": after the name, which may hold spaces */
		if ((p = strrchr(buf, ')')) == NULL || strlen(p) < 5 ||
		    p[2] == 'Z' || strtol(p + 4, NULL, 10) != (long)parent)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[len] = '\0';
		if (!strncmp(buf, want, strlen(want)))
			found = pid;
	}
	closedir(d);
	return (found);
}

/* A durable queue of the test's, bound to the events exchange with "#". */
static void
queue_declare(void)
{
	amqp_connection_state_t c;

	c = broker_open();
	amqp_exchange_declare(c, 1, amqp_cstring_bytes(env_exchange()),
	    amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "exchange.declare");
	amqp_queue_declare(c, 1, amqp_cstring_bytes(QUEUE), 0, 1, 0, 0,
	    amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "queue.declare");
	amqp_queue_bind(c, 1, amqp_cstring_bytes(QUEUE),
	    amqp_cstring_bytes(env_exchange()), amqp_cstring_bytes("#"),
	    amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "queue.bind");
	broker_close(c);
}

/* --- the checks --------------------------------------------------------------- */

static int
row_by_event(const void *key, const void *elem)
{
	return (strcmp(key, (*(struct row *const *)elem)->event));
}

static int
row_cmp_event(const void *a, const void *b)
{
	return (strcmp((*(struct row *const *)a)->event,
	    (*(struct row *const *)b)->event));
}

static int
row_by_trace(const void *key, const void *elem)
{
	return (strcmp(key, (*(struct row *const *)elem)->trace));
}

static int
row_cmp_trace(const void *a, const void *b)
{
	return (strcmp((*(struct row *const *)a)->trace,
	    (*(struct row *const *)b)->trace));
}

static int
row_by_id(const void *key, const void *elem)
{
	long id = *(const long *)key, other = ((const struct row *)elem)->id;

	return (id < other ? -1 : id > other);
}

/* Every outbox row, in id order; *n of them. */
static struct row *
rows_load(size_t *n)
{
	PGconn *c;
	PGresult *r;
	struct row *rows;
	size_t i;

	c = PQconnectdb(getenv("DATABASE_URL"));
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c,
	    "SELECT id, coalesce(lag(id) OVER (PARTITION BY customer_id"
	    " ORDER BY id), 0), event_id, customer_id, coalesce(trace_id, ''),"
	    " routing_key FROM outbox ORDER BY id");
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(r));
	*n = (size_t)PQntuples(r);
	rows = calloc(*n + 1, sizeof(*rows));
	cr_assert_not_null(rows);
	for (i = 0; i < *n; i++) {
		rows[i].id = strtol(PQgetvalue(r, (int)i, 0), NULL, 10);
		rows[i].prev = strtol(PQgetvalue(r, (int)i, 1), NULL, 10);
		snprintf(rows[i].event, UUID_STR_LEN, "%s",
		    PQgetvalue(r, (int)i, 2));
		snprintf(rows[i].customer, UUID_STR_LEN, "%s",
		    PQgetvalue(r, (int)i, 3));
		snprintf(rows[i].trace, UUID_STR_LEN, "%s",
		    PQgetvalue(r, (int)i, 4));
		snprintf(rows[i].key, sizeof(rows[i].key), "%s",
		    PQgetvalue(r, (int)i, 5));
	}
	PQclear(r);
	PQfinish(c);
	return (rows);
}

static struct row **
rows_index(struct row *rows, size_t n, int (*cmp)(const void *, const void *))
{
	struct row **ix;
	size_t i;

	ix = calloc(n + 1, sizeof(struct row *));
	cr_assert_not_null(ix);
	for (i = 0; i < n; i++)
		ix[i] = &rows[i];
	qsort(ix, n, sizeof(struct row *), cmp);
	return (ix);
}

/* Each recorded 2xx write has its row: same trace, key and customer. */
static void
expect_writes_in_outbox(const struct writer *wr, struct row *rows, size_t n)
{
	struct row **ix, **hit;
	const struct write *w;
	long i, done;

	ix = rows_index(rows, n, row_cmp_trace);
	done = atomic_load(&wr->done);
	for (i = 0; i < done; i++) {
		w = &wr->w[i];
		hit = bsearch(w->trace, ix, n, sizeof(struct row *),
		    row_by_trace);
		cr_assert_not_null(hit, "write %ld (%s, trace %s) has no event",
		    i, kind_key[w->kind], w->trace);
		cr_assert_str_eq((*hit)->key, kind_key[w->kind],
		    "write %ld: event %s", i, (*hit)->key);
		cr_assert_str_eq((*hit)->customer, w->customer,
		    "write %ld: event of another customer", i);
	}
	free(ix);
}

/* The object with the personal fields an erasure scrubs set to null. */
static void
scrub(json_t *o)
{
	static const char *erased[] = { "full_name", "email", "phone",
		"label" };
	size_t i;

	for (i = 0; i < sizeof(erased) / sizeof(erased[0]); i++)
		if (json_object_get(o, erased[i]) != NULL)
			(void)json_object_set_new(o, erased[i], json_null());
}

/*
 * Two deliveries of one message: the same body, or one of them the
 * other scrubbed (src/api/customer_delete.c: a copy sent again after its
 * customer's DELETE carries the scrubbed payload; across a broker
 * restart either copy may come first).
 */
static int
same_or_scrubbed(const char *first, size_t first_len, const char *again,
    size_t again_len)
{
	json_t *a, *b, *sa, *sb;
	int same;

	if (first_len == again_len && !memcmp(first, again, first_len))
		return (1);
	a = json_loadb(first, first_len, 0, NULL);
	b = json_loadb(again, again_len, 0, NULL);
	same = 0;
	if (a != NULL && b != NULL) {
		sa = json_deep_copy(a);
		sb = json_deep_copy(b);
		scrub(sa);
		scrub(sb);
		same = json_equal(sa, b) || json_equal(sb, a);
		json_decref(sa);
		json_decref(sb);
	}
	json_decref(a);
	json_decref(b);
	return (same);
}

/*
 * Takes every message of the queue (no ack needed: the queue is this
 * test's) and checks each against the outbox. Returns the duplicates.
 */
static long
expect_deliveries(struct row *rows, size_t n)
{
	amqp_connection_state_t c;
	amqp_envelope_t env;
	amqp_rpc_reply_t rr;
	amqp_basic_properties_t *p;
	struct timeval tv;
	struct row **ix, **hit, *row, *prev;
	json_t *body;
	long messages, consumers, got, dups, deadline;
	char mid[64];

	cr_assert(broker_queue_counts(QUEUE, &messages, &consumers));
	ix = rows_index(rows, n, row_cmp_event);
	c = broker_open();
	amqp_basic_consume(c, 1, amqp_cstring_bytes(QUEUE), amqp_empty_bytes, 0,
	    1, 0, amqp_empty_table);
	cr_assert_eq(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL,
	    "basic.consume");
	got = dups = 0;
	deadline = instance_now_ms() + 30000;
	while (got < messages) {
		cr_assert(instance_now_ms() < deadline,
		    "%ld of %ld messages taken", got, messages);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		amqp_maybe_release_buffers(c);
		rr = amqp_consume_message(c, &env, &tv, 0);
		if (rr.reply_type != AMQP_RESPONSE_NORMAL)
			continue;
		got++;
		p = &env.message.properties;
		cr_assert(p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG,
		    "a message without message_id");
		snprintf(mid, sizeof(mid), "%.*s", (int)p->message_id.len,
		    (const char *)p->message_id.bytes);
		hit = bsearch(mid, ix, n, sizeof(struct row *), row_by_event);
		cr_assert_not_null(hit, "message_id %s is no outbox event",
		    mid);
		row = *hit;
		cr_assert_eq(env.routing_key.len, strlen(row->key));
		cr_assert(!memcmp(env.routing_key.bytes, row->key,
			      env.routing_key.len),
		    "message %s: routing key", mid);
		if (row->deliveries++ > 0) {
			/*
			 * a duplicate: the same message again, scrubbed if
			 * its customer was erased in between
			 */
			dups++;
			cr_assert(same_or_scrubbed(row->body, row->body_len,
				      (const char *)env.message.body.bytes,
				      env.message.body.len),
			    "message %s delivered twice with different bodies:"
			    " %.*s then %.*s",
			    mid, (int)row->body_len, row->body,
			    (int)env.message.body.len,
			    (const char *)env.message.body.bytes);
			amqp_destroy_envelope(&env);
			continue;
		}
		if (row->prev != 0) {
			prev = bsearch(&row->prev, rows, n, sizeof(*rows),
			    row_by_id);
			cr_assert(prev != NULL && prev->deliveries > 0,
			    "customer %s: event %ld arrived before event %ld",
			    row->customer, row->id, row->prev);
		}
		body = json_loadb(env.message.body.bytes, env.message.body.len,
		    0, NULL);
		cr_assert_not_null(body, "message %s: body is not JSON", mid);
		cr_assert_str_eq(json_string_value(
				     json_object_get(body, "event_id")),
		    mid);
		json_decref(body);
		row->body = malloc(env.message.body.len + 1);
		cr_assert_not_null(row->body);
		memcpy(row->body, env.message.body.bytes, env.message.body.len);
		row->body_len = env.message.body.len;
		amqp_destroy_envelope(&env);
	}
	broker_close(c);
	free(ix);
	return (dups);
}

Test(faults, events_survive_broker_and_redis_restarts_and_a_worker_kill,
    .timeout = 180)
{
	static const char *const env[] = { "WORKERS", "2",
		"CUSTOMER_PATCH_RATE", "1000000/second", NULL };
	struct instance in;
	struct stack s;
	struct writer wr;
	struct row *rows;
	char bid[UUID_STR_LEN], out[4096], *mark, *tok, *said;
	long n, seen, max_llen, moved, invalid, dups, deadline;
	size_t nrows, i;
	pid_t w1, w1_new;

	/* the mirror kept across the Redis restart, as in production */
	cr_assert(setenv("REDIS_AOF", "1", 1) == 0);
	stack_start(&s, "");
	queue_declare();
	instance_start(&in, env);

	uuid4(bid);
	tok = tok_superadmin();
	memset(&wr, 0, sizeof(wr));
	wr.port = in.port;
	wr.tok = tok;
	wr.business = bid;
	wr.w = calloc(MAX_WRITES, sizeof(*wr.w));
	cr_assert_not_null(wr.w);
	cr_assert(pthread_create(&wr.thread, NULL, writer_run, &wr) == 0);

	/* the stream flows and the publisher delivers */
	wait_writes(&wr, 20, 20000);
	cr_assert_geq(
	    db_wait_count(10, LONG_MAX, 20000,
		"SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
		DB_END),
	    10, "nothing published before the outage");

	/* the broker goes: events are mirrored to Redis */
	stack_ctl(&s, "stop", "rabbitmq");
	max_llen = 0;
	deadline = instance_now_ms() + 20000;
	while (max_llen == 0 && instance_now_ms() < deadline) {
		if ((n = llen("failed_events")) > max_llen)
			max_llen = n;
		(void)poll(NULL, 0, 50);
	}
	cr_assert_gt(max_llen, 0, "failed_events stayed empty without broker");

	/* Redis goes too: rows stay unsent, unparked */
	stack_ctl(&s, "stop", "redis");
	mark = max_outbox_id();
	cr_assert_geq(db_wait_count(5, LONG_MAX, 15000,
			  "SELECT count(*) FROM outbox WHERE id > $1::bigint",
			  mark, DB_END),
	    5, "no writes while Redis and the broker were down");
	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE id >"
			      " $1::bigint AND (parked_at IS NOT NULL OR"
			      " sent_at IS NOT NULL)",
			 mark, DB_END),
	    0, "parked or sent with Redis and the broker down");
	free(mark);

	/* both back: the same publisher resumes after its back-off */
	stack_ctl(&s, "start", "redis");
	stack_ctl(&s, "start", "rabbitmq");
	mark = max_outbox_id();
	cr_assert_geq(db_wait_count(1, LONG_MAX, 45000,
			  "SELECT count(*) FROM outbox WHERE id > $1::bigint"
			  " AND sent_at IS NOT NULL",
			  mark, DB_END),
	    1, "the publisher did not resume after the broker restart");
	free(mark);

	/* worker 1 (publisher, consumer) killed mid-stream; Kore respawns */
	w1 = worker_pid(in.pid, 1);
	cr_assert_gt(w1, 0, "worker 1 of kore %d not found", (int)in.pid);
	n = atomic_load(&wr.done);
	instance_expect_worker_death(&in);
	cr_assert(kill(w1, SIGKILL) == 0);
	deadline = instance_now_ms() + 15000;
	while ((w1_new = worker_pid(in.pid, 1)) == 0 || w1_new == w1) {
		cr_assert(instance_now_ms() < deadline,
		    "worker 1 not respawned");
		(void)poll(NULL, 0, 50);
	}
	wait_writes(&wr, atomic_load(&wr.done) + 20, 20000);
	cr_assert_gt(atomic_load(&wr.done), n);

	atomic_store(&wr.stop, 1);
	cr_assert(pthread_join(wr.thread, NULL) == 0);
	n = db_wait_count(0, 0, 45000,
	    "SELECT count(*) FROM outbox WHERE sent_at IS NULL", DB_END);
	cr_assert_eq(n, 0, "%ld outbox rows still unsent", n);
	cr_assert_gt(db_count("SELECT count(*) FROM outbox WHERE parked_at"
			      " IS NOT NULL",
			 DB_END),
	    0, "no row was parked");

	/* what the publisher left in the mirror, resent by hand */
	cr_assert_eq(resend_tool(NULL, NULL, NULL, out, sizeof(out)), 0,
	    "resend: %s", out);
	said = strstr(out, "moved ");
	cr_assert_not_null(said, "resend said: %s", out);
	moved = strtol(said + 6, &said, 10);
	cr_assert(!strncmp(said, ", invalid ", 10), "resend said: %s", out);
	invalid = strtol(said + 10, NULL, 10);
	cr_assert_eq(invalid, 0, "resend: %s", out);
	cr_assert_eq(llen("failed_events"), 0, "failed_events not empty");

	rows = rows_load(&nrows);
	expect_writes_in_outbox(&wr, rows, nrows);
	dups = expect_deliveries(rows, nrows);
	for (i = 0, seen = 0; i < nrows; i++)
		seen += rows[i].deliveries > 0;
	cr_assert_eq(seen, (long)nrows, "%ld of %zu events delivered", seen,
	    nrows);
	cr_log_info("faults: %ld writes (%ld failed), %zu events, %ld "
		    "duplicates, failed_events up to %ld, resend moved %ld",
	    atomic_load(&wr.done), atomic_load(&wr.failed), nrows, dups,
	    max_llen, moved);

	for (i = 0; i < nrows; i++)
		free(rows[i].body);
	free(rows);
	free(wr.w);
	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
	db_close();
	stack_reset(&s);
}
