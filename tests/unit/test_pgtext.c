/* pgtext.c: PostgreSQL's text output in the API's forms. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/pgtext.h"

static void
ts(const char *in, const char *want)
{
	char out[PGTEXT_TS_LEN];

	if (want == NULL) {
		cr_assert_eq(pgtext_timestamp(in, out), -1, "accepted %s", in);
		return;
	}
	cr_assert_eq(pgtext_timestamp(in, out), 0, "refused %s", in);
	cr_assert_str_eq(out, want);
}

static void
pyfloat(const char *in, const char *want)
{
	char out[40];

	cr_assert_eq(pgtext_pyfloat(in, out, sizeof(out)), 0, "%s", in);
	cr_assert_str_eq(out, want);
}

Test(pgtext, timestamps_get_six_digits_and_a_z)
{
	ts("2025-07-01 09:30:00.123456", "2025-07-01T09:30:00.123456Z");
	ts("2025-07-15 12:00:00.5", "2025-07-15T12:00:00.500000Z");
	ts("2025-07-15 12:00:00", "2025-07-15T12:00:00.000000Z");
}

Test(pgtext, timestamps_in_other_forms_are_refused)
{
	ts("07/01/2025 09:30:00", NULL);
	ts("2025-07-01T09:30:00", NULL);
	ts("2025-07-01 09:30:00.", NULL);
	ts("2025-07-01 09:30:00.1234567", NULL);
	ts("2025-07-01 09:30:00+02", NULL);
	ts("infinity", NULL);
	ts("", NULL);
}

Test(pgtext, numerics_as_python_floats)
{
	pyfloat("0", "0.0");
	pyfloat("0.00", "0.0");
	pyfloat("2750.00", "2750.0");
	pyfloat("12.50", "12.5");
	pyfloat("0.10", "0.1");
	pyfloat("99999999.99", "99999999.99");
	pyfloat("-3.25", "-3.25");
}

Test(pgtext, non_numbers_are_refused)
{
	char out[40];

	cr_assert_eq(pgtext_pyfloat("abc", out, sizeof(out)), -1);
	cr_assert_eq(pgtext_pyfloat("1.5x", out, sizeof(out)), -1);
	cr_assert_eq(pgtext_pyfloat("", out, sizeof(out)), -1);
}

Test(pgtext, plain_decimals_keep_their_digits)
{
	pyfloat("0.0001", "0.0001");
	pyfloat("0.00001", "1e-05");
	pyfloat("-0.05", "-0.05");
	pyfloat("-0.00", "-0.0");
	pyfloat("100", "100.0");
	pyfloat("123456789012345", "123456789012345.0");
	pyfloat("1234567890123456", "1234567890123456.0");
	pyfloat("12.34500000000000000000", "12.345");
	pyfloat("0.1000000000000000055511151231257827", "0.1");
	pyfloat("5.", "5.0");
	pyfloat(".5", "0.5");
	pyfloat("007", "7.0");
}

/* The general case, as pgtext_pyfloat did it for every value before. */
static void
reference(const char *in, char *out, size_t outlen)
{
	double v = strtod(in, NULL);
	int prec, n = 0;

	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, outlen, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	if (strpbrk(out, ".eEn") == NULL)
		memcpy(out + n, ".0", 3);
}

static void
random_digits(char *p, size_t n, unsigned *seed)
{
	static const char zero_heavy[] = "00000123456789";

	while (n-- > 0)
		*p++ = zero_heavy[rand_r(seed) % (sizeof(zero_heavy) - 1)];
	*p = '\0';
}

/* Every text of PostgreSQL's numeric form answers as the general case. */
Test(pgtext, the_plain_form_answers_as_the_general_case)
{
	char in[64], out[40], want[40], *p;
	unsigned seed = 15;
	int i;

	for (i = 0; i < 200000; i++) {
		p = in;
		if (rand_r(&seed) % 4 == 0)
			*p++ = '-';
		random_digits(p, 1 + (size_t)rand_r(&seed) % 17, &seed);
		p += strlen(p);
		if (rand_r(&seed) % 4 != 0) {
			*p++ = '.';
			random_digits(p, 1 + (size_t)rand_r(&seed) % 20, &seed);
		}
		reference(in, want, sizeof(want));
		cr_assert_eq(pgtext_pyfloat(in, out, sizeof(out)), 0, "%s", in);
		cr_assert_str_eq(out, want, "%s", in);
	}
}
