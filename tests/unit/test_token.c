/*
 * token.c: real tokens signed with libjwt, then token_verify. The
 * algorithm is pinned, every claim is checked here (libjwt 1.10 checks
 * the signature only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jwt.h>

#include "token.h"
#include "support/unit.h"

#define SECRET "0123456789abcdef0123456789abcdef-unit-test-secret"
#define NOW 1700000000L
#define SUB "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b"
#define B1 "11111111-1111-4111-8111-111111111111"
#define B2 "22222222-2222-4222-8222-222222222222"

static char *sign(jwt_alg_t, const char *, const char *);
static char *hs256(const char *);
static enum token_result verify(const char *, struct claims *);
static enum token_result verify_with(const char *, const struct token_key *,
    struct claims *);
static enum token_result verify_grants(const char *, struct claims *);
static enum token_result verify_n_businesses(size_t, struct claims *);

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

Test(token, exp_equal_to_now_is_valid)
{
	struct claims c;

	cr_assert_eq(verify_grants("{\"sub\":\"" SUB "\",\"exp\":1700000000}",
			 &c),
	    TOKEN_OK);
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

Test(token, leeway)
{
	struct token_key k = hs_key;
	struct claims c;
	char *token;

	k.leeway = 30;
	token = hs256("{\"sub\":\"" SUB "\",\"exp\":1699999970}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	cr_assert_eq(verify(token, &c), TOKEN_EXPIRED);
	free(token);

	token = hs256("{\"sub\":\"" SUB "\",\"exp\":1699999969}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_EXPIRED);
	free(token);

	token = hs256("{\"sub\":\"" SUB "\",\"nbf\":1700000030," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_OK);
	cr_assert_eq(verify(token, &c), TOKEN_INVALID);
	free(token);

	token = hs256("{\"sub\":\"" SUB "\",\"nbf\":1700000031," EXP_OK "}");
	cr_assert_eq(verify_with(token, &k, &c), TOKEN_INVALID);
	free(token);
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

/* design.md section 3: `role` a string, `customer` only when absent. */
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
