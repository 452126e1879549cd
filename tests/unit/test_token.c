/*
 * token.c: real tokens signed with libjwt, then token_verify. The
 * algorithm is pinned, every claim is checked here (libjwt 1.10 checks
 * the signature only).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "model/token.h"
#include "support/unit.h"

#define SECRET "0123456789abcdef0123456789abcdef-unit-test-secret"
#define NOW 1700000000L
#define SUB "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b"
#define B1 "11111111-1111-4111-8111-111111111111"
#define B2 "22222222-2222-4222-8222-222222222222"

static char *sign(jwt_alg_t, const char *, const char *);
static char *hs256(const char *);
static char *hs256_header(const char *, const char *);
static void b64url(const void *, size_t, char *);
static enum token_result verify(const char *, struct claims *);
static enum token_result verify_with(const char *, const struct token_key *,
    struct claims *);
static enum token_result verify_grants(const char *, struct claims *);
static enum token_result verify_n_businesses(size_t, struct claims *);
static enum token_result verify_exp(const char *, struct claims *);
static void expect_leeway_ahead(const char *);

static struct token_key hs_key = { 0, SECRET, sizeof(SECRET) - 1, NULL, 0 };

/* A token with these grants (a JSON object), signed with key. */
static char *
sign(jwt_alg_t alg, const char *key, const char *grants)
{
	jwt_t *jwt;
	char *token;

	cr_assert_eq(jwt_new(&jwt), 0);
	cr_assert_eq(jwt_add_grants_json(jwt, grants), 0, "grants %s", grants);
	cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key,
			 key ? (int)strlen(key) : 0),
	    0);
	token = jwt_encode_str(jwt);
	cr_assert_not_null(token);
	jwt_free(jwt);
	return (token);
}

static char *
hs256(const char *grants)
{
	return (sign(JWT_ALG_HS256, SECRET, grants));
}

static void
b64url(const void *in, size_t len, char *out)
{
	size_t i, n;

	n = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
}

/*
 * HS256 over a header of the test's choosing: libjwt 1.10 always writes
 * its own "typ":"JWT", so a token that says another kind is built here.
 */
static char *
hs256_header(const char *header, const char *grants)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	char h[512], p[1024], sig[128], *signing, *token;

	cr_assert_lt(strlen(header), 360);
	cr_assert_lt(strlen(grants), 720);
	b64url(header, strlen(header), h);
	b64url(grants, strlen(grants), p);
	cr_assert(asprintf(&signing, "%s.%s", h, p) != -1);
	cr_assert_not_null(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
	    (unsigned char *)signing, strlen(signing), mac, &maclen));
	b64url(mac, maclen, sig);
	cr_assert(asprintf(&token, "%s.%s", signing, sig) != -1);
	free(signing);
	return (token);
}

static enum token_result
verify_with(const char *token, const struct token_key *key, struct claims *c)
{
	return (token_verify(token, key, NOW, c));
}

static enum token_result
verify(const char *token, struct claims *c)
{
	return (verify_with(token, &hs_key, c));
}

/* Signs the grants with HS256 and the right secret, then verifies. */
static enum token_result
verify_grants(const char *grants, struct claims *c)
{
	enum token_result rc;
	char *token;

	token = hs256(grants);
	rc = verify(token, c);
	free(token);
	return (rc);
}

#define EXP_OK "\"exp\":1700003600"

/* HS256 grants {sub, exp} with exp written as given (any JSON number). */
static enum token_result
verify_exp(const char *exp, struct claims *c)
{
	char grants[256];

	(void)snprintf(grants, sizeof(grants),
	    "{\"sub\":\"" SUB "\",\"exp\":%s}", exp);
	return (verify_grants(grants, c));
}

/* A claim (iat, nbf) up to the leeway ahead of our clock passes, not more. */
static void
expect_leeway_ahead(const char *claim)
{
	struct token_key k = hs_key;
	struct claims c;
	char grants[256], *token;

	k.leeway = 30;
	(void)snprintf(grants, sizeof(grants),
	    "{\"sub\":\"" SUB "\",\"%s\":1700000030," EXP_OK "}", claim);
	token = hs256(grants);
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK, "%s", claim);
	cr_assert_eq(verify(token, &c), TOKEN_INVALID, "%s", claim);
	free(token);
	(void)snprintf(grants, sizeof(grants),
	    "{\"sub\":\"" SUB "\",\"%s\":1700000031," EXP_OK "}", claim);
	token = hs256(grants);
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID, "%s", claim);
	free(token);
}

