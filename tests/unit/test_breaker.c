/* breaker.c: the database pool's circuit breaker. */
#include <criterion/criterion.h>

#include "db/breaker.h"

Test(breaker, a_new_breaker_is_closed)
{
	struct breaker b = { 0 };

	cr_assert(breaker_allows(&b, 0));
	cr_assert(breaker_closed(&b, 0));
}

Test(breaker, back_off_doubles_from_250_ms_up_to_5_s)
{
	static const uint64_t want[] = { 250, 500, 1000, 2000, 4000, 5000, 5000,
		5000 };
	struct breaker b = { 0 };
	uint64_t now;
	size_t i;

	now = 1000000;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(breaker_trip(&b, now), want[i], "failure %zu",
		    i + 1);
		cr_assert_not(breaker_allows(&b, now + want[i] - 1));
		cr_assert(breaker_allows(&b, now + want[i]));
		/* allowed again, but not closed: the last attempt failed */
		cr_assert_not(breaker_closed(&b, now + want[i]));
		now += want[i];
	}
}

Test(breaker, an_answer_closes_it_and_restarts_the_back_off)
{
	struct breaker b = { 0 };

	(void)breaker_trip(&b, 0);
	(void)breaker_trip(&b, 250);
	breaker_reset(&b);
	cr_assert(breaker_closed(&b, 250));
	cr_assert_eq(breaker_trip(&b, 300), 250);
}

Test(breaker, many_failures_keep_the_longest_back_off)
{
	struct breaker b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		(void)breaker_trip(&b, 0);
	cr_assert_eq(breaker_trip(&b, 0), BREAKER_MAX_MS);
}
