/*
 * CORS as the original's Starlette CORSMiddleware answered it
 * (docs/api.md): preflights on any path without a token, the simple
 * headers on every module response, errors included, with the fields a
 * script may read exposed (ETag, Link, Location, Idempotent-Replayed,
 * RateLimit, RateLimit-Policy, Retry-After, X-Trace-Id); and, on an
 * instance of its own with CORS_ORIGINS set to a list, echoed allowed
 * origins and refused others.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "token.h"
#include "uuid4.h"

#define METHODS "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
#define ORIGIN "https://app.example.com"
#define EXPOSED \
	"ETag, Link, Location, Idempotent-Replayed, RateLimit, " \
	"RateLimit-Policy, Retry-After, X-Trace-Id"

static struct http_resp *preflight(const char *, const char *, const char *);
static void expect_preflight_ok(const char *, const char *);
static struct http_resp *with_origin(const char *, const char *, const char *,
    const char *);
static void expect_hdr(const struct http_resp *, const char *, const char *);
static void expect_simple_any(const struct http_resp *);
static void start_listed(struct instance *);

/* OPTIONS path with Origin, Access-Control-Request-Method and, when not
 * NULL, Access-Control-Request-Headers; no token. */
static struct http_resp *
preflight(const char *path, const char *origin, const char *req_headers)
{
	struct http_resp *r;
	const char *hdrs[4];
	char *o, *h;
	int n;

	n = 0;
	h = NULL;
	if (asprintf(&o, "Origin: %s", origin) == -1)
		cr_assert_fail("out of memory");
	hdrs[n++] = o;
	hdrs[n++] = "Access-Control-Request-Method: PATCH";
	if (req_headers != NULL) {
		if (asprintf(&h, "Access-Control-Request-Headers: %s",
			req_headers) == -1)
			cr_assert_fail("out of memory");
		hdrs[n++] = h;
	}
	hdrs[n] = NULL;
	r = http_req("OPTIONS", path, hdrs, NULL, 0);
	free(o);
	free(h);
	return (r);
}

static void
expect_hdr(const struct http_resp *r, const char *name, const char *want)
{
	const char *v;

	v = http_hdr(r, name);
	cr_assert(v != NULL, "no %s on a %d", name, r->status);
	cr_assert_str_eq(v, want, "%s", name);
	cr_assert_eq(http_hdr_count(r, name), 1, "%s more than once", name);
}

/* Starlette's preflight answer: 200 "OK" and exactly these headers. */
static void
expect_preflight_ok(const char *path, const char *origin)
{
	static const char *asked = "authorization, content-type, x-trace-id";
	struct http_resp *r;

	r = preflight(path, origin, asked);
	expect_status(r, 200);
	expect_hdr(r, "access-control-allow-origin", origin);
	expect_hdr(r, "access-control-allow-methods", METHODS);
	expect_hdr(r, "access-control-allow-headers", asked);
	expect_hdr(r, "access-control-allow-credentials", "true");
	expect_hdr(r, "access-control-max-age", "600");
	expect_hdr(r, "vary", "Origin");
	cr_assert(http_hdr(r, "x-trace-id") != NULL);
	cr_assert(http_hdr(r, "date") != NULL);
	cr_assert_null(http_hdr(r, "access-control-expose-headers"),
	    "expose-headers on a preflight");
	expect_body(r, "OK");
	http_resp_free(r);
}

/* A request with an Origin header and an optional token and body. */
static struct http_resp *
with_origin(const char *method, const char *path, const char *origin,
    const char *tok)
{
	struct http_resp *r;
	const char *hdrs[3];
	char *o, *a;
	int n;

	n = 0;
	a = NULL;
	if (asprintf(&o, "Origin: %s", origin) == -1)
		cr_assert_fail("out of memory");
	hdrs[n++] = o;
	if (tok != NULL) {
		if (asprintf(&a, "Authorization: Bearer %s", tok) == -1)
			cr_assert_fail("out of memory");
		hdrs[n++] = a;
	}
	hdrs[n] = NULL;
	r = http_req(method, path, hdrs, NULL, 0);
	free(o);
	free(a);
	return (r);
}

