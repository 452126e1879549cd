/* token_cache.c: verified tokens remembered until they expire. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "token_cache.h"

static struct claims
admin(void)
{
	struct claims c;

	memset(&c, 0, sizeof(c));
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
	token_cache_put("tok.a.b", 2000, &in);
	cr_assert(token_cache_get("tok.a.b", 1000, &out));
	cr_assert_str_eq(out.sub, in.sub);
	cr_assert_eq(out.role, ROLE_ADMIN);
	cr_assert_str_eq(out.businesses[0], in.businesses[0]);
	cr_assert(token_cache_get("tok.a.b", 2000, &out));
	/* past its expiry the token must be verified again */
	cr_assert_not(token_cache_get("tok.a.b", 2001, &out));
	cr_assert_not(token_cache_get("tok.a.b", 1000, &out));
}

Test(token_cache, only_identical_tokens_hit)
{
	struct claims in, out;

	in = admin();
	token_cache_put("tok.a.b", 2000, &in);
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
	token_cache_put(tok, 2000, &in);
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
		token_cache_put(tok, 2000, &in);
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
