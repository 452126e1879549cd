/*
 * The database pool's circuit breaker (src/db/db.c): after a failed attempt
 * to reach PostgreSQL with no connection open, requests get a 503 at once
 * for a back-off period that doubles with each failure in a row (250 ms
 * up to 5 s), then one request may try again. Pure C: the caller passes
 * the time (tested in tests/unit).
 */
#ifndef BEE_BREAKER_H
#define BEE_BREAKER_H

#include <stdint.h>

#define BREAKER_MIN_MS 250
#define BREAKER_MAX_MS 5000

struct breaker {
	unsigned int failures; /* in a row */
	uint64_t open_until_ms; /* no attempt before then */
};

/* May a request try PostgreSQL at now_ms? */
int breaker_allows(const struct breaker *b, uint64_t now_ms);
/* Nothing failed since PostgreSQL last answered, and attempts are allowed. */
int breaker_closed(const struct breaker *b, uint64_t now_ms);
/* An attempt failed at now_ms: returns the back-off (ms) now in force. */
uint64_t breaker_trip(struct breaker *b, uint64_t now_ms);
/* PostgreSQL answered. */
void breaker_reset(struct breaker *b);

#endif
