/*
 * The RateLimit fields' values (ratelimit_fields.h): kept apart from the
 * limiter so that the arithmetic at the edges (the last allowed request,
 * the refused ones, a window about to close) is tested without a server.
 */
#include <stdio.h>

#include "model/ratelimit_fields.h"

long long
ratelimit_seconds_up(long long left_ms)
{
	if (left_ms <= 0)
		return (0);
	return (left_ms / 1000 + (left_ms % 1000 != 0));
}

int
ratelimit_fields_format(struct ratelimit_fields *out, const char *name,
    unsigned int quota, unsigned int window_s, long long count,
    long long left_ms)
{
	long long remaining;
	int n;

	remaining = count < 0 ? (long long)quota : (long long)quota - count;
	if (remaining < 0)
		remaining = 0;
	n = snprintf(out->policy, sizeof(out->policy), "\"%s\";q=%u;w=%u", name,
	    quota, window_s);
	if (n < 0 || (size_t)n >= sizeof(out->policy))
		return (-1);
	n = snprintf(out->limit, sizeof(out->limit), "\"%s\";r=%lld;t=%lld",
	    name, remaining, ratelimit_seconds_up(left_ms));
	if (n < 0 || (size_t)n >= sizeof(out->limit))
		return (-1);
	return (0);
}
