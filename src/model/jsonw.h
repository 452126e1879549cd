/*
 * A small JSON writer for responses built from database rows: compact
 * output, strings escaped, memory from malloc (one owner: the caller).
 */
#ifndef BEE_JSONW_H
#define BEE_JSONW_H

#include <stddef.h>

struct jsonw {
	char *buf; /* owned; NUL-terminated after each write */
	size_t len;
	size_t cap;
	int failed; /* out of memory: the result is unusable */
	int first; /* no member written yet at this level */
};

void jsonw_init(struct jsonw *w);
void jsonw_free(struct jsonw *w);
void jsonw_raw(struct jsonw *w, const char *s, size_t n);
void jsonw_rawz(struct jsonw *w, const char *s);
void jsonw_string(struct jsonw *w, const char *s); /* NULL: null */
void jsonw_open(struct jsonw *w, char c); /* { or [ */
void jsonw_close(struct jsonw *w, char c); /* } or ] */
/* "key": as the next member of the object being written. */
void jsonw_key(struct jsonw *w, const char *key);
/* A separator before the next array element. */
void jsonw_next(struct jsonw *w);

#endif
