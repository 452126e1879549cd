/*
 * The service's life cycle, on instances of its own: the start-up checks
 * that refuse a broken config or setting, the refusal of SIGHUP reloads,
 * the circuit breaker while PostgreSQL is unreachable, a connect to a
 * server that never answers stalling no other request, and a prompt stop
 * on SIGTERM. Each instance runs the module under test (the asan build in
 * BEE_E2E_DIR) from a scratch directory with a copy of conf/.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "listener.h"
#include "token.h"
#include "uuid4.h"

static void refused(const char *, const char *, const char *const *,
    const char *);
static int accept_queue(unsigned short);
static void wait_taken(const struct instance *);

static void
refused(const char *from, const char *to, const char *const *env,
    const char *message)
{
	struct instance in;
	int status;

	instance_prepare(&in, from, to);
	instance_spawn(&in, env);
	status = instance_wait_exit(&in, 15000);
	instance_stop(&in);
	cr_assert(status > 0, "kore started (status %d)", status);
	cr_assert_not_null(strstr(instance_file_text(&in, "kore.err"), message),
	    "expected \"%s\" in: %s", message,
	    instance_file_text(&in, "kore.err"));
}

Test(startup, refuses_protected_route_without_jwt)
{
	refused("h_customer\tjwt", "h_customer", NULL,
	    "must be behind the 'jwt' block");
}

Test(startup, refuses_catch_all_not_last)
{
	refused("route\t^/.*$", NULL, NULL, "must end with 'route ^/.*$");
}

/* A function of the module, but no handler of the route table. */
Test(startup, refuses_a_handler_the_route_table_does_not_know)
{
	refused("h_redoc", "v_uuid", NULL,
	    "route ^/redoc/?$ names unknown handler v_uuid");
}

/* Every handler of the route table has a route line. */
Test(startup, refuses_a_handler_without_a_route)
{
	refused("h_tags_legacy\tjwt", NULL, NULL,
	    "no route names h_tags_legacy (src/api/tags_legacy.c)");
}

/* A route line before the legacy one takes /customers/tags from it. */
Test(startup, refuses_a_route_that_misses_its_handler)
{
	refused("route\t^(/api)?/customers/tags(",
	    "route\t^(/api)?/customers/tags/?$\th_customers\tjwt\n"
	    "\troute\t^(/api)?/customers/tags(",
	    NULL,
	    "routes /customers/tags to h_customers instead of "
	    "h_tags_legacy");
}

/*
 * A domain may route a few handlers only: /metrics and /ready on a server
 * of their own (the internal domain the operations guide describes), the
 * public domain without /metrics, starts and answers on both.
 */
Test(startup, metrics_on_an_internal_domain)
{
	struct instance in;
	struct http_resp *r;
	char conf[512], port[8];
	unsigned short internal;
	FILE *fp;

	instance_prepare(&in, "route\t/metrics", "# route\t/metrics");
	internal = instance_free_port();
	(void)snprintf(conf, sizeof(conf), "%s/conf/bee_customers.conf",
	    in.dir);
	cr_assert_not_null(fp = fopen(conf, "a"));
	fprintf(fp,
	    "\nserver internal {\n\tbind\t127.0.0.1 %u\n\ttls\tno\n}\n"
	    "\ndomain * {\n\tattach\tinternal\n"
	    "\troute\t^/metrics/?$\th_metrics\n"
	    "\troute\t^/ready/?$\th_ready\n"
	    "\troute\t^/.*$\th_not_found\n}\n",
	    internal);
	cr_assert(fclose(fp) == 0);
	instance_spawn(&in, NULL);
	instance_wait_ready(&in);

	r = http_req("GET", "/metrics", NULL, NULL, 0);
	cr_expect_eq(r->status, 404, "public /metrics: %d", r->status);
	http_resp_free(r);
	(void)snprintf(port, sizeof(port), "%u", internal);
	cr_assert(setenv("BEE_PORT", port, 1) == 0);
	r = http_req("GET", "/metrics", NULL, NULL, 0);
	cr_expect_eq(r->status, 200, "internal /metrics: %d", r->status);
	http_resp_free(r);
	instance_stop(&in);
	instance_expect_clean(&in);
}

/*
 * A config that leaves no task thread for one of worker 1's threads that
 * never return: Kore would queue it behind a busy one, for good.
 */