Test(token, valid_hs256)
{
	struct claims c;

	cr_assert_eq(
	    verify_grants(
		"{\"sub\":\"" SUB "\",\"role\":\"client\","
		"\"email\":\"ana@example.com\",\"iat\":1699999000," EXP_OK "}",
		&c),
	    TOKEN_OK);
	cr_assert_str_eq(c.sub, SUB);
	cr_assert_eq(c.role, ROLE_CUSTOMER);
	cr_assert_eq(c.nbusinesses, 0);
}

Test(token, sub_written_canonical)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"{3F2A6C1E-9B4D-4E2F-8A7B-"
				   "0C1D2E3F4A5B}\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_str_eq(c.sub, SUB);
	cr_assert_eq(verify_grants("{\"sub\":\"3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b"
				   "\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_str_eq(c.sub, SUB);
}

Test(token, empty_and_garbage)
{
	struct claims c;

	cr_assert_eq(verify("", &c), TOKEN_INVALID);
	cr_assert_eq(verify(NULL, &c), TOKEN_INVALID);
	cr_assert_eq(verify("abc", &c), TOKEN_INVALID);
	cr_assert_eq(verify("a.b.c", &c), TOKEN_INVALID);
	cr_assert_eq(verify("..", &c), TOKEN_INVALID);
}

Test(token, no_key_configured_refuses_everything)
{
	struct token_key k = { 0, NULL, 0, NULL, 0 };
	struct claims c;
	char *token;

	token = sign(JWT_ALG_NONE, NULL, "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);
	token = hs256("{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	k.key = "";
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);
}

Test(token, alg_none_refused)
{
	struct claims c;
	char *token;

	token = sign(JWT_ALG_NONE, NULL, "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);
}

Test(token, other_hmac_algorithms_with_the_same_secret_refused)
{
	struct claims c;
	char *token;
	jwt_t *jwt;

	token = sign(JWT_ALG_HS384, SECRET, "{\"sub\":\"" SUB "\"," EXP_OK "}");
	/* the signature itself is good: only the pin refuses it */
	cr_assert_eq(jwt_decode(&jwt, token, (const unsigned char *)SECRET,
			 (int)strlen(SECRET)),
	    0);
	jwt_free(jwt);
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);

	token = sign(JWT_ALG_HS512, SECRET, "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);
}

Test(token, wrong_key)
{
	struct claims c;
	char *token;

	token = sign(JWT_ALG_HS256, "another-secret-of-sufficient-length!!",
	    "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);
}

Test(token, tampered_payload)
{
	struct claims c;
	char *a, *b, *forged, *dot_a, *dot_b;

	a = hs256("{\"sub\":\"" SUB "\",\"role\":\"client\"," EXP_OK "}");
	b = hs256("{\"sub\":\"" SUB "\",\"role\":\"superadmin\"," EXP_OK "}");
	cr_assert_eq(verify(a, &c), TOKEN_OK);
	cr_assert_eq(verify(b, &c), TOKEN_OK);

	/* b's header and payload with a's signature */
	dot_a = strrchr(a, '.');
	dot_b = strrchr(b, '.');
	cr_assert(
	    asprintf(&forged, "%.*s%s", (int)(dot_b - b), b, dot_a) != -1);
	cr_assert_eq(verify(forged, &c), TOKEN_INVALID);
	free(forged);

	/* and no signature at all */
	cr_assert(asprintf(&forged, "%.*s.", (int)(dot_b - b), b) != -1);
	cr_assert_eq(verify(forged, &c), TOKEN_INVALID);
	free(forged);
	free(a);
	free(b);
}

Test(token, expired)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1699999999}",
			 &c),
	    TOKEN_EXPIRED);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":0}", &c),
	    TOKEN_EXPIRED);
}

/* RFC 7519 4.1.4: valid only while now < exp; the second exp is past it. */
Test(token, exp_equal_to_now_is_expired)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1700000000}",
			 &c),
	    TOKEN_EXPIRED);
}

Test(token, exp_one_second_ahead_is_valid)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1700000001}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(c.expires, 1700000001);
}

Test(token, float_exp)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1700000000.5}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1699999999.5}",
			 &c),
	    TOKEN_EXPIRED);
}

Test(token, missing_exp)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\"}", &c), TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":null}", &c),
	    TOKEN_INVALID);
}

