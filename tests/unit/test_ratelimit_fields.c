/* ratelimit_fields.c: the RateLimit and RateLimit-Policy values. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/ratelimit_fields.h"

static void
expect_fields(unsigned int quota, unsigned int window_s, long long count,
    long long left_ms, const char *policy, const char *limit)
{
	struct ratelimit_fields f;

	cr_assert_eq(ratelimit_fields_format(&f, "patch", quota, window_s,
			 count, left_ms),
	    0);
	cr_assert_str_eq(f.policy, policy);
	cr_assert_str_eq(f.limit, limit);
}

Test(ratelimit_fields, first_hit_of_a_window)
{
	expect_fields(5, 60, 1, 60000, "\"patch\";q=5;w=60",
	    "\"patch\";r=4;t=60");
}

Test(ratelimit_fields, counts_down_to_zero)
{
	expect_fields(5, 60, 2, 59000, "\"patch\";q=5;w=60",
	    "\"patch\";r=3;t=59");
	expect_fields(5, 60, 4, 30000, "\"patch\";q=5;w=60",
	    "\"patch\";r=1;t=30");
	/* the last allowed request leaves nothing */
	expect_fields(5, 60, 5, 30000, "\"patch\";q=5;w=60",
	    "\"patch\";r=0;t=30");
}

/* Refused requests still count in Redis: r stays at 0, never negative. */
Test(ratelimit_fields, refused_requests_see_zero)
{
	expect_fields(5, 60, 6, 20000, "\"patch\";q=5;w=60",
	    "\"patch\";r=0;t=20");
	expect_fields(3, 1, 1000000, 10, "\"patch\";q=3;w=1",
	    "\"patch\";r=0;t=1");
}

/* A client that waits t seconds must find the window over. */
Test(ratelimit_fields, reset_rounds_up)
{
	expect_fields(3, 1, 1, 1, "\"patch\";q=3;w=1", "\"patch\";r=2;t=1");
	expect_fields(3, 1, 1, 999, "\"patch\";q=3;w=1", "\"patch\";r=2;t=1");
	expect_fields(3, 1, 1, 1000, "\"patch\";q=3;w=1", "\"patch\";r=2;t=1");
	expect_fields(5, 60, 1, 59001, "\"patch\";q=5;w=60",
	    "\"patch\";r=4;t=60");
	expect_fields(5, 3600, 1, 3600000, "\"patch\";q=5;w=3600",
	    "\"patch\";r=4;t=3600");
}

Test(ratelimit_fields, never_a_negative_reset)
{
	expect_fields(5, 60, 1, 0, "\"patch\";q=5;w=60", "\"patch\";r=4;t=0");
	expect_fields(5, 60, 1, -2, "\"patch\";q=5;w=60", "\"patch\";r=4;t=0");
}

Test(ratelimit_fields, largest_values_fit)
{
	/* CUSTOMER_PATCH_RATE allows up to 1000000 per 1000 days */
	expect_fields(1000000, 86400000, 1, 86400000000LL,
	    "\"patch\";q=1000000;w=86400000", "\"patch\";r=999999;t=86400000");
}

Test(ratelimit_fields, a_name_too_long_is_refused)
{
	struct ratelimit_fields f;
	char name[RATELIMIT_FIELD_MAX];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(ratelimit_fields_format(&f, name, 5, 60, 1, 1000), -1);
}

Test(ratelimit_fields, seconds_up)
{
	cr_assert_eq(ratelimit_seconds_up(-1), 0);
	cr_assert_eq(ratelimit_seconds_up(0), 0);
	cr_assert_eq(ratelimit_seconds_up(1), 1);
	cr_assert_eq(ratelimit_seconds_up(1000), 1);
	cr_assert_eq(ratelimit_seconds_up(1001), 2);
}
