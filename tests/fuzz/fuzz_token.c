/*
 * token.c, the bearer token's claims. The input is signed as the payload
 * of an HS256 token with the configured secret (so that it reaches the
 * claim checks, past the signature), and is also tried as a token itself.
 * An accepted token has a canonical sub, a known role, at most
 * CLAIMS_MAX_BUSINESSES canonical businesses, each found by
 * claims_has_business, and an expiry second after now (exp == now is
 * expired).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "model/token.h"

#define SECRET "0123456789abcdef0123456789abcdef-fuzz-secret"
#define NOW 1700000000
/* base64url of {"alg":"HS256","typ":"JWT"} */
#define HEADER "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t b64url(const unsigned char *, size_t, char *);
static char *sign(const uint8_t *, size_t);
static void check(const char *, const struct token_key *);

/* Unpadded base64url of in into out (4 * ceil(n / 3) + 1 bytes). */
static size_t
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				  "opqrstuvwxyz0123456789-_";
	size_t i, o;
	uint32_t v;

	for (i = 0, o = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = tab[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
	return (o);
}

/* HEADER.payload.signature */
static char *
sign(const uint8_t *payload, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	size_t len;
	char *token;

	if ((token = malloc(sizeof(HEADER) + 1 + (n + 2) / 3 * 4 + 1 + 64)) ==
	    NULL)
		abort();
	len = sizeof(HEADER) - 1;
	(void)memcpy(token, HEADER ".", len + 1);
	len++;
	len += b64url(payload, n, token + len);
	maclen = 0;
	FUZZ_ASSERT(
	    HMAC(EVP_sha256(), SECRET, (int)sizeof(SECRET) - 1,
		(const unsigned char *)token, len, mac, &maclen) != NULL);
	token[len++] = '.';
	(void)b64url(mac, maclen, token + len);
	return (token);
}

static void
check(const char *token, const struct token_key *key)
{
	struct claims c;
	size_t i;

	if (token_verify(token, key, NOW, &c) != TOKEN_OK)
		return;
	FUZZ_ASSERT(uuid_is_canonical(c.sub));
	FUZZ_ASSERT(c.role >= ROLE_CUSTOMER && c.role <= ROLE_OTHER);
	/* accepted only while now < exp + leeway (RFC 7519 4.1.4) */
	FUZZ_ASSERT(c.expires > NOW);
	FUZZ_ASSERT(c.nbusinesses <= CLAIMS_MAX_BUSINESSES);
	for (i = 0; i < c.nbusinesses; i++) {
		FUZZ_ASSERT(uuid_is_canonical(c.businesses[i]));
		FUZZ_ASSERT(claims_has_business(&c, c.businesses[i]));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token_key key = { 0, SECRET, sizeof(SECRET) - 1, NULL, 30 };
	char *token;

	token = sign(data, size);
	check(token, &key);
	key.audience = "bee-customers";
	check(token, &key);
	key.issuer = "auth";
	key.access_type = "access";
	check(token, &key);
	free(token);

	token = fuzz_cstr(data, size);
	check(token, &key);
	free(token);
	return (0);
}
