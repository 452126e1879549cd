/* The JSON writer: compact, escaped, growable. */
#include <stdlib.h>
#include <string.h>

#include "model/jsonw.h"

static int grow(struct jsonw *, size_t);

void
jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first = 1;
}

void
jsonw_free(struct jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

static int
grow(struct jsonw *w, size_t need)
{
	size_t cap;
	char *p;

	if (w->failed)
		return (0);
	if (w->len + need + 1 <= w->cap)
		return (1);
	cap = w->cap ? w->cap : 512;
	while (cap < w->len + need + 1)
		cap *= 2;
	if ((p = realloc(w->buf, cap)) == NULL) {
		w->failed = 1;
		return (0);
	}
	w->buf = p;
	w->cap = cap;
	return (1);
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (!grow(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
jsonw_rawz(struct jsonw *w, const char *s)
{
	jsonw_raw(w, s, strlen(s));
}

void
jsonw_string(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[6];
	size_t run;

	if (s == NULL) {
		jsonw_raw(w, "null", 4);
		return;
	}
	jsonw_raw(w, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		run = 0;
		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > 0) {
			jsonw_raw(w, (const char *)p, run);
			p += run - 1;
			continue;
		}
		switch (*p) {
		case '"':
			jsonw_raw(w, "\\\"", 2);
			break;
		case '\\':
			jsonw_raw(w, "\\\\", 2);
			break;
		case '\n':
			jsonw_raw(w, "\\n", 2);
			break;
		case '\r':
			jsonw_raw(w, "\\r", 2);
			break;
		case '\t':
			jsonw_raw(w, "\\t", 2);
			break;
		default:
			if (*p < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 0xf];
				jsonw_raw(w, esc, 6);
			} else {
				jsonw_raw(w, (const char *)p, 1);
			}
			break;
		}
	}
	jsonw_raw(w, "\"", 1);
}

void
jsonw_open(struct jsonw *w, char c)
{
	jsonw_raw(w, &c, 1);
	w->first = 1;
}

void
jsonw_close(struct jsonw *w, char c)
{
	jsonw_raw(w, &c, 1);
	w->first = 0;
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_next(w);
	jsonw_string(w, key);
	jsonw_raw(w, ":", 1);
}

void
jsonw_next(struct jsonw *w)
{
	if (!w->first)
		jsonw_raw(w, ",", 1);
	w->first = 0;
}
