/*
 * GET /metrics (docs/operations.md, metrics): exact counts after known
 * traffic on an instance of the test's own with two workers (the shared
 * service serves other tests at the same time), the Prometheus text format
 * checked by promtool, scrapes and probes not counted.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "prom_text.h"
#include "token.h"
#include "uuid4.h"

#define PROMTOOL "/usr/bin/promtool"
#define SCRAPES 6

static struct instance in;

static void
start(void)
{
	static const char *const env[] = { "WORKERS", "2", NULL };

	instance_start(&in, env);
}

static void
stop(void)
{
	instance_stop(&in);
	instance_expect_clean(&in);
}

TestSuite(metrics, .init = start, .fini = stop, .timeout = 60);

static char *
scrape(void)
{
	struct http_resp *r;
	char *text;

	r = http_req("GET", "/metrics", NULL, NULL, 0);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "content-type"),
	    "text/plain; version=0.0.4; charset=utf-8");
	text = strdup(r->body);
	cr_assert_not_null(text);
	http_resp_free(r);
	return (text);
}

static int
count_lines(const char *text, const char *prefix)
{
	const char *p;
	int n;

	n = 0;
	for (p = text; (p = strstr(p, prefix)) != NULL; p++) {
		if (p == text || p[-1] == '\n')
			n++;
	}
	return (n);
}

static void
send_expect(const char *method, const char *path, const char *tok,
    const char *body, int status)
{
	struct http_resp *r;

	r = http_req_tok(method, path, tok, body);
	expect_status(r, status);
	http_resp_free(r);
}

#define REQS(route, method, status) \
	"http_requests_total{handler=\"" route "\",method=\"" method \
	"\",status=\"" status "\"}"

Test(metrics, exact_counts_across_workers_after_known_traffic)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], user[UUID_STR_LEN];
	char path[128], missing[128], *tok, *text;
	double total;
	int i, s;

	uuid4(bid);
	cust_create(bid, id, user); /* POST /customers 201 */
	tok = tok_admin(bid);
	(void)snprintf(path, sizeof(path), "/customers/%s", id);
	(void)snprintf(missing, sizeof(missing), "/api/customers/%s/", user);
	send_expect("GET", path, tok, NULL, 200);
	send_expect("GET", path, tok, NULL, 200);
	send_expect("GET", missing, tok, NULL, 404); /* other path form */
	send_expect("GET", path, NULL, NULL, 401); /* before the handler */
	for (i = 0; i < 5; i++)
		send_expect("PATCH", path, tok, "{}", 200);
	send_expect("PATCH", path, tok, "{}", 429);
	send_expect("DELETE", "/customers", tok, NULL, 405);
	send_expect("GET", "/no/such/route", NULL, NULL, 404);
	/* probes, not counted */
	send_expect("GET", "/health", NULL, NULL, 200);
	send_expect("GET", "/ready", NULL, NULL, 200);
	free(tok);

	/* each scrape on its own connection: either worker answers */
	for (s = 0; s < SCRAPES; s++) {
		text = scrape();
		cr_expect_eq(prom_sample(text,
				 REQS("/customers", "POST", "201")),
		    1);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers/{customer_id}", "GET",
				     "200")),
		    2);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers/{customer_id}", "GET",
				     "404")),
		    1);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers/{customer_id}", "GET",
				     "401")),
		    1);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers/{customer_id}", "PATCH",
				     "200")),
		    5);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers/{customer_id}", "PATCH",
				     "429")),
		    1);
		cr_expect_eq(prom_sample(text,
				 REQS("/customers", "DELETE", "405")),
		    1);
		cr_expect_eq(prom_sample(text, REQS("unmatched", "GET", "404")),
		    1);
		/* nothing else: 8 series, 13 requests in all */
		cr_expect_eq(count_lines(text, "http_requests_total{"), 8, "%s",
		    text);
		cr_expect_eq(prom_sample(text,
				 "http_request_duration_seconds_count{"
				 "handler=\"/customers/{customer_id}\","
				 "method=\"PATCH\"}"),
		    6);
		total = prom_sample(text,
		    "http_request_size_bytes_count{handler=\"/customers\"}");
		cr_expect_eq(total, 2);
		cr_expect_gt(prom_sample(text,
				 "http_request_size_bytes_sum{handler="
				 "\"/customers\"}"),
		    100); /* the POST body */
		cr_expect_eq(prom_sample(text, "rate_limited_total"), 1);
		cr_expect_eq(prom_sample(text,
				 "dependency_up{dependency=\"postgres\"}"),
		    1);
		cr_expect_null(strstr(text, "handler=\"/metrics\""));
		cr_expect_null(strstr(text, "handler=\"/health\""));
		cr_expect_null(strstr(text, "handler=\"/ready\""));
		free(text);
	}
}

/* The backlog gauges and RSS come from other threads and timers. */
Test(metrics, gauges_are_measured)
{
	long deadline;
	char *text;
	double pending, failed, rss;

	deadline = instance_now_ms() + 10000;
	for (;;) {
		text = scrape();
		pending = prom_sample(text, "outbox_pending");
		failed = prom_sample(text, "failed_events_length");
		/* the smaller of the two workers' */
		rss = prom_sample(text,
		    "process_resident_memory_bytes{worker=\"1\"}");
		if (prom_sample(text,
			"process_resident_memory_bytes{worker=\"2\"}") < rss)
			rss = prom_sample(text,
			    "process_resident_memory_bytes{worker=\"2\"}");
		if ((pending >= 0 && failed >= 0 && rss > 0) ||
		    instance_now_ms() > deadline)
			break;
		free(text);
		usleep(100 * 1000);
	}
	/* strtod reads NaN as NaN, which compares false with everything */
	cr_expect_geq(pending, 0, "%s", text);
	cr_expect_geq(failed, 0, "%s", text);
	/* each of the two workers: a few MiB */
	cr_expect_gt(rss, 2.0 * 1024 * 1024, "%s", text);
	cr_expect_eq(prom_sample(text,
			 "dependency_up{dependency=\"rabbitmq\"}"),
	    1);
	cr_expect_eq(prom_sample(text, "dependency_up{dependency=\"redis\"}"),
	    1);
	free(text);
}

Test(metrics, promtool_accepts_the_format)
{
	char *text, file[] = "/tmp/bee-metrics.XXXXXX";
	pid_t pid;
	int fd, status;

	cr_assert(access(PROMTOOL, X_OK) == 0,
	    PROMTOOL " is missing: scripts/dev setup installs prometheus");
	send_expect("GET", "/", NULL, NULL, 200);
	text = scrape();
	fd = mkstemp(file);
	cr_assert(fd != -1);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		execl(PROMTOOL, PROMTOOL, "check", "metrics", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	(void)close(fd);
	(void)unlink(file);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "promtool check metrics failed (output above) on:\n%s", text);
	free(text);
}

Test(metrics, only_get)
{
	struct http_resp *r;

	r = http_req_tok("POST", "/metrics", NULL, "{}");
	expect_status(r, 405);
	cr_expect_str_eq(http_hdr(r, "allow"), "GET");
	http_resp_free(r);
}
