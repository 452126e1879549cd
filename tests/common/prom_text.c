/* Plain libc: linked by the unit and the end-to-end tests alike. */
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

double
prom_sample(const char *text, const char *series)
{
	const char *p;
	size_t n;

	n = strlen(series);
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, series, n) && p[n] == ' ')
			return (strtod(p + n + 1, NULL));
	}
	return (-1);
}
