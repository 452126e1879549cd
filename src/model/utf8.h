/* UTF-8 checks: bodies are refused (400) before JSON parsing when invalid. */
#ifndef BEE_UTF8_H
#define BEE_UTF8_H

#include <stddef.h>

/* Strict UTF-8: no overlongs, surrogates or code points over U+10FFFF. */
int utf8_valid(const unsigned char *s, size_t len);
/* Length of the valid sequence at s (1-4), or 0 when it is not one. */
size_t utf8_sequence(const unsigned char *s, size_t len);
/* Code points in a valid UTF-8 string (pydantic counts lengths so). */
size_t utf8_length(const char *s, size_t len);

#endif