Test(token, non_numeric_exp)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\","
				   "\"exp\":\"1700003600\"}",
			 &c),
	    TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":true}", &c),
	    TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":[1]}", &c),
	    TOKEN_INVALID);
}

Test(token, nbf)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"nbf\":1700000001," EXP_OK "}",
			 &c),
	    TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"nbf\":1700000000," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"nbf\":1699990000.5," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"nbf\":\"soon\"," EXP_OK "}",
			 &c),
	    TOKEN_INVALID);
}

Test(token, non_numeric_iat)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"iat\":\"now\"," EXP_OK "}",
			 &c),
	    TOKEN_INVALID);
}

/*
 * exp is any JSON number: each must give a defined expiry (a double cast
 * to time_t out of its range is undefined; UBSan's float-cast-overflow
 * reports it, see the Makefile).
 */
Test(token, expires_defined_for_every_double)
{
	static const struct {
		double exp;
		long leeway;
		time_t want;
	} cases[] = {
		{ 1700000000.0, 0, 1700000000 },
		{ 1700000000.5, 0, 1700000001 },
		{ 1700000000.0, 30, 1700000030 },
		{ 0.0, 0, 0 },
		{ -0.5, 0, 0 },
		{ -1.0, 0, -1 },
		{ 9223372036854774784.0, 0, 9223372036854774784 },
		{ 9223372036854775807.0, 0, INT64_MAX }, /* rounds to 2^63 */
		{ 9223372036854774784.0, 3600, INT64_MAX },
		{ 1e19, 0, INT64_MAX },
		{ 1e308, 3600, INT64_MAX },
		{ INFINITY, 0, INT64_MAX },
		{ -9223372036854775808.0, 0, INT64_MIN },
		{ -1e308, 0, INT64_MIN },
		{ -INFINITY, 0, INT64_MIN },
		{ NAN, 0, INT64_MIN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(token_expires(cases[i].exp, cases[i].leeway),
		    cases[i].want, "exp %.17g leeway %ld: %jd", cases[i].exp,
		    cases[i].leeway,
		    (intmax_t)token_expires(cases[i].exp, cases[i].leeway));
}

Test(token, huge_exp_never_expires)
{
	static const char *const exps[] = { "1e308", "9223372036854775807",
		"9.3e18", "1.7976931348623157e308" };
	struct claims c;
	size_t i;

	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		cr_assert_eq(verify_exp(exps[i], &c), TOKEN_OK, "%s", exps[i]);
		cr_assert_eq(c.expires, INT64_MAX, "%s", exps[i]);
	}
}

Test(token, negative_exp_expired)
{
	static const char *const exps[] = { "-1", "-1e308",
		"-9223372036854775808", "-0.5" };
	struct claims c;
	size_t i;

	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		cr_assert_eq(verify_exp(exps[i], &c), TOKEN_EXPIRED, "%s",
		    exps[i]);
	}
}

/* Beyond a double, or beyond jansson's integers: not a number at all. */
Test(token, exp_out_of_json_range_invalid)
{
	struct claims c;
	char *token;

	token = hs256_header("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    "{\"sub\":\"" SUB "\",\"exp\":1e400}");
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);
	token = hs256_header("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    "{\"sub\":\"" SUB "\",\"exp\":9223372036854775808}");
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);
}

Test(token, iat)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"iat\":1700000000," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"iat\":1700000001," EXP_OK "}",
			 &c),
	    TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"iat\":1700000000.5," EXP_OK "}",
			 &c),
	    TOKEN_INVALID);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"iat\":1e308," EXP_OK
				   "}",
			 &c),
	    TOKEN_INVALID);

	/* a clock up to the leeway ahead of ours is tolerated, not more */
	expect_leeway_ahead("iat");
}

Test(token, issuer_unchecked_when_not_configured)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"iss\":\"anyone\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
}

Test(token, issuer_when_configured)
{
	static const struct {
		const char *iss;
		enum token_result want;
	} cases[] = {
		{ ",\"iss\":\"https://auth.example\"", TOKEN_OK },
		{ "", TOKEN_INVALID },
		{ ",\"iss\":\"https://evil.example\"", TOKEN_INVALID },
		{ ",\"iss\":\"https://auth.example/\"", TOKEN_INVALID },
		{ ",\"iss\":\"https://auth.exampl\"", TOKEN_INVALID },
		{ ",\"iss\":\"HTTPS://AUTH.EXAMPLE\"", TOKEN_INVALID },
		{ ",\"iss\":[\"https://auth.example\"]", TOKEN_INVALID },
		{ ",\"iss\":null", TOKEN_INVALID },
		{ ",\"iss\":1", TOKEN_INVALID },
	};
	struct token_key k = hs_key;
	struct claims c;
	char grants[256], *token;
	size_t i;

	k.issuer = "https://auth.example";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(grants, sizeof(grants),
		    "{\"sub\":\"" SUB "\"," EXP_OK "%s}", cases[i].iss);
		token = hs256(grants);
		cr_assert_eq(verify_with(token, &k, &c), cases[i].want, "%s",
		    grants);
		free(token);
	}
}

