/*
 * Fixed-window counters kept in this process: the rate limiter's fallback
 * when Redis does not answer in time. Pure C (tested in tests/unit).
 */
#ifndef BEE_WINDOW_H
#define BEE_WINDOW_H

#include <stdint.h>

#define WINDOW_SLOTS 4096

struct window_slot {
	uint64_t key; /* hash of the limiter key; 0: free */
	uint64_t ends_ms; /* the window closes then */
	uint32_t count;
};

struct windows {
	struct window_slot slot[WINDOW_SLOTS];
};

/*
 * Counts one hit of key at now_ms in a window of period_ms that starts at
 * its first hit; returns the count in the window and, in *ttl_ms, the time
 * left in it.
 */
uint32_t window_hit(struct windows *w, const char *key, uint64_t now_ms,
    uint64_t period_ms, uint64_t *ttl_ms);

#endif
