/*
 * Plain libc, no test framework: the unit tests (Criterion) and the fuzz
 * harness (libFuzzer) both link it. A pattern that does not compile is a
 * broken build of the tests, hence abort().
 */
#include <regex.h>
#include <stdlib.h>

#include "phone_re.h"

static regex_t phone_re;
static int compiled;

int
phone_re_matches(const char *s)
{
	if (!compiled) {
		if (regcomp(&phone_re, PHONE_RE, REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		compiled = 1;
	}
	return (regexec(&phone_re, s, 0, NULL, 0) == 0);
}

void
phone_re_free(void)
{
	if (compiled) {
		regfree(&phone_re);
		compiled = 0;
	}
}
