/*
 * Liveness, readiness and the welcome document (docs/operations.md): no token,
 * the original's bodies.
 */
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "expect.h"
#include "http.h"
#include "instance.h"

static void
expect_healthy(const char *path)
{
	struct http_resp *r;

	r = http_req("GET", path, NULL, NULL, 0);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, "{\"status\":\"healthy\"}");
	http_resp_free(r);
}

/*
 * /ready until it answers 200 with want (a dependency may not be "up" yet:
 * polled for 10 s at most), then that last answer.
 */
static struct http_resp *
ready_until(const char *want)
{
	struct http_resp *r;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	int i;

	r = NULL;
	for (i = 0; i < 50; i++) {
		http_resp_free(r);
		r = http_req("GET", "/ready", NULL, NULL, 0);
		if (r->status == 200 && r->body_len == strlen(want) &&
		    memcmp(r->body, want, r->body_len) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	return (r);
}

Test(health, healthcheck)
{
	expect_healthy("/healthcheck");
}

Test(health, health)
{
	expect_healthy("/health");
}

/* Trailing slash accepted, no redirect (docs/api.md). */
Test(health, health_trailing_slash)
{
	expect_healthy("/health/");
}

/*
 * /ready reports cached connection state, so just after start-up a
 * dependency may not be "up" yet: poll for a bounded time, then demand the
 * exact body.
 */
Test(health, ready_all_up, .timeout = 30)
{
	static const char *want =
	    "{\"status\":\"ready\",\"checks\":"
	    "{\"postgres\":\"up\",\"rabbitmq\":\"up\",\"redis\":\"up\"}}";
	struct http_resp *r;

	r = ready_until(want);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	expect_body(r, want);
	http_resp_free(r);
}

Test(health, root)
{
	struct http_resp *r;
	json_t *j;
	static const char *keys[] = { "message", "version", "docs_url", NULL };

	r = http_req("GET", "/", NULL, NULL, 0);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	cr_assert_str_eq(json_str(j, "message"),
	    "Welcome to BeeConect Customer Service API");
	cr_assert(json_is_string(json_object_get(j, "version")));
	cr_assert_str_eq(json_str(j, "docs_url"), "/docs");
	expect_key_order(j, keys, "root");
	json_decref(j);
	http_resp_free(r);
}

/* Liveness must not need a token, and a bad one must not break it. */
Test(health, no_auth_even_with_bad_token)
{
	struct http_resp *r;

	r = http_req_tok("GET", "/healthcheck", "garbage", NULL);
	expect_status(r, 200);
	expect_body(r, "{\"status\":\"healthy\"}");
	http_resp_free(r);
}

/* Without REDIS_URL the rate limit is per worker: /ready says so, 200. */
Test(health, ready_redis_disabled, .timeout = 30)
{
	static const char *const env[] = { "REDIS_URL", "", NULL };
	static const char *want =
	    "{\"status\":\"ready\",\"checks\":"
	    "{\"postgres\":\"up\",\"rabbitmq\":\"up\",\"redis\":\"disabled\"}}";
	struct instance in;
	struct http_resp *r;

	instance_start(&in, env);
	r = ready_until(want);
	expect_status(r, 200);
	expect_body(r, want);
	http_resp_free(r);
	instance_stop(&in);
}
