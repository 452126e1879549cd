/*
 * Graceful drain on SIGTERM (docs/operations.md "Stopping"): the requests
 * an instance received are answered, /ready turns 503 "draining" while
 * /healthcheck stays 200, keep-alive connections are told
 * Connection: close, new connections are refused, and the process is gone
 * within SHUTDOWN_GRACE_SECONDS; a request still held at the deadline is
 * cut and the cut is logged; under 64 connections of mixed load no request
 * the service received fails. Requests are held in flight by a row lock of
 * the test's own (lib/rowlock.h) on the customer they update.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "env.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "rowlock.h"
#include "token.h"
#include "uuid4.h"

#define HELD 8 /* requests held in flight when the signal comes */
#define IDLE 4 /* keep-alive connections idle when it comes */
#define LOAD 64 /* connections of mixed load */
#define PATCH_BODY "{\"phone\":\"+40712345678\"}"

struct held {
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char *tok;
	struct rowlock *lock;
	int fd[HELD];
};

/* One connection of the mixed load, run by a thread of its own. */
struct loader {
	pthread_t thread;
	const char *req[3]; /* requests it sends in turn */
	int answered, failed, refused;
	unsigned short port;
	char failure[160];
};

static void hold(struct held *, int);
static void *load(void *);
static int load_one(int, const char *, struct loader *);
static int patch_send(const struct held *);
static int patch_status(int);
static int connect_refused(unsigned short);
static void keepalive_open(struct http_conn **, size_t);

/*
 * n PATCHes of one customer wait on its row lock, on connections of their
 * own: the worker has received each of them.
 */
static void
hold(struct held *h, int n)
{
	int i;

	uuid4(h->bid);
	cust_create(h->bid, h->id, h->uid);
	h->tok = tok_admin(h->bid);
	h->lock = rowlock_take(env_database_url(), h->id);
	for (i = 0; i < n; i++)
		h->fd[i] = patch_send(h);
	rowlock_wait_blocked(h->lock, 5000);
}

static int
patch_send(const struct held *h)
{
	const char *hdrs[3];
	char auth[2048], path[96];

	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->tok);
	(void)snprintf(path, sizeof(path), "/customers/%s", h->id);
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = NULL;
	return (http_send_only("PATCH", path, hdrs, PATCH_BODY,
	    strlen(PATCH_BODY)));
}

/* The status of the one response on fd (read until close), 0 for none. */
static int
patch_status(int fd)
{
	struct http_resp *r;
	size_t len, used;
	char *buf;
	int closed, status;

	buf = raw_recv_all(fd, 15000, &len, &closed);
	status = 0;
	if (http_parse(buf, len, closed, 0, &r, &used) == 1) {
		status = r->status;
		http_resp_free(r);
	}
	free(buf);
	raw_close(fd);
	return (status);
}

/* 1 when a connection to the port is refused (nobody listens). */
static int
connect_refused(unsigned short port)
{
	struct sockaddr_in sin;
	int fd, rc, err;

	cr_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	(void)memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	err = errno;
	(void)close(fd);
	return (rc == -1 && err == ECONNREFUSED);
}

/* Connections that each had an answer, then wait idle. */
static void
keepalive_open(struct http_conn **c, size_t n)
{
	struct http_resp *r;
	size_t i;

	for (i = 0; i < n; i++) {
		c[i] = http_conn_open();
		r = http_conn_req(c[i], "GET", "/healthcheck", NULL, NULL, 0);
		expect_status(r, 200);
		cr_assert_str_eq(http_hdr(r, "connection"), "keep-alive");
		http_resp_free(r);
	}
}

/*
 * Sends its requests in turn on one keep-alive connection until the
 * server closes it after a Connection: close. A request sent and not
 * answered is a failure; a connection refused is not (nothing was
 * received). No Criterion assertion here: it runs in a thread.
 */
static void *
load(void *arg)
{
	struct loader *l = arg;
	struct sockaddr_in sin;
	int fd, i;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		l->refused = 1;
		return (NULL);
	}
	(void)memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(l->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		l->refused = 1;
		(void)close(fd);
		return (NULL);
	}
	for (i = 0; load_one(fd, l->req[i % 3], l) == 1; i++)
		;
	(void)close(fd);
	return (NULL);
}

