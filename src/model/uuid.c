/*
 * UUID parsing with the error texts of pydantic-core 2.33 (Rust's uuid
 * crate), which the original's clients see in 422 items.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "model/uuid.h"

static const int group_len[5] = { 8, 4, 4, 4, 12 };

static int hexval(int);
static int from_hex(const char *, size_t, int, char *);
static void explain(const char *, char *, size_t);

int
uuid_parse(const char *in, char out[UUID_STRLEN], char *err, size_t errlen)
{
	size_t len;

	len = strlen(in);
	if (len == 32 && from_hex(in, len, 0, out) == 0)
		return (0);
	if (len == 36 && from_hex(in, len, 1, out) == 0)
		return (0);
	if (len == 38 && in[0] == '{' && in[37] == '}' &&
	    from_hex(in + 1, 36, 1, out) == 0)
		return (0);
	if (len == 45 && !strncasecmp(in, "urn:uuid:", 9) &&
	    from_hex(in + 9, 36, 1, out) == 0)
		return (0);
	explain(in, err, errlen);
	return (-1);
}

int
uuid_is_canonical(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}

int
uuid_random(char out[UUID_STRLEN])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return (-1);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	(void)snprintf(out, UUID_STRLEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	return (0);
}

/* 32 hex digits, or 36 characters with hyphens at 8, 13, 18 and 23. */
static int
from_hex(const char *s, size_t len, int hyphenated, char *out)
{
	size_t i, o;

	o = 0;
	for (i = 0; i < len; i++) {
		if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return (-1);
			continue;
		}
		if (hexval((unsigned char)s[i]) < 0)
			return (-1);
		if (o == 8 || o == 13 || o == 18 || o == 23)
			out[o++] = '-';
		out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
	return (o == 36 ? 0 : -1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* The first problem, in the order the uuid crate reports them. */
static void
explain(const char *in, char *err, size_t errlen)
{
	const char *s;
	size_t len, i, groups, glen[5], clen, chars;
	unsigned char c;
	int prefixed;

	s = in;
	len = strlen(in);
	prefixed = 1;
	if (len >= 9 && !strncasecmp(s, "urn:uuid:", 9)) {
		s += 9;
		len -= 9;
	} else if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
		s++;
		len -= 2;
	} else {
		prefixed = 0;
	}

	groups = 0;
	memset(glen, 0, sizeof(glen));
	chars = 0;
	for (i = 0; i < len; i += clen) {
		c = (unsigned char)s[i];
		clen = 1;
		if (c >= 0xc0)
			while (i + clen < len &&
			    ((unsigned char)s[i + clen] & 0xc0) == 0x80)
				clen++;
		chars++;
		if (c == '-') {
			groups++;
			continue;
		}
		if (hexval(c) < 0) {
			(void)snprintf(err, errlen,
			    "invalid character: "
			    "expected an optional prefix of `urn:uuid:` "
			    "followed by [0-9a-fA-F-], found `%.*s` at %zu",
			    (int)clen, s + i, (size_t)(s - in) + chars);
			return;
		}
		if (groups < 5)
			glen[groups]++;
	}

	/* The simple (32 digits) form exists only without a prefix. */
	if (groups == 0 && !prefixed) {
		(void)snprintf(err, errlen,
		    "invalid length: expected length "
		    "32 for simple format, found %zu",
		    chars);
		return;
	}
	if (groups != 4) {
		(void)snprintf(err, errlen,
		    "invalid group count: expected 5, "
		    "found %zu",
		    groups + 1);
		return;
	}
	for (i = 0; i < 5; i++) {
		if (glen[i] != (size_t)group_len[i]) {
			(void)snprintf(err, errlen,
			    "invalid group length in "
			    "group %zu: expected %d, found %zu",
			    i, group_len[i], glen[i]);
			return;
		}
	}
	(void)snprintf(err, errlen,
	    "invalid length: expected length 32 for "
	    "simple format, found %zu",
	    chars);
}