/* Signs header and grants by hand, verifies with JWT_ACCESS_TYPE=access. */
static enum token_result
verify_typed(const char *header, const char *claims)
{
	struct token_key k = hs_key;
	struct claims c;
	enum token_result rc;
	char grants[256], *token;

	k.access_type = "access";
	(void)snprintf(grants, sizeof(grants),
	    "{\"sub\":\"" SUB "\"," EXP_OK "%s}", claims);
	token = hs256_header(header, grants);
	rc = verify_with(token, &k, &c);
	free(token);
	return (rc);
}

#define H_JWT "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

Test(token, access_type_in_the_claims)
{
	static const struct {
		const char *claims;
		enum token_result want;
	} cases[] = {
		/* the auth service's access tokens say nothing: accepted */
		{ "", TOKEN_OK },
		{ ",\"type\":\"access\"", TOKEN_OK },
		{ ",\"token_type\":\"access\"", TOKEN_OK },
		{ ",\"type\":\"access\",\"token_type\":\"access\"", TOKEN_OK },
		{ ",\"type\":\"refresh\"", TOKEN_INVALID },
		{ ",\"token_type\":\"refresh\"", TOKEN_INVALID },
		{ ",\"type\":\"access\",\"token_type\":\"refresh\"",
		    TOKEN_INVALID },
		{ ",\"type\":\"refresh\",\"token_type\":\"access\"",
		    TOKEN_INVALID },
		{ ",\"type\":\"Access\"", TOKEN_INVALID },
		{ ",\"type\":\"access \"", TOKEN_INVALID },
		{ ",\"type\":\"\"", TOKEN_INVALID },
		{ ",\"type\":null", TOKEN_INVALID },
		{ ",\"token_type\":[\"access\"]", TOKEN_INVALID },
		{ ",\"token_type\":1", TOKEN_INVALID },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(verify_typed(H_JWT, cases[i].claims),
		    cases[i].want, "%s", cases[i].claims);
}

Test(token, access_type_in_the_header)
{
	static const struct {
		const char *header;
		enum token_result want;
	} cases[] = {
		/* the generic media type, written by every library */
		{ H_JWT, TOKEN_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", TOKEN_OK },
		{ "{\"alg\":\"HS256\"}", TOKEN_OK },
		/* libjwt 1.10 refuses any other string before we look */
		{ "{\"alg\":\"HS256\",\"typ\":\"refresh\"}", TOKEN_INVALID },
		{ "{\"alg\":\"HS256\",\"typ\":\"access\"}", TOKEN_INVALID },
		/* what reaches us: not a string, so not the configured kind */
		{ "{\"alg\":\"HS256\",\"typ\":[\"refresh\"]}", TOKEN_INVALID },
		{ "{\"alg\":\"HS256\",\"typ\":{\"kind\":\"refresh\"}}",
		    TOKEN_INVALID },
		{ "{\"alg\":\"HS256\",\"typ\":5}", TOKEN_INVALID },
		{ "{\"alg\":\"HS256\",\"typ\":null}", TOKEN_INVALID },
		{ "{\"alg\":\"HS256\",\"typ\":true}", TOKEN_INVALID },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(verify_typed(cases[i].header, ""), cases[i].want,
		    "%s", cases[i].header);
}

/* Without JWT_ACCESS_TYPE nothing about the kind is looked at. */
Test(token, access_type_unchecked_when_not_configured)
{
	struct claims c;
	char *token;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"type\":\"refresh\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	token = hs256_header("{\"alg\":\"HS256\",\"typ\":[\"refresh\"]}",
	    "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify(token, &c), TOKEN_OK);
	free(token);
}

Test(token, leeway)
{
	struct token_key k = hs_key;
	struct claims c;
	char *token;

	k.leeway = 30;
	token = hs256("{\"sub\":\"" SUB "\",\"exp\":1699999971}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	cr_assert_eq(c.expires, 1700000001);
	cr_assert_eq(verify(token, &c), TOKEN_EXPIRED);
	free(token);

	/* now == exp + leeway: expired, as exp == now without leeway */
	token = hs256("{\"sub\":\"" SUB "\",\"exp\":1699999970}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_EXPIRED);
	free(token);

	expect_leeway_ahead("nbf");
}

Test(token, sub_missing_or_not_a_uuid)
{
	struct claims c;

	cr_assert_eq(verify_grants("{" EXP_OK "}", &c), TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"ana\"," EXP_OK "}", &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"\"," EXP_OK "}", &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"3f2a6c1e-9b4d-4e2f-8a7b-"
				   "0c1d2e3f4a5\"," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
}

Test(token, expiry_is_checked_before_the_payload)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"ana\",\"exp\":1}", &c),
	    TOKEN_EXPIRED);
}

Test(token, role_absent_is_customer)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\"," EXP_OK "}", &c),
	    TOKEN_OK);
	cr_assert_eq(c.role, ROLE_CUSTOMER);
}

Test(token, roles)
{
	static const struct {
		const char *name;
		enum role role;
	} cases[] = {
		{ "customer", ROLE_CUSTOMER },
		{ "client", ROLE_CUSTOMER },
		{ "admin_business", ROLE_ADMIN },
		{ "admin_manager", ROLE_ADMIN },
		{ "superadmin", ROLE_SUPERADMIN },
		{ "internal", ROLE_INTERNAL },
		{ "courier", ROLE_OTHER },
		{ "collaborator", ROLE_OTHER },
		{ "admin", ROLE_OTHER },
		{ "administrator", ROLE_OTHER },
		{ "Admin_Business", ROLE_OTHER },
		{ "superadmin ", ROLE_OTHER },
		{ "", ROLE_OTHER },
	};
	struct claims c;
	char grants[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(grants, sizeof(grants),
		    "{\"sub\":\"" SUB "\","
		    "\"role\":\"%s\"," EXP_OK "}",
		    cases[i].name);
		cr_assert_eq(verify_grants(grants, &c), TOKEN_OK, "%s",
		    cases[i].name);
		cr_assert_eq(c.role, cases[i].role, "role %s", cases[i].name);
		cr_assert_eq(token_role(cases[i].name), cases[i].role);
	}
}

Test(token, non_string_role)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":1," EXP_OK
				   "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":[\"admin_"
				   "business\"]," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":true," EXP_OK
				   "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
}

/* docs/api.md: `role` a string, `customer` only when absent. */
Test(token, null_role_is_not_a_string)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":null," EXP_OK
				   "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
}