/* 1: answered, keep going; 0: answered with Connection: close, or failed. */
static int
load_one(int fd, const char *req, struct loader *l)
{
	struct http_resp *r;
	char buf[16384];
	const char *conn;
	size_t len, used;
	ssize_t n;
	int more, rc;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		l->failed++;
		(void)snprintf(l->failure, sizeof(l->failure), "send: %s",
		    strerror(errno));
		return (0);
	}
	len = 0;
	for (;;) {
		n = recv(fd, buf + len, sizeof(buf) - len - 1, 0);
		if (n > 0)
			len += (size_t)n;
		rc = http_parse(buf, len, n <= 0, 0, &r, &used);
		if (rc == 1)
			break;
		if (n <= 0 || rc == -1 || len == sizeof(buf) - 1) {
			l->failed++;
			(void)snprintf(l->failure, sizeof(l->failure),
			    "no answer after %zu bytes (%s)", len,
			    n < 0 ? strerror(errno) : "closed");
			return (0);
		}
	}
	conn = http_hdr(r, "connection");
	more = conn == NULL || strcasecmp(conn, "close") != 0;
	if (r->status == 200 || r->status == 429)
		l->answered++;
	else {
		l->failed++;
		(void)snprintf(l->failure, sizeof(l->failure), "status %d",
		    r->status);
	}
	http_resp_free(r);
	return (more);
}

/*
 * LOAD connections sending GETs of a customer, PATCHes of it and health
 * checks as fast as they are answered, and a SIGTERM in the middle: every
 * request the service received is answered.
 */
Test(drain, sigterm_under_load_fails_no_request, .timeout = 60)
{
	/* two workers: one shuts the shared listener down under the other */
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "10",
		"CUSTOMER_PATCH_RATE", "100000/minute", "WORKERS", "2", NULL };
	static char get[4096], patch[4096];
	static const char health[] =
	    "GET /healthcheck HTTP/1.1\r\nHost: drain\r\n\r\n";
	static struct loader l[LOAD];
	struct instance in;
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN], *tok;
	long t0;
	int i, answered;

	instance_start(&in, env);
	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_admin(bid);
	(void)snprintf(get, sizeof(get),
	    "GET /customers/%s HTTP/1.1\r\nHost: drain\r\n"
	    "Authorization: Bearer %s\r\n\r\n",
	    id, tok);
	(void)snprintf(patch, sizeof(patch),
	    "PATCH /customers/%s HTTP/1.1\r\nHost: drain\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    id, tok, strlen(PATCH_BODY), PATCH_BODY);
	for (i = 0; i < LOAD; i++) {
		l[i].port = in.port;
		l[i].req[0] = get;
		l[i].req[1] = i % 4 == 0 ? patch : health;
		l[i].req[2] = health;
		cr_assert_eq(pthread_create(&l[i].thread, NULL, load, &l[i]),
		    0);
	}
	usleep(500 * 1000);
	t0 = instance_now_ms();
	cr_assert(kill(in.pid, SIGTERM) == 0);
	answered = 0;
	for (i = 0; i < LOAD; i++) {
		cr_assert_eq(pthread_join(l[i].thread, NULL), 0);
		cr_assert_eq(l[i].failed, 0, "connection %d: %s", i,
		    l[i].failure);
		answered += l[i].answered;
	}
	cr_assert_gt(answered, LOAD, "only %d answers", answered);
	cr_assert_geq(instance_wait_exit(&in, 10000), 0,
	    "still up after SHUTDOWN_GRACE_SECONDS");
	cr_assert_lt(instance_now_ms() - t0, 10000);
	free(tok);
	instance_stop(&in);
}

Test(drain, sigterm_answers_every_request_received)
{
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "10",
		"CUSTOMER_PATCH_RATE", "100/minute", NULL };
	struct instance in;
	struct http_conn *idle[IDLE];
	struct http_resp *r;
	struct held h;
	char bearer[2048], path[96];
	const char *auth[] = { bearer, NULL };
	long t0, gone;
	int i, status;

	instance_start(&in, env);
	keepalive_open(idle, IDLE);
	hold(&h, HELD);
	(void)snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s",
	    h.tok);
	(void)snprintf(path, sizeof(path), "/customers/%s", h.id);

	t0 = instance_now_ms();
	cr_assert(kill(in.pid, SIGTERM) == 0);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "\"message\":\"draining\"", 5000),
	    "no draining line");

	/*
	 * a request answered after an event-loop turn (here the database's),
	 * arriving on a keep-alive connection once the drain began (well
	 * before its 1 s of idleness), is answered too, and told to close
	 */
	r = http_conn_req(idle[3], "GET", path, auth, NULL, 0);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "connection"), "close");
	http_resp_free(r);

	/* out of rotation at once, yet alive, and telling its clients */
	r = http_conn_req(idle[0], "GET", "/ready", NULL, NULL, 0);
	expect_status(r, 503);
	cr_assert_not_null(strstr(r->body, "\"status\":\"draining\""), "%s",
	    r->body);
	cr_assert_str_eq(http_hdr(r, "connection"), "close");
	http_resp_free(r);
	r = http_conn_req(idle[1], "GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "connection"), "close");
	http_resp_free(r);
	cr_assert(http_conn_peer_closed(idle[1], 2000),
	    "the connection stayed open after Connection: close");
	/* an idle keep-alive connection is closed, not left to the grace */
	cr_assert(http_conn_peer_closed(idle[2], 5000),
	    "an idle keep-alive connection stayed open");

	/* the listener is gone: new connections are refused */
	for (i = 0; i < 50 && !connect_refused(in.port); i++)
		usleep(20 * 1000);
	cr_assert(i < 50, "a new connection was not refused while draining");

	/* the requests received are all answered */
	rowlock_release(h.lock);
	for (i = 0; i < HELD; i++) {
		status = patch_status(h.fd[i]);
		cr_assert_eq(status, 200, "held PATCH %d answered %d", i,
		    status);
	}

	cr_assert_geq(instance_wait_exit(&in, 10000), 0,
	    "still up after SHUTDOWN_GRACE_SECONDS");
	gone = instance_now_ms() - t0;
	cr_assert_lt(gone, 10000, "gone after %ld ms", gone);
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"message\":\"drained\".*\"requests_cut\":0,"
	    "\"connections_cut\":0"));
	for (i = 0; i < IDLE; i++)
		http_conn_close(idle[i]);
	free(h.tok);
	instance_stop(&in);
}

