/*
 * UUIDs from /dev/urandom rather than rand(): Criterion forks each test,
 * and forked children would share a seeded rand() state and collide.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "uuid4.h"

void
uuid4(char out[UUID_STR_LEN])
{
	FILE *fp;
	unsigned char b[16];
	size_t n;

	fp = fopen("/dev/urandom", "rb");
	cr_assert(fp != NULL, "cannot open /dev/urandom");
	n = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	cr_assert(n == sizeof(b), "short read from /dev/urandom");

	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;

	snprintf(out, UUID_STR_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

/* Lower-case, hyphenated: the only form the service may answer with. */
int
uuid_is_canonical(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}