Test(token, business_id)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":\"admin_"
				   "business\",\"business_id\":\"" B1
				   "\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(c.role, ROLE_ADMIN);
	cr_assert_eq(c.nbusinesses, 1);
	cr_assert_str_eq(c.businesses[0], B1);
	cr_assert(claims_has_business(&c, B1));
	cr_assert_not(claims_has_business(&c, B2));
}

Test(token, business_id_written_canonical)
{
	struct claims c;

	cr_assert_eq(
	    verify_grants("{\"sub\":\"" SUB "\",\"business_id\":"
			  "\"22222222222242228222222222222222\"," EXP_OK "}",
		&c),
	    TOKEN_OK);
	cr_assert_str_eq(c.businesses[0], B2);
}

Test(token, business_ids)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"role\":\"admin_"
				   "manager\",\"business_ids\":[\"" B1
				   "\",\"{22222222-2222-4222-8222-"
				   "222222222222}\"]," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(c.nbusinesses, 2);
	cr_assert_str_eq(c.businesses[0], B1);
	cr_assert_str_eq(c.businesses[1], B2);
	cr_assert(claims_has_business(&c, B2));
}

Test(token, business_id_and_business_ids_together)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"business_id\":\"" B1
				   "\",\"business_ids\":[\"" B2 "\"]," EXP_OK
				   "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(c.nbusinesses, 2);
	cr_assert(claims_has_business(&c, B1));
	cr_assert(claims_has_business(&c, B2));
}

Test(token, empty_or_null_business_claims)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"business_ids\":[],"
				   "\"business_id\":null," EXP_OK "}",
			 &c),
	    TOKEN_OK);
	cr_assert_eq(c.nbusinesses, 0);
}

