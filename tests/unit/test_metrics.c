/* metrics.c: the shared store, shared across fork, and its text format. */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "infra/metrics.h"
#include "prom_text.h"

static const int no_deps[METRIC_DEPS] = { -1, -1, -1 };

static char *
render(void)
{
	char *text;
	size_t len;

	text = metrics_render(no_deps, &len);
	cr_assert_not_null(text);
	cr_assert_eq(strlen(text), len);
	return (text);
}

static void
setup(void)
{
	cr_assert_eq(metrics_init(), 0);
}

TestSuite(metrics, .init = setup, .fini = metrics_reset);

Test(metrics, counts_requests_by_template_method_and_exact_status)
{
	char *t;

	metrics_request("/customers/{customer_id}", "GET", 200, 1500, 0, 300);
	metrics_request("/customers/{customer_id}", "GET", 200, 800, 0, 200);
	metrics_request("/customers/{customer_id}", "GET", 404, 700, 0, 31);
	metrics_request("/customers", "POST", 422, 900, 40, 120);
	t = render();
	cr_expect_eq(prom_sample(t,
			 "http_requests_total{handler=\"/customers/"
			 "{customer_id}\",method=\"GET\",status=\"200\"}"),
	    2);
	cr_expect_eq(prom_sample(t,
			 "http_requests_total{handler=\"/customers/"
			 "{customer_id}\",method=\"GET\",status=\"404\"}"),
	    1);
	cr_expect_eq(prom_sample(t,
			 "http_requests_total{handler=\"/customers\","
			 "method=\"POST\",status=\"422\"}"),
	    1);
	/* no line for what never happened */
	cr_expect_null(strstr(t, "status=\"500\""));
	free(t);
}

Test(metrics, histogram_buckets_are_cumulative_with_sum_and_count)
{
	char *t;

	metrics_request("/customers", "GET", 200, 900, 0, 10); /* <= 1 ms */
	metrics_request("/customers", "GET", 200, 1000, 0, 10); /* = 1 ms */
	metrics_request("/customers", "GET", 200, 30000, 0, 10); /* 50 ms */
	metrics_request("/customers", "GET", 200, 20000000, 0, 10); /* Inf */
	t = render();
#define B(le) \
	prom_sample(t, \
	    "http_request_duration_seconds_bucket{handler=\"/" \
	    "customers\",method=\"GET\",le=\"" le "\"}")
	cr_expect_eq(B("0.001"), 2);
	cr_expect_eq(B("0.025"), 2);
	cr_expect_eq(B("0.05"), 3);
	cr_expect_eq(B("10"), 3);
	cr_expect_eq(B("+Inf"), 4);
#undef B
	cr_expect_eq(prom_sample(t,
			 "http_request_duration_seconds_count{handler="
			 "\"/customers\",method=\"GET\"}"),
	    4);
	cr_expect_float_eq(prom_sample(t,
			       "http_request_duration_seconds_sum{"
			       "handler=\"/customers\",method=\"GET\"}"),
	    20.0319, 1e-9);
	free(t);
}