/* Under CORS_ORIGINS=*: the wildcard and credentials, never the origin. */
static void
expect_simple_any(const struct http_resp *r)
{
	expect_hdr(r, "access-control-allow-origin", "*");
	expect_hdr(r, "access-control-allow-credentials", "true");
	expect_hdr(r, "access-control-expose-headers", EXPOSED);
	expect_module_headers(r);
}

/* ---- preflight (default CORS_ORIGINS=*) ---- */

Test(preflight, customers)
{
	expect_preflight_ok("/customers", ORIGIN);
}

Test(preflight, api_customers_slash)
{
	expect_preflight_ok("/api/customers/", ORIGIN);
}

Test(preflight, one_customer)
{
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	expect_preflight_ok(path, ORIGIN);
}

/* Before any validation: a malformed id is no reason to refuse. */
Test(preflight, malformed_id)
{
	expect_preflight_ok("/customers/not-a-uuid", ORIGIN);
}

Test(preflight, sub_resources)
{
	char id[UUID_STR_LEN], path[96];

	uuid4(id);
	snprintf(path, sizeof(path), "/api/customers/%s/tags", id);
	expect_preflight_ok(path, ORIGIN);
	snprintf(path, sizeof(path), "/customers/%s/avatar", id);
	expect_preflight_ok(path, ORIGIN);
	expect_preflight_ok("/api/gdpr/export", ORIGIN);
	expect_preflight_ok("/customers/tags/", ORIGIN);
}

Test(preflight, health_and_root)
{
	expect_preflight_ok("/healthcheck", ORIGIN);
	expect_preflight_ok("/", ORIGIN);
}

/* The middleware answered before routing: unknown paths too. */
Test(preflight, unknown_path)
{
	expect_preflight_ok("/no/such/thing", ORIGIN);
}

/* Any origin is echoed under *, with credentials. */
Test(preflight, any_origin_echoed)
{
	expect_preflight_ok("/customers", "http://localhost:5173");
}

/* Nothing asked, nothing echoed (allow_headers=["*"]). */
Test(preflight, no_request_headers)
{
	struct http_resp *r;

	r = preflight("/customers", ORIGIN, NULL);
	expect_status(r, 200);
	expect_hdr(r, "access-control-allow-origin", ORIGIN);
	expect_hdr(r, "access-control-allow-methods", METHODS);
	cr_assert_null(http_hdr(r, "access-control-allow-headers"),
	    "allow-headers %s with none asked",
	    http_hdr(r, "access-control-allow-headers"));
	http_resp_free(r);
}

/* A preflight does not need a token, and a bad one does not hurt it. */
Test(preflight, ignores_a_bad_token)
{
	struct http_resp *r;
	const char *hdrs[] = { "Origin: " ORIGIN,
		"Access-Control-Request-Method: DELETE",
		"Authorization: Bearer not.a.token", NULL };

	r = http_req("OPTIONS", "/customers", hdrs, NULL, 0);
	expect_status(r, 200);
	expect_hdr(r, "access-control-allow-origin", ORIGIN);
	http_resp_free(r);
}

/* ---- OPTIONS that is not a preflight ---- */

/* OPTIONS on path without preflight headers: 405 with allow. */
static void
expect_options_405(const char *path, const char *allow)
{
	struct http_resp *r;

	r = http_req("OPTIONS", path, NULL, NULL, 0);
	expect_detail(r, 405, "Method Not Allowed");
	cr_assert_str_eq(http_hdr(r, "allow"), allow, "%s", path);
	http_resp_free(r);
}

