/*
 * The RateLimit and RateLimit-Policy response fields of the IETF draft
 * (draft-ietf-httpapi-ratelimit-headers), as structured-field values:
 *
 *	RateLimit-Policy: "patch";q=5;w=60
 *	RateLimit: "patch";r=2;t=41
 *
 * Pure C (tested in tests/unit): the limiter (src/http/ratelimit.c) gives
 * the count and the time left that one Redis script returned.
 */
#ifndef BEE_RATELIMIT_FIELDS_H
#define BEE_RATELIMIT_FIELDS_H

#include <stddef.h>

/* Room for a policy name of 32 characters and the largest numbers. */
#define RATELIMIT_FIELD_MAX 96

struct ratelimit_fields {
	char policy[RATELIMIT_FIELD_MAX]; /* RateLimit-Policy */
	char limit[RATELIMIT_FIELD_MAX]; /* RateLimit */
};

/*
 * The fields of policy `name` (a token of [a-z0-9_-], quoted as an sf
 * string) allowing `quota` requests per window of `window_s` seconds,
 * after the hit that made the window's count `count` (this request
 * included), with the window ending in `left_ms` milliseconds.
 *
 * r = quota - count, never below 0 (a refused request sees 0);
 * t = left_ms in whole seconds rounded up, never below 0: a client that
 * waits t seconds finds the window over, never a moment too early.
 * 0, or -1 when a value does not fit (a name too long).
 */
int ratelimit_fields_format(struct ratelimit_fields *out, const char *name,
    unsigned int quota, unsigned int window_s, long long count,
    long long left_ms);

/* left_ms in whole seconds, rounded up; 0 when not positive. */
long long ratelimit_seconds_up(long long left_ms);

#endif