Test(startup, refuses_too_few_task_threads)
{
	static const char *const env[] = { "LOG_SERVICE_URL",
		"http://127.0.0.1:9/logs", NULL };

	refused("task_threads\t\t6", "task_threads\t\t3", NULL,
	    "config: task_threads 3 is too few: worker 1 runs 4 threads");
	/* the log forwarder takes one more */
	refused("task_threads\t\t6", "task_threads\t\t4", env,
	    "config: task_threads 4 is too few: worker 1 runs 5 threads");
}

Test(startup, refuses_missing_validator)
{
	refused("validator\tv_phone", NULL, NULL,
	    "validator v_phone is missing");
}

Test(startup, refuses_known_default_secret)
{
	static const char *const env[] = { "SECRET_KEY", "supersecretkey",
		NULL };

	refused(NULL, NULL, env, "SECRET_KEY: a well-known default");
}

Test(startup, refuses_unparsable_rate)
{
	static const char *const env[] = { "CUSTOMER_PATCH_RATE",
		"five a minute", NULL };

	refused(NULL, NULL, env, "CUSTOMER_PATCH_RATE");
}

Test(lifecycle, sighup_reload_is_refused)
{
	struct instance in;
	struct http_resp *r;
	char *tok, path[64], id[UUID_STR_LEN];

	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, NULL);
	instance_wait_ready(&in);

	cr_assert(kill(in.pid, SIGHUP) == 0);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "module reload refused", 15000),
	    "no refusal logged: %s", instance_file_text(&in, "kore.err"));
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	/* the authenticated path still works: the module was not swapped */
	tok = tok_internal();
	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(tok);
	instance_stop(&in);
	cr_assert_not_null(strstr(instance_file_text(&in, "kore.err"),
			       "module reload refused"),
	    "no refusal logged: %s", instance_file_text(&in, "kore.err"));
}

Test(lifecycle, database_unreachable_is_503_at_once)
{
	struct instance in;
	struct http_resp *r;
	char url[128], *tok, path[64], id[UUID_STR_LEN];
	const char *env[3];
	long start;
	int i;

	/* a port nobody listens on: connections are refused */
	snprintf(url, sizeof(url),
	    "postgresql://postgres@127.0.0.1:%u/bee_customers",
	    instance_free_port());
	env[0] = "DATABASE_URL";
	env[1] = url;
	env[2] = NULL;
	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, env);
	instance_wait_ready(&in);

	tok = tok_internal();
	for (i = 0; i < 5; i++) {
		uuid4(id);
		snprintf(path, sizeof(path), "/customers/%s", id);
		start = instance_now_ms();
		r = http_req_tok("GET", path, tok, NULL);
		expect_detail(r, 503, "database unavailable");
		expect_module_headers(r);
		/*
		 * At once: below connect_timeout (2 s), which a request
		 * that waited for a connect would take (the speed goal,
		 * a few ms, is the benchmark's).
		 */
		cr_assert_lt(instance_now_ms() - start, 2000);
		http_resp_free(r);
	}
	free(tok);

	r = http_req("GET", "/ready", NULL, NULL, 0);
	expect_status(r, 503);
	cr_assert_not_null(strstr(r->body, "\"status\":\"not_ready\""));
	cr_assert_not_null(strstr(r->body, "\"postgres\":\"down\""));
	http_resp_free(r);
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	instance_stop(&in);
}

/* Sends GET /customers/<new id> on a raw connection; its answer comes later. */
static int
customer_get_sent(const char *tok)
{
	char req[1024], id[UUID_STR_LEN];
	int fd;

	uuid4(id);
	snprintf(req, sizeof(req),
	    "GET /customers/%s HTTP/1.1\r\nHost: test\r\n"
	    "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
	    id, tok);
	fd = raw_conn_open();
	raw_send_str(fd, req);
	return (fd);
}

/*
 * Connections to a loopback port not yet accepted: the rx_queue of its
 * LISTEN sockets in /proc/net/tcp (Linux shows the accept backlog there).
 */
static int
accept_queue(unsigned short port)
{
	char line[512], *p;
	unsigned long lport, state, rxq;
	FILE *fp;
	int n;

	fp = fopen("/proc/net/tcp", "r");
	cr_assert_not_null(fp);
	n = 0;
	/* "sl: local_ip:port remote_ip:port st tx_queue:rx_queue ..." */
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strchr(line, ':')) == NULL ||
		    (p = strchr(p + 1, ':')) == NULL)
			continue;
		lport = strtoul(p + 1, &p, 16);
		if ((p = strchr(p, ':')) == NULL)
			continue;
		(void)strtoul(p + 1, &p, 16); /* the remote port */
		state = strtoul(p, &p, 16);
		if ((p = strchr(p, ':')) == NULL)
			continue;
		rxq = strtoul(p + 1, NULL, 16);
		if (lport == port && state == 0x0a)
			n += (int)rxq;
	}
	fclose(fp);
	return (n);
}

