/*
 * Authentication and role gates (docs/api.md), every row of the failure
 * table, on GET /customers/{id} (a read) and POST /customers (a create);
 * JWT_ISSUER, JWT_ACCESS_TYPE and the token cache on instances of their
 * own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "token.h"
#include "uuid4.h"

/* GET a random (nonexistent) customer with an Authorization header value. */
static struct http_resp *
get_with_auth(const char *authz)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64], *h;
	const char *hdrs[2] = { NULL, NULL };

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	h = NULL;
	if (authz != NULL) {
		if (asprintf(&h, "Authorization: %s", authz) == -1)
			cr_assert_fail("out of memory");
		hdrs[0] = h;
	}
	r = http_req("GET", path, hdrs, NULL, 0);
	free(h);
	return (r);
}

static void
expect_get_with_token(const char *tok, int status, const char *detail)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64];

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_detail(r, status, detail);
	http_resp_free(r);
}

/* 401 "Not authenticated" with the Bearer challenge; frees r. */
static void
expect_not_authenticated(struct http_resp *r)
{
	expect_detail(r, 401, "Not authenticated");
	cr_assert_str_eq(http_hdr(r, "www-authenticate"), "Bearer");
	http_resp_free(r);
}

/* POST /customers of a fresh customer with tok, refused. */
static void
expect_create_with_token(const char *tok, int status, const char *detail)
{
	struct http_resp *r;
	char uid[UUID_STR_LEN], bid[UUID_STR_LEN];
	char *body;

	uuid4(uid);
	uuid4(bid);
	body = cust_body(uid, bid, NULL);
	r = http_req_tok("POST", "/customers", tok, body);
	expect_detail(r, status, detail);
	http_resp_free(r);
	free(body);
}

/* A token with these claims, and the given exp offset from now. */
static char *
tok_with(const char *fmt_claims)
{
	return (tok_claims(fmt_claims, JWT_ALG_HS256, NULL));
}

static char *
claims_exp(const char *extra, const char *exp)
{
	char sub[UUID_STR_LEN], *c;

	uuid4(sub);
	if (asprintf(&c, "{\"sub\":\"%s\",\"role\":\"superadmin\"%s%s%s}", sub,
		extra, exp ? ",\"exp\":" : "", exp ? exp : "") == -1)
		cr_assert_fail("out of memory");
	return (c);
}

static void
expect_claims(const char *claims, int status, const char *detail)
{
	char *tok;

	tok = tok_with(claims);
	expect_get_with_token(tok, status, detail);
	free(tok);
}

Test(auth, no_header)
{
	expect_not_authenticated(get_with_auth(NULL));
}

Test(auth, no_header_on_create)
{
	expect_not_authenticated(
	    http_req_tok("POST", "/customers", NULL, "{}"));
}

Test(auth, bearer_without_token)
{
	expect_not_authenticated(get_with_auth("Bearer"));
}

Test(auth, bearer_space_without_token)
{
	expect_not_authenticated(get_with_auth("Bearer "));
}

Test(auth, other_scheme)
{
	struct http_resp *r;

	r = get_with_auth("Basic eHl6OnB3");
	expect_detail(r, 401, "Invalid authentication credentials");
	http_resp_free(r);
}

Test(auth, garbage_token)
{
	struct http_resp *r;

	r = get_with_auth("Bearer not.a.jwt");
	expect_detail(r, 401, "Invalid authentication token");
	http_resp_free(r);
}

Test(auth, alg_none)
{
	char *tok;

	tok = tok_alg_none();
	expect_get_with_token(tok, 401, "Invalid authentication token");
	free(tok);
}

static void
expect_alg_refused(jwt_alg_t alg)
{
	char *claims, *tok, exp[32];

	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) + TOK_TTL);
	claims = claims_exp("", exp);
	tok = tok_claims(claims, alg, NULL);
	expect_get_with_token(tok, 401, "Invalid authentication token");
	free(tok);
	free(claims);
}

