/*
 * Email syntax. The reasons are email-validator's sentences, which the
 * original returned in 422 items ("value is not a valid email address:
 * <reason>"). Internationalised addresses (UTF-8 letters) are accepted as
 * email-validator does with SMTPUTF8.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "model/email.h"
#include "model/utf8.h"

static const char *special_use[] = { "arpa", "invalid", "local", "localhost",
	"onion", "test", NULL };

static int reject(char *, size_t, const char *);
static int check_local(const char *, size_t, char *, size_t);
static int check_domain(char *, char *, size_t);
static int atext(unsigned char);
static int domain_char(unsigned char);
static int bad_characters(const char *, size_t, int (*)(unsigned char),
    const char *, char *, size_t);
static size_t show_character(unsigned char, char *, size_t);

int
email_normalize(const char *in, char *out, size_t outlen, char *reason,
    size_t reasonlen)
{
	const char *start, *end, *lt, *at;
	size_t len, i;

	start = in;
	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;

	/* "Display Name <addr>": pydantic keeps the address only. */
	if (end > start && end[-1] == '>' &&
	    (lt = memchr(start, '<', (size_t)(end - start))) != NULL) {
		start = lt + 1;
		end--;
	}

	len = (size_t)(end - start);
	if (len > EMAIL_MAX) {
		(void)snprintf(reason, reasonlen,
		    "The email address is too "
		    "long (%zu character%s too many).",
		    len - EMAIL_MAX, len - EMAIL_MAX == 1 ? "" : "s");
		return (-1);
	}
	if (len + 1 > outlen)
		return (reject(reason, reasonlen,
		    "The email address is too "
		    "long."));

	memcpy(out, start, len);
	out[len] = '\0';
	if ((at = strrchr(out, '@')) == NULL)
		return (reject(reason, reasonlen,
		    "An email address must have an @-sign."));
	if (at == out)
		return (reject(reason, reasonlen,
		    "There must be something before the @-sign."));
	if (at[1] == '\0')
		return (reject(reason, reasonlen,
		    "There must be something after the @-sign."));
	if (check_local(out, (size_t)(at - out), reason, reasonlen) == -1)
		return (-1);
	if (check_domain(out + (at - out) + 1, reason, reasonlen) == -1)
		return (-1);
	for (i = (size_t)(at - out) + 1; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return (0);
}

static int
check_local(const char *s, size_t len, char *reason, size_t reasonlen)
{
	size_t i;

	if (s[0] == '"')
		return (reject(reason, reasonlen,
		    "Quoting the part before "
		    "the @-sign is not allowed here."));
	if (utf8_length(s, len) > 64) {
		(void)snprintf(reason, reasonlen,
		    "The email address is too "
		    "long before the @-sign (%zu character%s too many).",
		    utf8_length(s, len) - 64,
		    utf8_length(s, len) == 65 ? "" : "s");
		return (-1);
	}
	if (s[0] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot start with a period."));
	if (s[len - 1] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot "
		    "have a period immediately before the @-sign."));
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return (reject(reason, reasonlen,
			    "An email address "
			    "cannot have two periods in a row."));
	}
	return (bad_characters(s, len, atext,
	    "The email address contains "
	    "invalid characters before the @-sign: ",
	    reason, reasonlen));
}

