/*
 * The Idempotency-Key's syntax, and the stored result rows read back
 * (idem_text.h). record_out writes a column empty for NULL, bare when it
 * needs no quoting, else in double quotes with '"' and '\' doubled;
 * record_in also reads '\' as an escape, and so does this.
 */
#include <string.h>

#include "model/idem_text.h"

static const char *column(const char *, char **);

int
idem_key_valid(const char *key)
{
	size_t n;

	for (n = 0; key[n] != '\0'; n++) {
		if (n == IDEM_KEY_MAX || key[n] < 0x21 || key[n] > 0x7e)
			return (0);
	}
	return (n > 0);
}

int
idem_record_split(const char *rec, char *buf, const char **vals, int max)
{
	const char *p;
	char *out;
	int n;

	if (*rec != '(')
		return (-1);
	p = rec + 1;
	out = buf;
	for (n = 0;; n++) {
		if (n == max)
			return (-1);
		if (*p == ',' || *p == ')')
			vals[n] = NULL;
		else {
			vals[n] = out;
			if ((p = column(p, &out)) == NULL)
				return (-1);
		}
		if (*p == ')')
			return (p[1] == '\0' ? n + 1 : -1);
		if (*p != ',')
			return (-1);
		p++;
	}
}

/*
 * One non-NULL column at p, unquoted to *out (then past its NUL); returns
 * what follows it (',' or ')'), or NULL when the text ends first.
 */
static const char *
column(const char *p, char **out)
{
	char *o = *out;
	int quoted = 0;

	for (; *p != '\0'; p++) {
		if (*p == '"') {
			if (quoted && p[1] == '"')
				*o++ = *++p;
			else
				quoted = !quoted;
			continue;
		}
		if (*p == '\\') {
			if (*++p == '\0')
				return (NULL);
			*o++ = *p;
			continue;
		}
		if (!quoted && (*p == ',' || *p == ')')) {
			*o++ = '\0';
			*out = o;
			return (p);
		}
		*o++ = *p;
	}
	return (NULL);
}