Test(options, without_preflight_headers_405)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	/* the route's own methods, as for any method it does not serve */
	snprintf(path, sizeof(path), "/customers/%s", id);
	expect_options_405(path, "GET, PATCH, DELETE");
	expect_options_405("/customers", "GET, POST");
	snprintf(path, sizeof(path), "/customers/%s/avatar", id);
	expect_options_405(path, "POST");
	/* no route: nothing to allow */
	r = http_req("OPTIONS", "/no/such/thing", NULL, NULL, 0);
	expect_detail(r, 404, "Not Found");
	cr_assert_null(http_hdr(r, "allow"));
	http_resp_free(r);
}

/* An Origin alone is a simple request: 405, with the CORS headers. */
Test(options, origin_without_request_method_405)
{
	struct http_resp *r;

	r = with_origin("OPTIONS", "/customers", ORIGIN, NULL);
	expect_detail(r, 405, "Method Not Allowed");
	expect_simple_any(r);
	http_resp_free(r);
}

/* ---- simple requests (default CORS_ORIGINS=*) ---- */

Test(simple, success)
{
	struct http_resp *r;

	r = with_origin("GET", "/healthcheck", ORIGIN, NULL);
	expect_status(r, 200);
	expect_simple_any(r);
	http_resp_free(r);
}

Test(simple, authenticated_success)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char path[64], *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(path, sizeof(path), "/customers/%s", id);
	tok = tok_superadmin();
	r = with_origin("GET", path, ORIGIN, tok);
	expect_status(r, 200);
	expect_simple_any(r);
	http_resp_free(r);
	r = with_origin("DELETE", path, ORIGIN, tok);
	expect_status(r, 204);
	expect_simple_any(r);
	http_resp_free(r);
	free(tok);
}

Test(simple, error_401)
{
	struct http_resp *r;

	r = with_origin("GET", "/customers", ORIGIN, NULL);
	expect_detail(r, 401, "Not authenticated");
	expect_simple_any(r);
	http_resp_free(r);
	r = with_origin("GET", "/customers", ORIGIN, "x.y.z");
	expect_detail(r, 401, "Invalid authentication token");
	expect_simple_any(r);
	http_resp_free(r);
}

Test(simple, error_403_404_422)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64], *tok;

	tok = tok_role("courier");
	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = with_origin("GET", path, ORIGIN, tok);
	expect_status(r, 403);
	expect_simple_any(r);
	http_resp_free(r);
	free(tok);

	tok = tok_superadmin();
	r = with_origin("GET", path, ORIGIN, tok);
	expect_detail(r, 404, "Customer not found");
	expect_simple_any(r);
	http_resp_free(r);
	r = with_origin("GET", "/customers/nope", ORIGIN, tok);
	expect_status(r, 422);
	expect_simple_any(r);
	http_resp_free(r);
	r = with_origin("GET", "/customers?limit=0", ORIGIN, tok);
	expect_status(r, 422);
	expect_simple_any(r);
	http_resp_free(r);
	free(tok);
}

/* A PATCH that passed the limiter: its RateLimit fields are readable. */
Test(simple, patch_exposes_its_ratelimit_fields)
{
	struct http_resp *r;
	const char *hdrs[4];
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char path[64], *auth, *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(path, sizeof(path), "/customers/%s", id);
	tok = tok_admin(bid);
	if (asprintf(&auth, "Authorization: Bearer %s", tok) == -1)
		cr_assert_fail("out of memory");
	hdrs[0] = "Origin: " ORIGIN;
	hdrs[1] = auth;
	hdrs[2] = "Content-Type: application/json";
	hdrs[3] = NULL;
	r = http_req("PATCH", path, hdrs, "{}", 2);
	expect_status(r, 200);
	expect_simple_any(r);
	cr_assert(http_hdr(r, "ratelimit") != NULL, "no RateLimit");
	cr_assert(http_hdr(r, "ratelimit-policy") != NULL,
	    "no RateLimit-Policy");
	http_resp_free(r);
	free(auth);
	free(tok);
}