/* Same secret, another HMAC: the configured alg is the only one. */
Test(auth, hs384_refused)
{
	expect_alg_refused(JWT_ALG_HS384);
}

Test(auth, hs512_refused)
{
	expect_alg_refused(JWT_ALG_HS512);
}

Test(auth, tampered_payload)
{
	char *valid, *claims, *tok, sub[UUID_STR_LEN];

	uuid4(sub);
	valid = tok_customer(sub);
	if (asprintf(&claims,
		"{\"sub\":\"%s\",\"role\":\"superadmin\","
		"\"exp\":%ld}",
		sub, (long)time(NULL) + TOK_TTL) == -1)
		cr_assert_fail("out of memory");
	tok = tok_tampered(valid, claims);
	expect_get_with_token(tok, 401, "Invalid authentication token");
	free(tok);
	free(claims);
	free(valid);
}

Test(auth, wrong_key)
{
	char *tok;

	tok = tok_wrong_key();
	expect_get_with_token(tok, 401, "Invalid authentication token");
	free(tok);
}

Test(auth, expired)
{
	char *claims, exp[32];

	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) - 60);
	claims = claims_exp("", exp);
	expect_claims(claims, 401, "Token has expired");
	free(claims);
}

/* A float exp is a NumericDate too (RFC 7519 §2). */
Test(auth, float_exp_future_accepted)
{
	char *claims, exp[32];

	snprintf(exp, sizeof(exp), "%ld.5", (long)time(NULL) + TOK_TTL);
	claims = claims_exp("", exp);
	/* A superadmin on a nonexistent customer: past auth, a clean 404. */
	expect_claims(claims, 404, "Customer not found");
	free(claims);
}

Test(auth, float_exp_past_expired)
{
	char *claims, exp[32];

	snprintf(exp, sizeof(exp), "%ld.5", (long)time(NULL) - 600);
	claims = claims_exp("", exp);
	expect_claims(claims, 401, "Token has expired");
	free(claims);
}

Test(auth, missing_exp)
{
	char *claims;

	claims = claims_exp("", NULL);
	expect_claims(claims, 401, "Invalid authentication token");
	free(claims);
}

Test(auth, string_exp)
{
	char *claims;

	claims = claims_exp("", "\"tomorrow\"");
	expect_claims(claims, 401, "Invalid authentication token");
	free(claims);
}

Test(auth, future_nbf)
{
	char *claims, exp[32], nbf[48];

	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) + TOK_TTL);
	snprintf(nbf, sizeof(nbf), ",\"nbf\":%ld", (long)time(NULL) + 600);
	claims = claims_exp(nbf, exp);
	expect_claims(claims, 401, "Invalid authentication token");
	free(claims);
}

Test(auth, past_nbf_accepted)
{
	char *claims, exp[32], nbf[48];

	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) + TOK_TTL);
	snprintf(nbf, sizeof(nbf), ",\"nbf\":%ld", (long)time(NULL) - 600);
	claims = claims_exp(nbf, exp);
	expect_claims(claims, 404, "Customer not found");
	free(claims);
}

static void
expect_payload_refused(const char *sub_json, const char *role_json)
{
	char *claims;

	if (asprintf(&claims, "{%s%s%s\"exp\":%ld}", sub_json ? sub_json : "",
		role_json ? role_json : "", (sub_json || role_json) ? "," : "",
		(long)time(NULL) + TOK_TTL) == -1)
		cr_assert_fail("out of memory");
	expect_claims(claims, 401, "Invalid token payload");
	free(claims);
}

Test(auth, sub_missing)
{
	expect_payload_refused(NULL, "\"role\":\"superadmin\"");
}

Test(auth, sub_not_uuid)
{
	expect_payload_refused("\"sub\":\"user-42\",",
	    "\"role\":\"superadmin\"");
}

Test(auth, sub_not_string)
{
	expect_payload_refused("\"sub\":42,", "\"role\":\"superadmin\"");
}

Test(auth, role_not_string)
{
	char sub[UUID_STR_LEN], s[64];

	uuid4(sub);
	snprintf(s, sizeof(s), "\"sub\":\"%s\",", sub);
	expect_payload_refused(s, "\"role\":5");
}

