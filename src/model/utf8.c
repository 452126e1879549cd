/* UTF-8 validation and counting, for request bodies and length rules. */
#include "model/utf8.h"

size_t
utf8_sequence(const unsigned char *s, size_t len)
{
	size_t n, k;
	unsigned int cp, min;

	if (len == 0)
		return (0);
	if (s[0] < 0x80)
		return (1);
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return (0);
	}
	if (len < n)
		return (0);
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_sequence(s + i, len - i)) == 0)
			return (0);
	}
	return (1);
}

size_t
utf8_length(const char *s, size_t len)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return (n);
}
