/*
 * A small direct-mapped cache: the slot is chosen by a hash of the token,
 * a colliding token replaces the previous one. Memory is bounded
 * (TOKEN_CACHE_SLOTS copies of at most TOKEN_CACHE_MAXLEN bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "model/token_cache.h"

struct slot {
	char *token; /* owned copy */
	struct claims claims;
};

static struct slot slots[TOKEN_CACHE_SLOTS];

static size_t slot_of(const char *);

static size_t
slot_of(const char *token)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *token != '\0'; token++) {
		h ^= (unsigned char)*token;
		h *= 0x100000001b3ULL;
	}
	return ((size_t)(h % TOKEN_CACHE_SLOTS));
}

int
token_cache_get(const char *token, time_t now, struct claims *out)
{
	struct slot *s;

	s = &slots[slot_of(token)];
	if (s->token == NULL || strcmp(s->token, token) != 0)
		return (0);
	if (now >= s->claims.expires) {
		free(s->token);
		memset(s, 0, sizeof(*s));
		return (0);
	}
	*out = s->claims;
	return (1);
}

void
token_cache_put(const char *token, const struct claims *claims)
{
	struct slot *s;
	char *copy;

	if (strlen(token) > TOKEN_CACHE_MAXLEN ||
	    (copy = strdup(token)) == NULL)
		return;
	s = &slots[slot_of(token)];
	free(s->token);
	s->token = copy;
	s->claims = *claims;
}

void
token_cache_clear(void)
{
	size_t i;

	for (i = 0; i < TOKEN_CACHE_SLOTS; i++) {
		free(slots[i].token);
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}
