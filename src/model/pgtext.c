/* Timestamps and numerics from PostgreSQL's text, in the API's forms. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/pgtext.h"

int
pgtext_timestamp(const char *in, char out[PGTEXT_TS_LEN])
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	size_t i, frac;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)in[i]) :
				      in[i] != shape[i])
			return (-1);
	}
	memcpy(out, in, 19);
	out[10] = 'T';
	out[19] = '.';
	frac = 0;
	if (in[19] == '.') {
		for (; frac < 6 && isdigit((unsigned char)in[20 + frac]);
		     frac++)
			out[20 + frac] = in[20 + frac];
		if (frac == 0 || in[20 + frac] != '\0')
			return (-1);
	} else if (in[19] != '\0') {
		return (-1);
	}
	for (; frac < 6; frac++)
		out[20 + frac] = '0';
	out[26] = 'Z';
	out[27] = '\0';
	return (0);
}

/*
 * Python's repr of a float: the shortest of %.15g, %.16g, %.17g that reads
 * back as the same double, and ".0" when that looks like an integer.
 */
int
pgtext_pyfloat(const char *in, char *out, size_t outlen)
{
	char *end;
	double v;
	int prec, n;

	errno = 0;
	v = strtod(in, &end);
	if (end == in || *end != '\0' || errno != 0)
		return (-1);
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, outlen, "%.*g", prec, v);
		if (n < 0 || (size_t)n >= outlen)
			return (-1);
		if (strtod(out, NULL) == v)
			break;
	}
	if (strpbrk(out, ".eEn") == NULL) {
		if ((size_t)n + 3 > outlen)
			return (-1);
		memcpy(out + n, ".0", 3);
	}
	return (0);
}
