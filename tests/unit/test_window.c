/* window.c: the rate limiter's per-worker fixed windows. */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "model/window.h"

static struct windows *w;

static void
setup(void)
{
	w = calloc(1, sizeof(*w));
	cr_assert_not_null(w);
}

static void
teardown(void)
{
	free(w);
}

TestSuite(window, .init = setup, .fini = teardown);

Test(window, counts_within_the_window_from_the_first_hit)
{
	uint64_t ttl;

	cr_assert_eq(window_hit(w, "k", 1000, 60000, &ttl), 1);
	cr_assert_eq(ttl, 60000);
	cr_assert_eq(window_hit(w, "k", 31000, 60000, &ttl), 2);
	cr_assert_eq(ttl, 30000);
	cr_assert_eq(window_hit(w, "k", 60999, 60000, &ttl), 3);
	cr_assert_eq(ttl, 1);
	/* the window closed: a new one starts at this hit */
	cr_assert_eq(window_hit(w, "k", 61000, 60000, &ttl), 1);
	cr_assert_eq(ttl, 60000);
}

Test(window, keys_are_separate)
{
	uint64_t ttl;

	cr_assert_eq(window_hit(w, "a", 0, 1000, &ttl), 1);
	cr_assert_eq(window_hit(w, "b", 0, 1000, &ttl), 1);
	cr_assert_eq(window_hit(w, "a", 1, 1000, &ttl), 2);
}

/* Far more keys than slots: memory stays bounded, live keys still count. */
Test(window, full_table_stays_bounded)
{
	char key[32];
	uint64_t ttl;
	int i;

	for (i = 0; i < WINDOW_SLOTS * 4; i++) {
		(void)snprintf(key, sizeof(key), "key-%d", i);
		cr_assert_eq(window_hit(w, key, (uint64_t)i, 1000000, &ttl), 1);
	}
	/* the newest key is still counted */
	(void)snprintf(key, sizeof(key), "key-%d", WINDOW_SLOTS * 4 - 1);
	cr_assert_eq(window_hit(w, key, WINDOW_SLOTS * 4, 1000000, &ttl), 2);
}
