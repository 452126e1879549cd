/*
 * uuid.c, which reads path, query, body and claim UUIDs: a parsed UUID is
 * canonical and parses to itself; a refusal has a reason of bounded length
 * and every form of a parsed UUID (plain, braces, urn, upper case) parses to
 * the same value.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[UUID_STRLEN], again[UUID_STRLEN], err[UUID_ERRLEN];
	char form[64], *in;
	size_t i, o;

	in = fuzz_cstr(data, size);
	memset(err, 0, sizeof(err));
	if (uuid_parse(in, out, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_ASSERT(!uuid_is_canonical(in));
		free(in);
		return (0);
	}
	FUZZ_ASSERT(uuid_is_canonical(out));
	FUZZ_ASSERT(uuid_parse(out, again, err, sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);

	/* the other spellings of the same value */
	(void)snprintf(form, sizeof(form), "{%s}", out);
	FUZZ_ASSERT(uuid_parse(form, again, err, sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	(void)snprintf(form, sizeof(form), "URN:uuid:%s", out);
	for (i = 9; form[i] != '\0'; i++)
		form[i] = (char)toupper((unsigned char)form[i]);
	FUZZ_ASSERT(uuid_parse(form, again, err, sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	for (i = 0, o = 0; out[i] != '\0'; i++) {
		if (out[i] != '-')
			form[o++] = out[i];
	}
	form[o] = '\0';
	FUZZ_ASSERT(uuid_parse(form, again, err, sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	free(in);
	return (0);
}
