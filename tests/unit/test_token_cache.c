/* token_cache.c: verified tokens remembered until they expire. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/token_cache.h"

static struct claims
admin(void)
{
	struct claims c;

	memset(&c, 0, sizeof(c));
	c.expires = 2000;
	memcpy(c.sub, "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b", UUID_STRLEN);
	c.role = ROLE_ADMIN;
	c.nbusinesses = 1;
	memcpy(c.businesses[0], "11111111-1111-4111-8111-111111111111",
	    UUID_STRLEN);
	return (c);
}

TestSuite(token_cache, .fini = token_cache_clear);

Test(token_cache, remembers_until_expiry)
{
	struct claims in, out;

	in = admin();
	cr_assert_not(token_cache_get("tok.a.b", 1000, &out));
	token_cache_put("tok.a.b", &in);
	cr_assert(token_cache_get("tok.a.b", 1000, &out));
	cr_assert_str_eq(out.sub, in.sub);
	cr_assert_eq(out.role, ROLE_ADMIN);
	cr_assert_str_eq(out.businesses[0], in.businesses[0]);
	cr_assert(token_cache_get("tok.a.b", 1999, &out));
	/* at its expiry the token must be verified again (and is refused) */
	cr_assert_not(token_cache_get("tok.a.b", 2000, &out));
	cr_assert_not(token_cache_get("tok.a.b", 1000, &out));
}

/*
 * The cache and token_verify() refuse a token from the same second on:
 * exp == now is expired (RFC 7519 4.1.4) whether or not it was cached.
 */
Test(token_cache, expires_at_the_second_of_exp)
{
	static const struct {
		double exp;
		long leeway;
	} cases[] = {
		{ 2000.0, 0 },
		{ 1999.5, 0 },
		{ 1970.0, 30 },
		{ 1969.25, 30 },
	};
	struct claims in, out;
	size_t i;

	in = admin();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.expires = token_expires(cases[i].exp, cases[i].leeway);
		token_cache_put("tok.a.b", &in);
		cr_assert(token_cache_get("tok.a.b", 1999, &out), "%g + %ld",
		    cases[i].exp, cases[i].leeway);
		cr_assert_not(token_cache_get("tok.a.b", 2000, &out),
		    "%g + %ld", cases[i].exp, cases[i].leeway);
	}
}

/* Whatever exp a token carried, its entry's expiry is a defined time_t. */
Test(token_cache, huge_and_negative_exp)
{
	struct claims in, out;

	in = admin();
	in.expires = token_expires(1e308, 3600);
	token_cache_put("tok.huge", &in);
	cr_assert(token_cache_get("tok.huge", 1000, &out));
	cr_assert(token_cache_get("tok.huge", INT64_MAX - 1, &out));
	cr_assert_not(token_cache_get("tok.huge", INT64_MAX, &out));

	in.expires = token_expires(-1e308, 0);
	token_cache_put("tok.neg", &in);
	cr_assert_not(token_cache_get("tok.neg", 0, &out));
	cr_assert_not(token_cache_get("tok.neg", INT64_MIN, &out));

	in.expires = token_expires(NAN, 0);
	token_cache_put("tok.nan", &in);
	cr_assert_not(token_cache_get("tok.nan", INT64_MIN, &out));
}

Test(token_cache, only_identical_tokens_hit)
{
	struct claims in, out;

	in = admin();
	token_cache_put("tok.a.b", &in);
	cr_assert_not(token_cache_get("tok.a.c", 1000, &out));
	cr_assert_not(token_cache_get("tok.a.", 1000, &out));
	cr_assert_not(token_cache_get("tok.a.bb", 1000, &out));
}

Test(token_cache, long_tokens_are_not_kept)
{
	struct claims in, out;
	char tok[TOKEN_CACHE_MAXLEN + 2];

	in = admin();
	memset(tok, 'x', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	token_cache_put(tok, &in);
	cr_assert_not(token_cache_get(tok, 1000, &out));
}

/* Many tokens: bounded slots, the newest of each slot wins. */
Test(token_cache, replaces_in_bounded_slots)
{
	struct claims in, out;
	char tok[32];
	int i, hits;

	in = admin();
	for (i = 0; i < TOKEN_CACHE_SLOTS * 4; i++) {
		(void)snprintf(tok, sizeof(tok), "token-%d", i);
		token_cache_put(tok, &in);
	}
	hits = 0;
	for (i = 0; i < TOKEN_CACHE_SLOTS * 4; i++) {
		(void)snprintf(tok, sizeof(tok), "token-%d", i);
		hits += token_cache_get(tok, 1000, &out);
	}
	cr_assert_leq(hits, TOKEN_CACHE_SLOTS);
	cr_assert_gt(hits, 0);
	(void)snprintf(tok, sizeof(tok), "token-%d", TOKEN_CACHE_SLOTS * 4 - 1);
	cr_assert(token_cache_get(tok, 1000, &out));
}