/* Without a role the caller is a customer: it may not create. */
Test(auth, missing_role_is_customer)
{
	char sub[UUID_STR_LEN], claims[256], *tok;

	uuid4(sub);
	snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"exp\":%ld}", sub,
	    (long)time(NULL) + TOK_TTL);
	tok = tok_with(claims);
	expect_create_with_token(tok, 403,
	    "Internal service or admin role required");
	free(tok);
}

/* ...and may read its own profile, as a customer would. */
Test(auth, missing_role_reads_own_profile)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char bid[UUID_STR_LEN], claims[256], path[64];
	char *tok;

	uuid4(bid);
	cust_create(bid, id, uid);
	snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"exp\":%ld}", uid,
	    (long)time(NULL) + TOK_TTL);
	tok = tok_with(claims);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	http_resp_free(r);
	free(tok);
}

static void
expect_role_forbidden(const char *role)
{
	char *tok;

	tok = tok_role(role);
	expect_get_with_token(tok, 403, "Customer or admin role required");
	expect_create_with_token(tok, 403,
	    "Internal service or admin role required");
	free(tok);
}

Test(auth, courier_forbidden)
{
	expect_role_forbidden("courier");
}

Test(auth, collaborator_forbidden)
{
	expect_role_forbidden("collaborator");
}

/* Admin roles are enumerated, not matched by an "admin" prefix. */
Test(auth, admin_prefix_role_forbidden)
{
	expect_role_forbidden("administrator");
}

Test(auth, admin_without_business)
{
	char *tok;

	tok = tok_role("admin_business");
	expect_get_with_token(tok, 403, "Token has no business");
	expect_create_with_token(tok, 403, "Token has no business");
	free(tok);
}

Test(auth, admin_manager_without_business)
{
	char *tok;

	tok = tok_role("admin_manager");
	expect_get_with_token(tok, 403, "Token has no business");
	free(tok);
}

static void
expect_scheme_accepted(const char *scheme)
{
	struct http_resp *r;
	char *tok, *authz;

	tok = tok_superadmin();
	if (asprintf(&authz, "%s %s", scheme, tok) == -1)
		cr_assert_fail("out of memory");
	r = get_with_auth(authz);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(authz);
	free(tok);
}

Test(auth, scheme_lower_case)
{
	expect_scheme_accepted("bearer");
}

Test(auth, scheme_upper_case)
{
	expect_scheme_accepted("BEARER");
}

/* CORS preflight carries no token and must not be refused for it. */
Test(auth, options_preflight_without_token)
{
	struct http_resp *r;
	char id[UUID_STR_LEN], path[64];
	const char *hdrs[] = { "Origin: http://a.example",
		"Access-Control-Request-Method: GET",
		"Access-Control-Request-Headers: authorization,x-trace-id",
		NULL };
	const char *v;

	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req("OPTIONS", path, hdrs, NULL, 0);
	expect_status(r, 200);
	cr_assert_str_eq(http_hdr(r, "access-control-allow-origin"),
	    "http://a.example");
	v = http_hdr(r, "access-control-allow-methods");
	cr_assert(v != NULL && strstr(v, "GET") != NULL, "allow-methods %s",
	    v ? v : "(none)");
	v = http_hdr(r, "access-control-allow-headers");
	cr_assert(v != NULL && strcasestr(v, "authorization") != NULL,
	    "allow-headers %s", v ? v : "(none)");
	http_resp_free(r);
}

/* The create route too, under /api with its trailing slash. */
Test(auth, options_preflight_create_without_token)
{
	struct http_resp *r;
	const char *hdrs[] = { "Origin: http://a.example",
		"Access-Control-Request-Method: POST", NULL };

	r = http_req("OPTIONS", "/api/customers/", hdrs, NULL, 0);
	expect_status(r, 200);
	cr_assert(http_hdr(r, "access-control-allow-origin") != NULL);
	http_resp_free(r);
}

