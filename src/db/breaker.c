#include "db/breaker.h"

int
breaker_allows(const struct breaker *b, uint64_t now_ms)
{
	return (now_ms >= b->open_until_ms);
}

int
breaker_closed(const struct breaker *b, uint64_t now_ms)
{
	return (b->failures == 0 && breaker_allows(b, now_ms));
}

uint64_t
breaker_trip(struct breaker *b, uint64_t now_ms)
{
	uint64_t back_off;
	unsigned int shift;

	if (b->failures < 100)
		b->failures++;
	shift = b->failures > 5 ? 5 : b->failures - 1;
	back_off = (uint64_t)BREAKER_MIN_MS << shift;
	if (back_off > BREAKER_MAX_MS)
		back_off = BREAKER_MAX_MS;
	b->open_until_ms = now_ms + back_off;
	return (back_off);
}

void
breaker_reset(struct breaker *b)
{
	b->failures = 0;
	b->open_until_ms = 0;
}
