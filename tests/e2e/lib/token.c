/*
 * Tokens are minted with libjwt exactly as a platform service would; the
 * claims are given as JSON so that a test can say what it means in one
 * line, floats and wrong types included (jwt_add_grants_json keeps them).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "env.h"
#include "token.h"
#include "uuid4.h"

static char *b64url(const char *, size_t);
static char *tok_sign(const char *, jwt_alg_t, const unsigned char *, size_t);
static void superadmin_claims(char *, size_t);

static char *
tok_sign(const char *claims, jwt_alg_t alg, const unsigned char *key,
    size_t keylen)
{
	jwt_t *j;
	char *out;
	int rc;

	cr_assert(jwt_new(&j) == 0);
	rc = jwt_add_grants_json(j, claims);
	cr_assert(rc == 0, "bad test claims: %s", claims);
	cr_assert(jwt_set_alg(j, alg, key, (int)keylen) == 0);
	out = jwt_encode_str(j);
	cr_assert(out != NULL, "jwt_encode_str failed");
	jwt_free(j);
	return (out);
}

/* Any claims, any HMAC alg (or JWT_ALG_NONE), signed with key or SECRET_KEY. */
char *
tok_claims(const char *claims, jwt_alg_t alg, const char *key)
{
	if (alg == JWT_ALG_NONE)
		return (tok_sign(claims, alg, NULL, 0));
	if (key == NULL)
		key = env_secret();
	return (tok_sign(claims, alg, (const unsigned char *)key, strlen(key)));
}

/*
 * libjwt 1.10 always writes "typ":"JWT" into the header: a token that
 * names another kind there (an RFC 9068 "at+jwt", a refresh token) is
 * signed here, as another issuer's library would.
 */
char *
tok_header(const char *header, const char *claims)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	const char *key;
	char *h, *p, *sig, *out;

	key = env_secret();
	h = b64url(header, strlen(header));
	p = b64url(claims, strlen(claims));
	if (asprintf(&out, "%s.%s", h, p) == -1)
		cr_assert_fail("out of memory");
	cr_assert(
	    HMAC(EVP_sha256(), key, (int)strlen(key),
		(const unsigned char *)out, strlen(out), mac, &maclen) != NULL);
	sig = b64url((const char *)mac, maclen);
	free(h);
	h = out;
	if (asprintf(&out, "%s.%s", h, sig) == -1)
		cr_assert_fail("out of memory");
	free(h);
	free(p);
	free(sig);
	return (out);
}

char *
tok_role(const char *role)
{
	char sub[UUID_STR_LEN];

	uuid4(sub);
	return (tok_sub(role, sub, NULL));
}

char *
tok_admin(const char *business_id)
{
	char sub[UUID_STR_LEN];

	uuid4(sub);
	return (tok_sub("admin_business", sub, business_id));
}

/* An admin of two businesses, by the business_ids array form. */
char *
tok_admin_multi(const char *b1, const char *b2)
{
	char sub[UUID_STR_LEN], claims[512];

	uuid4(sub);
	snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%s\",\"role\":\"admin_business\",\"business_ids\":"
	    "[\"%s\",\"%s\"],\"exp\":%ld}",
	    sub, b1, b2, (long)time(NULL) + TOK_TTL);
	return (tok_claims(claims, JWT_ALG_HS256, NULL));
}

/* The auth service's own customer role is "client"; "customer" is legacy. */
char *
tok_customer(const char *sub)
{
	return (tok_sub("customer", sub, NULL));
}

char *
tok_superadmin(void)
{
	return (tok_role("superadmin"));
}

char *
tok_internal(void)
{
	return (tok_role("internal"));
}

/* A fresh superadmin's claims, as tok_role("superadmin") signs them. */
static void
superadmin_claims(char *claims, size_t len)
{
	char sub[UUID_STR_LEN];

	uuid4(sub);
	snprintf(claims, len,
	    "{\"sub\":\"%s\",\"role\":\"superadmin\",\"exp\":%ld}", sub,
	    (long)time(NULL) + TOK_TTL);
}

char *
tok_alg_none(void)
{
	char claims[512];

	superadmin_claims(claims, sizeof(claims));
	return (tok_claims(claims, JWT_ALG_NONE, NULL));
}

char *
tok_wrong_key(void)
{
	char claims[512];

	superadmin_claims(claims, sizeof(claims));
	return (tok_claims(claims, JWT_ALG_HS256,
	    "not-the-service-secret-but-long-enough-0123456789"));
}

static char *
b64url(const char *in, size_t len)
{
	char *out;
	size_t i, n;

	out = malloc(4 * ((len + 2) / 3) + 1);
	cr_assert(out != NULL);
	n = (size_t)EVP_EncodeBlock((unsigned char *)out,
	    (const unsigned char *)in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return (out);
}

/*
 * A valid token whose payload is replaced by new_claims, re-encoded by hand
 * and keeping the original signature: what an attacker who edits a role
 * would send.
 */
char *
tok_tampered(const char *valid, const char *new_claims)
{
	const char *dot1, *dot2;
	char *payload, *out;

	dot1 = strchr(valid, '.');
	cr_assert(dot1 != NULL);
	dot2 = strchr(dot1 + 1, '.');
	cr_assert(dot2 != NULL);

	payload = b64url(new_claims, strlen(new_claims));
	if (asprintf(&out, "%.*s.%s%s", (int)(dot1 - valid), valid, payload,
		dot2) == -1)
		cr_assert_fail("out of memory");
	free(payload);
	return (out);
}

/* A token of role for sub, with business_id biz unless biz is NULL. */
char *
tok_sub(const char *role, const char *sub, const char *biz)
{
	char claims[512];

	if (biz != NULL)
		snprintf(claims, sizeof(claims),
		    "{\"sub\":\"%s\",\"role\":\"%s\",\"business_id\":\"%s\","
		    "\"exp\":%ld}",
		    sub, role, biz, (long)time(NULL) + TOK_TTL);
	else
		snprintf(claims, sizeof(claims),
		    "{\"sub\":\"%s\",\"role\":\"%s\",\"exp\":%ld}", sub, role,
		    (long)time(NULL) + TOK_TTL);
	return (tok_claims(claims, JWT_ALG_HS256, NULL));
}
