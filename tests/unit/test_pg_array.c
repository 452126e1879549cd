/* pg_array.c: array literals for id = ANY($1::bigint[]). */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/pg_array.h"

Test(pg_array, empty_is_braces)
{
	struct pg_array a = { 0 };

	cr_assert_str_eq(pg_array_text(&a), "{}");
	pg_array_free(&a);
	cr_assert_null(a.s);
}

Test(pg_array, elements_in_order_comma_separated)
{
	struct pg_array a = { 0 };

	pg_array_add(&a, "1");
	cr_assert_str_eq(pg_array_text(&a), "{1}");
	pg_array_free(&a);

	pg_array_add(&a, "7");
	pg_array_add(&a, "42");
	pg_array_add(&a, "9000000000");
	cr_assert_str_eq(pg_array_text(&a), "{7,42,9000000000}");
	pg_array_free(&a);
}

Test(pg_array, grows_past_its_first_allocation)
{
	struct pg_array a = { 0 };
	const char *want = ",999,1000}";
	char id[24];
	const char *text;
	int i;

	for (i = 1; i <= 1000; i++) {
		(void)snprintf(id, sizeof(id), "%d", i);
		pg_array_add(&a, id);
	}
	text = pg_array_text(&a);
	cr_assert_eq(strncmp(text, "{1,2,3,", 7), 0);
	cr_assert_str_eq(text + strlen(text) - strlen(want), want);
	/* 9 one-digit, 90 two-digit, 900 three-digit, 1 four-digit, 999 commas */
	cr_assert_eq(strlen(text), 2 + 9 + 180 + 2700 + 4 + 999);
	pg_array_free(&a);
}
