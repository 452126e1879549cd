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
 * The common case without a round trip through a double: a plain decimal
 * of at most 15 significant digits and an exponent from -4 to 14, such
 * as every numeric(10, 2). %.15g gives back exactly its digits, in fixed
 * notation, without trailing zeros, so the answer is the text itself,
 * trimmed, with ".0" when no fraction is left. In a list page's 20 rows
 * the strtod and snprintf calls of the general case were an eighth of
 * the worker's CPU (perf, docs/benchmark.md). 0 when the text is not of
 * that form: the caller takes the general case.
 */
static int
plain_decimal(const char *in, char *out, size_t outlen)
{
	const char *p, *dot, *last;
	size_t ilen, n, sig, zeros;

	p = in + (*in == '-');
	for (ilen = 0; isdigit((unsigned char)p[ilen]); ilen++)
		;
	if (ilen == 0 || (ilen > 1 && p[0] == '0'))
		return (0);
	dot = p + ilen;
	last = dot; /* one past the last digit kept */
	if (*dot == '.') {
		for (n = 1; isdigit((unsigned char)dot[n]); n++) {
			if (dot[n] != '0')
				last = dot + n + 1;
		}
		if (n == 1 || dot[n] != '\0')
			return (0);
	} else if (*dot != '\0') {
		return (0);
	}
	/* the digits kept, less "0." and its zeros (p[0] '0': ilen is 1) */
	sig = (size_t)(last - p);
	zeros = 0;
	if (last > dot) {
		sig--;
		if (p[0] == '0') {
			zeros = strspn(dot + 1, "0");
			sig -= 1 + zeros;
		}
	}
	if (ilen > 15 || sig > 15 || zeros > 3)
		return (0);
	n = (size_t)(last - in);
	if (n + 3 > outlen)
		return (0);
	memcpy(out, in, n);
	if (last == dot)
		memcpy(out + n, ".0", 3);
	else
		out[n] = '\0';
	return (1);
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

	if (plain_decimal(in, out, outlen))
		return (0);
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