static int
check_domain(char *d, char *reason, size_t reasonlen)
{
	const char **sp, *tld, *label;
	size_t len, llen, i;
	unsigned char last;

	if (d[0] == '[')
		return (reject(reason, reasonlen,
		    "A bracketed IP address "
		    "after the @-sign is not allowed here."));
	if (d[0] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot "
		    "have a period immediately after the @-sign."));
	if (d[0] == '-')
		return (reject(reason, reasonlen,
		    "An email address cannot "
		    "have a hyphen immediately after the @-sign."));
	len = strlen(d);
	if (d[len - 1] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot end with a period."));
	if (d[len - 1] == '-')
		return (reject(reason, reasonlen,
		    "An email address cannot end with a hyphen."));
	if (strstr(d, "..") != NULL)
		return (reject(reason, reasonlen,
		    "An email address cannot "
		    "have two periods in a row."));
	if (strstr(d, ".-") != NULL || strstr(d, "-.") != NULL)
		return (reject(reason, reasonlen,
		    "An email address cannot "
		    "have a period and a hyphen next to each other."));
	for (i = 0; i < len; i++) {
		if (!domain_char((unsigned char)d[i]) && d[i] != '.')
			return (bad_characters(d, len, domain_char,
			    "The part "
			    "after the @-sign contains invalid characters: ",
			    reason, reasonlen));
	}
	if (len > 253)
		return (reject(reason, reasonlen,
		    "The email address is too "
		    "long after the @-sign."));
	for (label = d; *label != '\0'; label += llen + (label[llen] == '.')) {
		llen = strcspn(label, ".");
		if (llen > 63)
			return (reject(reason, reasonlen,
			    "After the @-sign, "
			    "periods cannot be separated by so many "
			    "characters."));
	}

	if ((tld = strrchr(d, '.')) == NULL)
		return (reject(reason, reasonlen,
		    "The part after the @-sign "
		    "is not valid. It should have a period."));
	tld++;
	/* A top-level domain ends with a letter (never a digit or hyphen). */
	last = (unsigned char)tld[strlen(tld) - 1];
	if (!isalpha(last) && last < 0x80)
		return (reject(reason, reasonlen,
		    "The part after the @-sign "
		    "is not valid. It is not within a valid top-level "
		    "domain."));
	for (sp = special_use; *sp != NULL; sp++) {
		if (!strcasecmp(tld, *sp))
			return (reject(reason, reasonlen,
			    "The part after the "
			    "@-sign is a special-use or reserved name that "
			    "cannot be used with email."));
	}
	return (0);
}

/*
 * email-validator's list of offending characters: each once, sorted,
 * printable ones quoted, others by name or code point.
 */
static int
bad_characters(const char *s, size_t len, int (*allowed)(unsigned char),
    const char *prefix, char *reason, size_t reasonlen)
{
	unsigned char seen[128];
	size_t i, off;
	int n;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x80 && s[i] != '.' &&
		    !allowed((unsigned char)s[i]))
			seen[(unsigned char)s[i]] = 1;
	}
	n = snprintf(reason, reasonlen, "%s", prefix);
	off = n > 0 ? (size_t)n : 0;
	n = 0;
	for (i = 0; i < sizeof(seen); i++) {
		if (!seen[i] || off + 16 >= reasonlen)
			continue;
		if (n++ > 0) {
			(void)memcpy(reason + off, ", ", 3);
			off += 2;
		}
		off += show_character((unsigned char)i, reason + off,
		    reasonlen - off);
	}
	if (n == 0)
		return (0);
	if (off + 2 <= reasonlen) {
		reason[off++] = '.';
		reason[off] = '\0';
	}
	return (-1);
}

static size_t
show_character(unsigned char c, char *out, size_t outlen)
{
	int n;

	if (c == ' ')
		n = snprintf(out, outlen, "SPACE");
	else if (c == '\'')
		n = snprintf(out, outlen, "\"'\"");
	else if (c == '\\')
		n = snprintf(out, outlen, "\"\\\"");
	else if (isgraph(c))
		n = snprintf(out, outlen, "'%c'", c);
	else
		n = snprintf(out, outlen, "U+%04X", c);
	return (n > 0 && (size_t)n < outlen ? (size_t)n : 0);
}

/* Letters, digits and hyphens; UTF-8 bytes for internationalised names. */
static int
domain_char(unsigned char c)
{
	return (isalnum(c) || c == '-' || c >= 0x80);
}

/* RFC 5322 atext, plus UTF-8 bytes (internationalised local parts). */
static int
atext(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 ||
		   strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL) &&
	    c != '\0';
}

static int
reject(char *reason, size_t reasonlen, const char *why)
{
	(void)snprintf(reason, reasonlen, "%s", why);
	return (-1);
}
