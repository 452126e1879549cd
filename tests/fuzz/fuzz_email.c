/*
 * email.c, the rules of the customer's e-mail: an accepted address is at
 * most EMAIL_MAX bytes, has its @-sign, and normalises to itself (so a
 * stored address is accepted again as it is); a refused one has a reason
 * in ASCII (it goes into a 422 item) that fits its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/email.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[EMAIL_MAX + 1], again[EMAIL_MAX + 1], reason[160];
	const char *at;
	char *in;
	size_t i;

	in = fuzz_cstr(data, size);
	memset(reason, 0, sizeof(reason));
	if (email_normalize(in, out, sizeof(out), reason, sizeof(reason)) ==
	    -1) {
		FUZZ_ASSERT(reason[0] != '\0');
		FUZZ_ASSERT(memchr(reason, '\0', sizeof(reason)) != NULL);
		for (i = 0; reason[i] != '\0'; i++)
			FUZZ_ASSERT((unsigned char)reason[i] >= 0x20 &&
			    (unsigned char)reason[i] < 0x7f);
		free(in);
		return (0);
	}
	FUZZ_ASSERT(strlen(out) <= EMAIL_MAX);
	FUZZ_ASSERT((at = strrchr(out, '@')) != NULL);
	FUZZ_ASSERT(at != out && at[1] != '\0');
	/* what is stored is accepted again, unchanged */
	FUZZ_ASSERT(email_normalize(out, again, sizeof(again), reason,
			sizeof(reason)) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	free(in);
	return (0);
}