static enum token_result
verify_n_businesses(size_t n, struct claims *c)
{
	enum token_result rc;
	char *grants, *p;
	size_t i;

	grants = malloc(128 + n * 40);
	cr_assert_not_null(grants);
	p = grants +
	    sprintf(grants,
		"{\"sub\":\"" SUB "\",\"role\":\"admin_"
		"business\"," EXP_OK ",\"business_ids\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"00000000-0000-4000-8000-%012zx\"",
		    i ? "," : "", i);
	(void)memcpy(p, "]}", sizeof("]}"));
	rc = verify_grants(grants, c);
	free(grants);
	return (rc);
}

Test(token, business_ids_at_most_64)
{
	struct claims c;

	cr_assert_eq(verify_n_businesses(64, &c), TOKEN_OK);
	cr_assert_eq(c.nbusinesses, 64);
	cr_assert_str_eq(c.businesses[63],
	    "00000000-0000-4000-8000-"
	    "00000000003f");
	cr_assert_eq(verify_n_businesses(65, &c), TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_n_businesses(1000, &c), TOKEN_BAD_PAYLOAD);
}

Test(token, malformed_business_claims)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"business_ids\":[\"" B1
				   "\",\"nope\"]," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"business_ids\":[1]," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"business_ids\":\"" B1
				   "\"," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"business_id\":"
				   "\"nope\"," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"business_id\":7," EXP_OK "}",
			 &c),
	    TOKEN_BAD_PAYLOAD);
}

Test(token, audience_unchecked_when_not_configured)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB
				   "\",\"aud\":\"anything\"," EXP_OK "}",
			 &c),
	    TOKEN_OK);
}

Test(token, audience_when_configured)
{
	struct token_key k = hs_key;
	struct claims c;
	char *token;

	k.audience = "bee-customers";
	token =
	    hs256("{\"sub\":\"" SUB "\",\"aud\":\"bee-customers\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	free(token);

	token = hs256("{\"sub\":\"" SUB "\",\"aud\":[\"bee-orders\","
		      "\"bee-customers\"]," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	free(token);

	token =
	    hs256("{\"sub\":\"" SUB "\",\"aud\":\"bee-orders\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);

	token =
	    hs256("{\"sub\":\"" SUB "\",\"aud\":[\"bee-orders\"]," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);

	token = hs256("{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);

	token = hs256(
	    "{\"sub\":\"" SUB "\",\"aud\":\"bee-customers-x\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);
}

Test(token, rs256, .timeout = 30)
{
	struct token_key k = { 1, NULL, 0, NULL, 0 };
	struct claims c;
	char *priv, *pub, *priv2, *pub2, *token;

	unit_rsa_pem(&priv, &pub);
	unit_rsa_pem(&priv2, &pub2);
	k.key = pub;
	k.key_len = strlen(pub);

	token = sign(JWT_ALG_RS256, priv,
	    "{\"sub\":\"" SUB "\",\"role\":"
	    "\"superadmin\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	cr_assert_eq(c.role, ROLE_SUPERADMIN);
	cr_assert_str_eq(c.sub, SUB);
	/* the HS256 configuration refuses it */
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);

	/* signed by another key pair */
	token = sign(JWT_ALG_RS256, priv2, "{\"sub\":\"" SUB "\"," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);

	/* claims are still checked */
	token = sign(JWT_ALG_RS256, priv,
	    "{\"sub\":\"" SUB "\","
	    "\"exp\":1699999999}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_EXPIRED);
	free(token);

	free(priv);
	free(pub);
	free(priv2);
	free(pub2);
}

/*
 * The key-confusion attack: the public key is public, so anyone can
 * make an HS256 token whose HMAC secret is its PEM text. libjwt 1.10
 * lets the token's header choose the algorithm and verifies it.
 */
Test(token, key_confusion_refused, .timeout = 30)
{
	struct token_key k = { 1, NULL, 0, NULL, 0 };
	struct claims c;
	char *priv, *pub, *token;
	jwt_t *jwt;

	unit_rsa_pem(&priv, &pub);
	k.key = pub;
	k.key_len = strlen(pub);
	token = sign(JWT_ALG_HS256, pub,
	    "{\"sub\":\"" SUB "\",\"role\":"
	    "\"superadmin\"," EXP_OK "}");
	/* libjwt alone accepts it */
	cr_assert_eq(jwt_decode(&jwt, token, (const unsigned char *)pub,
			 (int)strlen(pub)),
	    0);
	jwt_free(jwt);
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);
	free(priv);
	free(pub);
}