Test(simple, error_404_unknown_path_and_405)
{
	struct http_resp *r;

	r = with_origin("GET", "/no/such/thing", ORIGIN, NULL);
	expect_detail(r, 404, "Not Found");
	expect_simple_any(r);
	http_resp_free(r);
	r = with_origin("DELETE", "/healthcheck", ORIGIN, NULL);
	expect_status(r, 405);
	expect_simple_any(r);
	http_resp_free(r);
}

/* ---- CORS_ORIGINS as a list (an instance of its own) ---- */

#define ALLOWED_A "https://a.example"
#define ALLOWED_B "https://b.example"
#define STRANGER "https://evil.example"

/* Spaces around the comma are stripped, as the original did. */
static void
start_listed(struct instance *in)
{
	static const char *const env[] = { "CORS_ORIGINS",
		ALLOWED_A ", " ALLOWED_B, NULL };

	instance_start(in, env);
}

Test(cors_list, allowed_origin_echoed_with_vary)
{
	struct instance in;
	struct http_resp *r;

	start_listed(&in);
	r = with_origin("GET", "/healthcheck", ALLOWED_B, NULL);
	expect_status(r, 200);
	expect_hdr(r, "access-control-allow-origin", ALLOWED_B);
	expect_hdr(r, "access-control-allow-credentials", "true");
	expect_hdr(r, "access-control-expose-headers", EXPOSED);
	cr_assert(http_hdr(r, "vary") != NULL &&
		strstr(http_hdr(r, "vary"), "Origin") != NULL,
	    "Vary: %s", http_hdr(r, "vary"));
	http_resp_free(r);
	/* errors too */
	r = with_origin("GET", "/customers", ALLOWED_A, NULL);
	expect_status(r, 401);
	expect_hdr(r, "access-control-allow-origin", ALLOWED_A);
	http_resp_free(r);
	instance_stop(&in);
	instance_expect_clean(&in);
}

Test(cors_list, other_origin_gets_no_allow_origin)
{
	struct instance in;
	struct http_resp *r;

	start_listed(&in);
	r = with_origin("GET", "/healthcheck", STRANGER, NULL);
	expect_status(r, 200);
	cr_assert_null(http_hdr(r, "access-control-allow-origin"),
	    "allow-origin %s for a stranger",
	    http_hdr(r, "access-control-allow-origin"));
	cr_assert_null(http_hdr(r, "access-control-expose-headers"),
	    "expose-headers for a stranger");
	http_resp_free(r);
	/* a prefix or a suffix of an allowed origin is another origin */
	r = with_origin("GET", "/healthcheck", ALLOWED_A ".evil.example", NULL);
	cr_assert_null(http_hdr(r, "access-control-allow-origin"));
	http_resp_free(r);
	r = with_origin("GET", "/healthcheck", "https://a.exampl", NULL);
	cr_assert_null(http_hdr(r, "access-control-allow-origin"));
	http_resp_free(r);
	instance_stop(&in);
	instance_expect_clean(&in);
}

Test(cors_list, allowed_preflight_200)
{
	struct instance in;

	start_listed(&in);
	expect_preflight_ok("/customers", ALLOWED_A);
	expect_preflight_ok("/customers/x/tags", ALLOWED_B);
	instance_stop(&in);
	instance_expect_clean(&in);
}

Test(cors_list, other_preflight_400)
{
	struct instance in;
	struct http_resp *r;

	start_listed(&in);
	r = preflight("/customers", STRANGER, "authorization");
	expect_status(r, 400);
	expect_body(r, "Disallowed CORS origin");
	cr_assert_null(http_hdr(r, "access-control-allow-origin"),
	    "allow-origin %s on a refused preflight",
	    http_hdr(r, "access-control-allow-origin"));
	http_resp_free(r);
	instance_stop(&in);
	instance_expect_clean(&in);
}
