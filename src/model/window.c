/*
 * Fixed windows in a small open-addressing table. Full: the window that
 * closes first gives way, so memory stays bounded whatever the keys.
 */
#include <string.h>

#include "model/window.h"

#define PROBES 8

static uint64_t hash(const char *);

/* FNV-1a, never 0 (0 marks a free slot). */
static uint64_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (h == 0 ? 1 : h);
}

uint32_t
window_hit(struct windows *w, const char *key, uint64_t now_ms,
    uint64_t period_ms, uint64_t *ttl_ms)
{
	struct window_slot *s, *victim;
	uint64_t h;
	size_t i, at;

	h = hash(key);
	victim = NULL;
	for (i = 0; i < PROBES; i++) {
		at = (size_t)((h + i) % WINDOW_SLOTS);
		s = &w->slot[at];
		if (s->key == h)
			break;
		if (victim == NULL || s->key == 0 || s->ends_ms <= now_ms ||
		    (victim->key != 0 && victim->ends_ms > now_ms &&
			s->ends_ms < victim->ends_ms))
			victim = s;
		s = NULL;
	}
	if (s == NULL) {
		s = victim;
		s->key = h;
		s->count = 0;
		s->ends_ms = 0;
	}
	if (s->ends_ms <= now_ms) {
		s->count = 0;
		s->ends_ms = now_ms + period_ms;
	}
	s->count++;
	*ttl_ms = s->ends_ms - now_ms;
	return (s->count);
}