/*
 * The instance's worker accepted every connection made to it, so the
 * request sent on one is in its hands: Kore reads a new connection's bytes
 * as soon as it accepts it, before anything that arrives later.
 */
static void
wait_taken(const struct instance *in)
{
	long deadline;

	deadline = instance_now_ms() + 15000;
	while (accept_queue(in->port) > 0) {
		cr_assert(instance_now_ms() < deadline,
		    "the worker did not accept a connection in 15 s");
		usleep(10000);
	}
}

/* Nothing to read on fd yet: its request is still waiting. */
static int
unanswered(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return (poll(&pfd, 1, 0) == 0);
}

/* The answer on fd is a 503 "database unavailable". */
static void
expect_unavailable(int fd)
{
	size_t len;
	int closed;
	char *raw;

	raw = raw_recv_all(fd, 15000, &len, &closed);
	cr_assert(closed, "no answer within 15 s");
	cr_assert_not_null(strstr(raw, "HTTP/1.1 503"), "%s", raw);
	cr_assert_not_null(strstr(raw, "database unavailable"), "%s", raw);
	free(raw);
	raw_close(fd);
}

/*
 * One worker, a database that never answers: while the worker connects
 * (up to connect_timeout, 2 s), it still serves other requests, and the
 * request that needed the database gets its 503 when the wait ends. Once
 * the breaker's back-off is over, one request tries again and waits; the
 * others get their 503 at once meanwhile.
 */
Test(lifecycle, a_database_that_never_answers_stalls_no_other_request,
    .timeout = 60)
{
	struct instance in;
	struct http_resp *r;
	char url[160], path[64], id[UUID_STR_LEN], *tok;
	const char *env[] = { "DATABASE_URL", url, "WORKERS", "1", NULL };
	unsigned short port;
	int lfd, fd;

	lfd = loopback_listener(&port, 64);
	snprintf(url, sizeof(url),
	    "postgresql://postgres@127.0.0.1:%u/bee_customers", port);
	instance_start(&in, env);
	tok = tok_internal();

	fd = customer_get_sent(tok);
	wait_taken(&in); /* the worker takes it and starts connecting */
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	cr_assert(unanswered(fd),
	    "the database request was answered before the health check: "
	    "the worker waited for the connect");
	expect_unavailable(fd);
	cr_expect(instance_wait_file_matches(&in, "kore.err",
		      "database unavailable: connect_timeout expired", 15000),
	    "%s", instance_file_text(&in, "kore.err"));

	/*
	 * The first back-off (250 ms) is over: a wait for the service's own
	 * timer, which a slow machine only makes longer than needed.
	 */
	usleep(600000);
	fd = customer_get_sent(tok); /* the trial: it waits for a connect */
	wait_taken(&in);
	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_detail(r, 503, "database unavailable");
	http_resp_free(r);
	cr_assert(unanswered(fd),
	    "the second request waited for the trial's connect");
	expect_unavailable(fd);

	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
	(void)close(lfd);
}

Test(lifecycle, sigterm_stops_every_process_promptly)
{
	struct instance in;
	struct http_resp *r;
	char *tok, path[64], id[UUID_STR_LEN];
	pid_t group;
	long deadline;
	int i;

	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, NULL);
	instance_wait_ready(&in);
	/* pooled PostgreSQL connections are what once hung the exit */
	tok = tok_internal();
	for (i = 0; i < 4; i++) {
		uuid4(id);
		snprintf(path, sizeof(path), "/customers/%s", id);
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 404);
		http_resp_free(r);
	}
	free(tok);

	group = in.pid;
	cr_assert(kill(in.pid, SIGTERM) == 0);
	/* promptly: a hang, not a slow machine, takes 15 s */
	cr_assert_geq(instance_wait_exit(&in, 15000), 0,
	    "kore did not exit within 15 s of SIGTERM");
	deadline = instance_now_ms() + 15000;
	while (kill(-group, 0) == 0 && instance_now_ms() < deadline)
		usleep(20000);
	cr_assert(kill(-group, 0) == -1 && errno == ESRCH,
	    "a worker outlived its parent by 15 s");
	instance_stop(&in); /* already gone: checks its logs */
}