/* aud is checked only when JWT_AUDIENCE is set (it is not for e2e). */
Test(auth, aud_ignored_when_not_configured)
{
	char *claims, exp[32];

	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) + TOK_TTL);
	claims = claims_exp(",\"aud\":\"someone-else\"", exp);
	expect_claims(claims, 404, "Customer not found");
	free(claims);
}

/* A non-object payload is a malformed token, not a server error. */
Test(auth, payload_not_object)
{
	char *valid, *tok;

	valid = tok_superadmin();
	tok = tok_tampered(valid, "[1,2,3]");
	expect_get_with_token(tok, 401, "Invalid authentication token");
	free(tok);
	free(valid);
}

/* ---- exp, iat and the token cache (RFC 7519 4.1.4, 4.1.6) ---- */

/* Waits for the clock's next second: a request sent now lands in it. */
static time_t
next_second(void)
{
	struct timespec ms = { 0, 1000000 };
	time_t t;

	t = time(NULL);
	while (time(NULL) == t)
		nanosleep(&ms, NULL);
	return (t + 1);
}

static char *
claims_at(const char *extra, time_t exp)
{
	char e[32];

	snprintf(e, sizeof(e), "%ld", (long)exp);
	return (claims_exp(extra, e));
}

/* The second of exp is past the token's life: the original took it. */
Test(auth, exp_equal_to_now_expired)
{
	char *claims;

	claims = claims_at("", next_second());
	expect_claims(claims, 401, "Token has expired");
	free(claims);
}

Test(auth, future_iat_refused)
{
	char *claims, iat[48];

	snprintf(iat, sizeof(iat), ",\"iat\":%ld", (long)time(NULL) + 600);
	claims = claims_at(iat, time(NULL) + TOK_TTL);
	expect_claims(claims, 401, "Invalid authentication token");
	free(claims);
}

Test(auth, past_iat_accepted)
{
	char *claims, iat[48];

	snprintf(iat, sizeof(iat), ",\"iat\":%ld", (long)time(NULL) - 600);
	claims = claims_at(iat, time(NULL) + TOK_TTL);
	expect_claims(claims, 404, "Customer not found");
	free(claims);
}

/* Neither is checked unless configured (JWT_ISSUER, JWT_ACCESS_TYPE). */
Test(auth, iss_and_type_unchecked_by_default)
{
	char *claims;

	claims = claims_at(",\"iss\":\"anyone\",\"type\":\"refresh\"",
	    time(NULL) + TOK_TTL);
	expect_claims(claims, 404, "Customer not found");
	free(claims);
}

/* The same token twice: the second is taken from the worker's cache. */
static void
expect_twice(const char *tok, int status, const char *detail)
{
	expect_get_with_token(tok, status, detail);
	expect_get_with_token(tok, status, detail);
}

/* HS256 is deterministic: the same claims make the same token text. */
static void
expect_claims_twice(const char *claims, int status, const char *detail)
{
	expect_claims(claims, status, detail);
	expect_claims(claims, status, detail);
}

/* One worker, so that every request meets the cache of the first. */
Test(auth_cache, expires_at_the_second_of_exp, .timeout = 60)
{
	struct instance in;
	char *claims, *tok;
	time_t t;

	instance_start(&in, NULL);
	t = next_second();
	claims = claims_at("", t + 2);
	tok = tok_with(claims);
	expect_twice(tok, 404, "Customer not found");
	while (time(NULL) < t + 2)
		(void)next_second();
	expect_twice(tok, 401, "Token has expired");
	free(tok);
	free(claims);
	instance_stop(&in);
	instance_expect_clean(&in);
}

/*
 * exp beyond time_t (2^63) never expires, below it is long past: the
 * cache's expiry must be computed without an out-of-range cast, which
 * UBSan (float-cast-overflow, in the asan build) reports in kore.err.
 */
