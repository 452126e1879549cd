/* pgtext.c: PostgreSQL's text output in the API's forms. */
#include <criterion/criterion.h>

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