Test(drain, request_held_past_the_grace_is_cut_and_logged)
{
	/* the lock outlasts the grace (lock_timeout would answer 503) */
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "1",
		"DB_LOCK_TIMEOUT_MS", "4000", NULL };
	struct instance in;
	struct held h;
	long t0, gone;
	int status;

	instance_start(&in, env);
	hold(&h, 1);

	t0 = instance_now_ms();
	cr_assert(kill(in.pid, SIGTERM) == 0);
	/* the grace, then at most the worker's 5 s wait for a write */
	cr_assert_geq(instance_wait_exit(&in, 15000), 0,
	    "still up 15 s after SIGTERM with a 1 s grace");
	gone = instance_now_ms() - t0;
	cr_assert_geq(gone, 1000, "gone after %ld ms: before the grace", gone);
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"level\":\"warning\".*\"message\":\"drained\","
	    "\"duration_ms\":[0-9]+,\"requests_cut\":1,"));
	cr_assert(instance_file_matches(&in, "kore.err",
	    "\"message\":\"request cut at the drain deadline\","
	    "\"method\":\"PATCH\",\"path\":\"/customers/"));
	status = patch_status(h.fd[0]);
	cr_assert_neq(status, 200, "the cut request was answered 200");
	rowlock_release(h.lock);
	free(h.tok);
	instance_stop(&in);
}

Test(drain, second_sigterm_stops_at_once)
{
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "30",
		NULL };
	struct instance in;
	struct held h;
	long t0, gone;

	instance_start(&in, env);
	hold(&h, 1);

	t0 = instance_now_ms();
	cr_assert(kill(in.pid, SIGTERM) == 0);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "\"message\":\"draining\"", 5000),
	    "no draining line");
	cr_assert(kill(in.pid, SIGTERM) == 0);
	cr_assert_geq(instance_wait_exit(&in, 15000), 0,
	    "a second SIGTERM did not stop it");
	gone = instance_now_ms() - t0;
	cr_assert_lt(gone, 15000, "gone after %ld ms", gone);
	raw_close(h.fd[0]);
	rowlock_release(h.lock);
	free(h.tok);
	instance_stop(&in);
}

/* CPU time the process has used so far, in ms (/proc/PID/stat). */
static long
cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long ticks;
	FILE *f;
	int field;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cr_assert_not_null(f = fopen(path, "r"));
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	(void)fclose(f);
	/* after the command's closing parenthesis: field 3, state */
	cr_assert_not_null(p = strrchr(buf, ')'));
	ticks = 0;
	for (field = 3, p += 2; field <= 15; field++) {
		if (field == 14 || field == 15)
			ticks += strtoull(p, &end, 10);
		p = strchr(p, ' ');
		cr_assert_not_null(p);
		p++;
	}
	return (
	    (long)(ticks * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

/*
 * A lone worker that waits for a request after its socket stopped
 * listening: Kore keeps a lone worker's listeners in its event set, and a
 * socket shut down is readable for good, so unless the drain takes them
 * out the loop spins at full speed until the drain ends.
 */
Test(drain, a_lone_worker_waits_without_spinning)
{
	static const char *const env[] = { "SHUTDOWN_GRACE_SECONDS", "5",
		"WORKERS", "1", NULL };
	struct instance in;
	struct held h;
	long before, used;
	pid_t w;

	instance_start(&in, env);
	hold(&h, 1);
	cr_assert_gt(w = instance_worker_pid(&in), 0);
	cr_assert(kill(in.pid, SIGTERM) == 0);
	/* past the unlisten (DRAIN_UNLISTEN_MS) */
	usleep(500000);
	before = cpu_ms(w);
	usleep(1000000);
	used = cpu_ms(w) - before;
	cr_expect_lt(used, 200, "the draining worker used %ld ms of CPU in 1 s",
	    used);
	rowlock_release(h.lock);
	cr_assert_eq(patch_status(h.fd[0]), 200);
	cr_assert_geq(instance_wait_exit(&in, 15000), 0);
	free(h.tok);
	instance_stop(&in);
}
