/*
 * dotenv.c, the `.env` file. Every key read is non-empty, without
 * surrounding blanks or '='; a value holds no newline; and the pairs,
 * written back quoted one a line, read back as the same pairs.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/dotenv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *render(const struct dotenv *);

/* `export KEY="value"` lines; NULL when a value holds both quotes. */
static char *
render(const struct dotenv *env)
{
	char *text, *p;
	size_t i, cap;
	int q, n;

	cap = 1;
	for (i = 0; i < env->count; i++)
		cap += strlen(env->pairs[i].key) + strlen(env->pairs[i].value) +
		    12;
	if ((text = malloc(cap)) == NULL)
		abort();
	p = text;
	*p = '\0';
	for (i = 0; i < env->count; i++) {
		q = strchr(env->pairs[i].value, '"') == NULL ? '"' : '\'';
		if (strchr(env->pairs[i].value, q) != NULL) {
			free(text);
			return (NULL);
		}
		n = snprintf(p, cap - (size_t)(p - text), "export %s=%c%s%c\n",
		    env->pairs[i].key, q, env->pairs[i].value, q);
		FUZZ_ASSERT(n > 0 && (size_t)n < cap - (size_t)(p - text));
		p += n;
	}
	return (text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv env, back;
	const char *k;
	char *text, *again;
	size_t i, klen;

	text = fuzz_cstr(data, size);
	memset(&env, 0, sizeof(env));
	if (dotenv_parse(&env, text) == -1) {
		FUZZ_ASSERT(env.count == 0 && env.pairs == NULL);
		FUZZ_ASSERT(env.error[0] != '\0');
		free(text);
		return (0);
	}
	for (i = 0; i < env.count; i++) {
		k = env.pairs[i].key;
		klen = strlen(k);
		FUZZ_ASSERT(klen > 0 && strchr(k, '=') == NULL);
		FUZZ_ASSERT(!isspace((unsigned char)k[0]));
		FUZZ_ASSERT(!isspace((unsigned char)k[klen - 1]));
		FUZZ_ASSERT(strchr(env.pairs[i].value, '\n') == NULL);
	}

	if ((again = render(&env)) != NULL) {
		memset(&back, 0, sizeof(back));
		FUZZ_ASSERT(dotenv_parse(&back, again) == 0);
		FUZZ_ASSERT(back.count == env.count);
		for (i = 0; i < env.count; i++) {
			FUZZ_ASSERT(
			    !strcmp(back.pairs[i].key, env.pairs[i].key));
			FUZZ_ASSERT(
			    !strcmp(back.pairs[i].value, env.pairs[i].value));
		}
		dotenv_free(&back);
		free(again);
	}
	dotenv_free(&env);
	free(text);
	return (0);
}
