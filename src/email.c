/*
 * Email syntax. The reasons are email-validator's sentences, which the
 * original returned in 422 items ("value is not a valid email address:
 * <reason>"). Internationalised addresses (UTF-8 letters) are accepted as
 * email-validator does with SMTPUTF8.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "email.h"
#include "utf8.h"

static const char	*special_use[] = {
	"arpa", "invalid", "local", "localhost", "onion", "test", NULL
};

static int	reject(char *, size_t, const char *);
static int	check_local(const char *, size_t, char *, size_t);
static int	check_domain(char *, char *, size_t);
static int	atext(unsigned char);

int
email_normalize(const char *in, char *out, size_t outlen, char *reason,
    size_t reasonlen)
{
	const char	*start, *end, *lt, *at;
	size_t		 len, i;

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
		(void)snprintf(reason, reasonlen, "The email address is too "
		    "long (%zu characters too many).", len - EMAIL_MAX);
		return (-1);
	}
	if (len + 1 > outlen)
		return (reject(reason, reasonlen, "The email address is too "
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
	size_t	i;

	if (s[0] == '"')
		return (reject(reason, reasonlen, "Quoting the part before "
		    "the @-sign is not allowed here."));
	if (utf8_length(s, len) > 64) {
		(void)snprintf(reason, reasonlen, "The email address is too "
		    "long before the @-sign (%zu characters too many).",
		    utf8_length(s, len) - 64);
		return (-1);
	}
	if (s[0] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot start with a period."));
	if (s[len - 1] == '.')
		return (reject(reason, reasonlen, "An email address cannot "
		    "have a period immediately before the @-sign."));
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return (reject(reason, reasonlen, "An email address "
			    "cannot have two periods in a row."));
		if (!atext((unsigned char)s[i]) && s[i] != '.') {
			(void)snprintf(reason, reasonlen, "The email address "
			    "contains invalid characters before the @-sign: "
			    "'%c'.", s[i]);
			return (-1);
		}
	}
	return (0);
}

static int
check_domain(char *d, char *reason, size_t reasonlen)
{
	const char	**sp, *tld, *label;
	size_t		  len, llen, i;
	int		  numeric;

	if (d[0] == '[')
		return (reject(reason, reasonlen, "A bracketed IP address "
		    "after the @-sign is not allowed here."));
	if (d[0] == '.')
		return (reject(reason, reasonlen, "An email address cannot "
		    "have a period immediately after the @-sign."));
	len = strlen(d);
	if (d[len - 1] == '.')
		return (reject(reason, reasonlen,
		    "An email address cannot end with a period."));
	if (strstr(d, "..") != NULL)
		return (reject(reason, reasonlen, "An email address cannot "
		    "have two periods in a row."));
	if (len > 253)
		return (reject(reason, reasonlen, "The email address is too "
		    "long after the @-sign."));

	for (label = d; *label != '\0'; label += llen + (label[llen] == '.')) {
		llen = strcspn(label, ".");
		if (llen > 63)
			return (reject(reason, reasonlen, "After the @-sign, "
			    "periods cannot be separated by so many "
			    "characters."));
		if (label[0] == '-' || label[llen - 1] == '-')
			return (reject(reason, reasonlen, "An email address "
			    "cannot have a hyphen immediately before or after "
			    "a period."));
		for (i = 0; i < llen; i++) {
			if (!isalnum((unsigned char)label[i]) &&
			    label[i] != '-' && (unsigned char)label[i] < 0x80) {
				(void)snprintf(reason, reasonlen, "The part "
				    "after the @-sign contains invalid "
				    "characters: '%c'.", label[i]);
				return (-1);
			}
		}
	}

	if ((tld = strrchr(d, '.')) == NULL) {
		for (sp = special_use; *sp != NULL; sp++)
			if (!strcasecmp(d, *sp))
				goto special;
		return (reject(reason, reasonlen, "The part after the @-sign "
		    "is not valid. It should have a period."));
	}
	tld++;
	numeric = 1;
	for (i = 0; tld[i] != '\0'; i++)
		if (!isdigit((unsigned char)tld[i]))
			numeric = 0;
	if (numeric)
		return (reject(reason, reasonlen, "The part after the @-sign "
		    "is not valid. It is not within a valid top-level "
		    "domain."));
	for (sp = special_use; *sp != NULL; sp++)
		if (!strcasecmp(tld, *sp))
			goto special;
	return (0);
special:
	return (reject(reason, reasonlen, "The part after the @-sign is a "
	    "special-use or reserved name that cannot be used with email."));
}

/* RFC 5322 atext, plus UTF-8 bytes (internationalised local parts). */
static int
atext(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~", c)
	    != NULL) && c != '\0';
}

static int
reject(char *reason, size_t reasonlen, const char *why)
{
	(void)snprintf(reason, reasonlen, "%s", why);
	return (-1);
}