Test(auth_cache, huge_and_negative_exp, .timeout = 60)
{
	static const char *const huge[] = { "1e308", "1.7976931348623157e308",
		"9223372036854775807", "9.3e18" };
	struct instance in;
	char *claims;
	size_t i;

	instance_start(&in, NULL);
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		claims = claims_exp("", huge[i]);
		expect_claims_twice(claims, 404, "Customer not found");
		free(claims);
	}
	claims = claims_exp("", "-1e308");
	expect_claims_twice(claims, 401, "Token has expired");
	free(claims);
	claims = claims_exp("", "1699999999.5");
	expect_claims_twice(claims, 401, "Token has expired");
	free(claims);
	instance_stop(&in);
	instance_expect_clean(&in);
}

/* ---- JWT_ISSUER and JWT_ACCESS_TYPE (instances of their own) ---- */

#define ISSUER "https://auth.beeconect.test"

Test(auth_issuer, iss_must_equal_jwt_issuer, .timeout = 60)
{
	static const char *const env[] = { "JWT_ISSUER", ISSUER, NULL };
	static const char *const refused[] = { "",
		",\"iss\":\"https://evil.test\"", ",\"iss\":\"" ISSUER "/\"",
		",\"iss\":[\"" ISSUER "\"]", ",\"iss\":null" };
	struct instance in;
	char *claims;
	size_t i;

	instance_start(&in, env);
	claims = claims_at(",\"iss\":\"" ISSUER "\"", time(NULL) + TOK_TTL);
	expect_claims_twice(claims, 404, "Customer not found");
	free(claims);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		claims = claims_at(refused[i], time(NULL) + TOK_TTL);
		expect_claims_twice(claims, 401,
		    "Invalid authentication token");
		free(claims);
	}
	instance_stop(&in);
	instance_expect_clean(&in);
}

/* A token as the auth service issues it (docs/api.md, authentication). */
static char *
auth_service_claims(const char *extra)
{
	char sub[UUID_STR_LEN], *c;
	long now;

	uuid4(sub);
	now = (long)time(NULL);
	if (asprintf(&c,
		"{\"sub\":\"%s\",\"email\":\"ana@example.com\",\"role\":"
		"\"superadmin\",\"provider\":\"local\",\"iat\":%ld,"
		"\"exp\":%ld%s}",
		sub, now, now + TOK_TTL, extra) == -1)
		cr_assert_fail("out of memory");
	return (c);
}

static void
expect_typed(const char *header, const char *extra, int status,
    const char *detail)
{
	char *claims, *tok;

	claims = auth_service_claims(extra);
	tok = tok_header(header, claims);
	expect_twice(tok, status, detail);
	free(tok);
	free(claims);
}

#define H_JWT "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

Test(auth_access_type, kind_must_be_jwt_access_type, .timeout = 60)
{
	static const char *const env[] = { "JWT_ACCESS_TYPE", "access", NULL };
	static const char *const refused[] = { ",\"type\":\"refresh\"",
		",\"token_type\":\"refresh\"",
		",\"type\":\"access\",\"token_type\":\"refresh\"",
		",\"token_type\":\"Access\"", ",\"type\":null" };
	struct instance in;
	size_t i;

	instance_start(&in, env);
	/* the auth service's access tokens state no kind: accepted */
	expect_typed(H_JWT, "", 404, "Customer not found");
	expect_typed("{\"alg\":\"HS256\"}", "", 404, "Customer not found");
	expect_typed(H_JWT, ",\"type\":\"access\"", 404, "Customer not found");
	expect_typed(H_JWT, ",\"token_type\":\"access\"", 404,
	    "Customer not found");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_typed(H_JWT, refused[i], 401,
		    "Invalid authentication token");
	/* the header's typ: another string, or not a string */
	expect_typed("{\"alg\":\"HS256\",\"typ\":\"refresh\"}", "", 401,
	    "Invalid authentication token");
	expect_typed("{\"alg\":\"HS256\",\"typ\":[\"refresh\"]}", "", 401,
	    "Invalid authentication token");
	expect_typed("{\"alg\":\"HS256\",\"typ\":5}", "", 401,
	    "Invalid authentication token");
	instance_stop(&in);
	instance_expect_clean(&in);
}