Test(metrics, sizes_and_counters_and_gauges)
{
	char *t;

	metrics_request("/customers", "POST", 201, 10, 100, 250);
	metrics_request("/customers", "POST", 201, 10, 50, 250);
	metrics_add(METRIC_RATE_LIMITED, 3);
	metrics_add(METRIC_AMQP_RETURNS, 1);
	metrics_gauge(METRIC_OUTBOX_PENDING, 42);
	metrics_rss(1, 1000);
	metrics_rss(2, 24);
	t = render();
	cr_expect_eq(prom_sample(t,
			 "http_request_size_bytes_sum{handler="
			 "\"/customers\"}"),
	    150);
	cr_expect_eq(prom_sample(t,
			 "http_response_size_bytes_count{handler="
			 "\"/customers\"}"),
	    2);
	cr_expect_eq(prom_sample(t, "rate_limited_total"), 3);
	cr_expect_eq(prom_sample(t, "amqp_returns_total"), 1);
	cr_expect_eq(prom_sample(t, "log_lines_dropped_total"), 0);
	cr_expect_eq(prom_sample(t, "outbox_pending"), 42);
	cr_expect_not_null(strstr(t, "\nfailed_events_length NaN\n"));
	cr_expect_eq(prom_sample(t,
			 "process_resident_memory_bytes{worker=\"1\"}"),
	    1000);
	cr_expect_eq(prom_sample(t,
			 "process_resident_memory_bytes{worker=\"2\"}"),
	    24);
	cr_expect_null(strstr(t, "worker=\"3\""));
	cr_expect_not_null(strstr(t, "# TYPE http_requests_total counter\n"));
	cr_expect_not_null(
	    strstr(t, "# TYPE http_request_duration_seconds histogram\n"));
	free(t);
}

Test(metrics, probes_and_scrapes_are_not_counted)
{
	char *t;

	metrics_request("/metrics", "GET", 200, 10, 0, 10);
	metrics_request("/health", "GET", 200, 10, 0, 10);
	metrics_request("/ready", "GET", 503, 10, 0, 10);
	t = render();
	cr_expect_null(strstr(t, "handler=\"/metrics\""));
	cr_expect_null(strstr(t, "handler=\"/health\""));
	cr_expect_null(strstr(t, "handler=\"/ready\""));
	free(t);
}

Test(metrics, unknown_templates_methods_and_codes_are_kept)
{
	char *t;

	metrics_request("/not/in/the/table", "BREW", 299, 10, 0, 0);
	t = render();
	cr_expect_eq(prom_sample(t,
			 "http_requests_total{handler=\"other\","
			 "method=\"OTHER\",status=\"other\"}"),
	    1);
	free(t);
}

Test(metrics, dependency_gauges_only_for_configured_ones)
{
	int deps[METRIC_DEPS] = { 1, 0, -1 };
	char *t;
	size_t len;

	t = metrics_render(deps, &len);
	cr_assert_not_null(t);
	cr_expect_eq(prom_sample(t, "dependency_up{dependency=\"postgres\"}"),
	    1);
	cr_expect_eq(prom_sample(t, "dependency_up{dependency=\"rabbitmq\"}"),
	    0);
	cr_expect_null(strstr(t, "dependency=\"redis\""));
	free(t);
}

Test(metrics, children_count_into_the_same_store)
{
	pid_t pid;
	int i, status;
	char *t;

	for (i = 0; i < 3; i++) {
		if ((pid = fork()) == 0) {
			metrics_request("/gdpr/export", "POST", 200, 10, 0, 0);
			_exit(0);
		}
		cr_assert_gt(pid, 0);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
	}
	t = render();
	cr_expect_eq(prom_sample(t,
			 "http_requests_total{handler=\"/gdpr/export\","
			 "method=\"POST\",status=\"200\"}"),
	    3);
	free(t);
}

Test(metrics, a_slot_per_template_of_the_route_table)
{
	cr_expect_eq(metrics_route_index("/customers/{customer_id}/stats"),
	    metrics_route_index("/customers/{customer_id}/stats"));
	cr_expect_eq(metrics_route_index("/nope"), -1);
	cr_expect_geq(metrics_route_index("unmatched"), 0);
	cr_expect_eq(metrics_route_index("other"), -1);
}

Test(metrics, renders_zeros_before_init)
{
	char *t;

	metrics_reset();
	metrics_request("/customers", "GET", 200, 10, 0, 0); /* no-op */
	t = render();
	cr_expect_null(strstr(t, "http_requests_total{"));
	cr_expect_eq(prom_sample(t, "rate_limited_total"), 0);
	cr_expect_not_null(strstr(t, "\noutbox_pending NaN\n"));
	free(t);
}
