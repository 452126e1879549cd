/*
 * email.c: addresses as email-validator 2.2 (deliverability off) and
 * pydantic's EmailStr treat them; refusals carry its sentences.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/email.h"

static void accepts(const char *, const char *);
static void refuses(const char *, const char *);

static void
accepts(const char *in, const char *want)
{
	char out[EMAIL_MAX + 1], reason[160];

	reason[0] = '\0';
	cr_assert_eq(email_normalize(in, out, sizeof(out), reason,
			 sizeof(reason)),
	    0, "refused \"%s\": %s", in, reason);
	cr_assert_str_eq(out, want, "input \"%s\"", in);
}

static void
refuses(const char *in, const char *want)
{
	char out[EMAIL_MAX + 1], reason[160];

	memset(reason, 0, sizeof(reason));
	cr_assert_eq(email_normalize(in, out, sizeof(out), reason,
			 sizeof(reason)),
	    -1, "accepted \"%s\"", in);
	cr_assert_str_eq(reason, want, "input \"%s\": got \"%s\"", in, reason);
}

Test(email, plain)
{
	accepts("ana@example.com", "ana@example.com");
	accepts("ana.maria+tag@sub.example.co.uk",
	    "ana.maria+tag@sub.example.co.uk");
	accepts("user+mailbox/department=shipping@example.tld",
	    "user+mailbox/department=shipping@example.tld");
	accepts("!#$%&'*+-/=?^_`.{|}~@example.tld",
	    "!#$%&'*+-/=?^_`.{|}~@example.tld");
	accepts("test@123.com", "test@123.com");
	accepts("test@g--a.com", "test@g--a.com");
}

Test(email, display_name_form_reduced)
{
	accepts("Ana <ana@example.com>", "ana@example.com");
	accepts("Ana Popescu <ana@example.com>", "ana@example.com");
	accepts("  Ana <ana@Example.COM>  ", "ana@example.com");
}

Test(email, domain_lower_cased_local_part_kept)
{
	accepts("Ana.Popescu@EXAMPLE.Com", "Ana.Popescu@example.com");
	accepts("USER@example.com", "USER@example.com");
}

Test(email, surrounding_spaces_stripped)
{
	accepts("  ana@example.com\t", "ana@example.com");
	accepts(" user@example.com \n", "user@example.com");
}

Test(email, unicode_local_part)
{
	accepts("Jos\xc3\xa9@example.com", "Jos\xc3\xa9@example.com");
	accepts("\xc3\xb1o\xc3\xb1\xc3\xb3@example.tld",
	    "\xc3\xb1o\xc3\xb1\xc3\xb3@example.tld");
}

Test(email, no_at_sign)
{
	refuses("nope", "An email address must have an @-sign.");
	refuses("", "An email address must have an @-sign.");
	refuses("ana.example.com", "An email address must have an @-sign.");
}

Test(email, nothing_before_or_after_the_at_sign)
{
	refuses("@example.com", "There must be something before the @-sign.");
	refuses("ana@", "There must be something after the @-sign.");
}

Test(email, periods_in_the_local_part)
{
	refuses("a..b@example.com",
	    "An email address cannot have two periods in a row.");
	refuses(".ana@example.com",
	    "An email address cannot start with a period.");
	refuses("ana.@example.com",
	    "An email address cannot have a period "
	    "immediately before the @-sign.");
}

Test(email, periods_in_the_domain)
{
	refuses("ana@example..com",
	    "An email address cannot have two periods in a row.");
	refuses("ana@.example.com",
	    "An email address cannot have a period "
	    "immediately after the @-sign.");
	refuses("ana@example.com.",
	    "An email address cannot end with a period.");
}

Test(email, no_period_in_the_domain)
{
	refuses("ana@example",
	    "The part after the @-sign is not valid. It "
	    "should have a period.");
}

/* email-validator checks the period before the special-use names. */
Test(email, localhost)
{
	refuses("x@localhost",
	    "The part after the @-sign is not valid. It "
	    "should have a period.");
}

Test(email, special_use_domains)
{
	static const char *in[] = { "x@y.test", "me@anything.arpa",
		"me@valid.invalid", "me@link.local", "me@host.localhost",
		"me@onion.onion.onion", "me@test.test.test", "x@Y.TEST", NULL };
	size_t i;

	for (i = 0; in[i] != NULL; i++)
		refuses(in[i],
		    "The part after the @-sign is a special-use or "
		    "reserved name that cannot be used with email.");
}

Test(email, ip_literal)
{
	refuses("x@[1.2.3.4]",
	    "A bracketed IP address after the @-sign is "
	    "not allowed here.");
}

Test(email, quoted_local_part)
{
	refuses("\"ana\"@example.com",
	    "Quoting the part before the @-sign is "
	    "not allowed here.");
	refuses("\"quoted with space\"@example.com",
	    "Quoting the part before "
	    "the @-sign is not allowed here.");
}

Test(email, numeric_tld)
{
	refuses("x@example.123",
	    "The part after the @-sign is not valid. It "
	    "is not within a valid top-level domain.");
}

/* DOMAIN_NAME_REGEX: every TLD ends with a letter. */
Test(email, tld_not_ending_with_a_letter)
{
	refuses("me@bad.tld-2",
	    "The part after the @-sign is not valid. It "
	    "is not within a valid top-level domain.");
	refuses("me@example.a1",
	    "The part after the @-sign is not valid. It "
	    "is not within a valid top-level domain.");
}

Test(email, hyphens_in_the_domain)
{
	refuses("me@-example.com",
	    "An email address cannot have a hyphen "
	    "immediately after the @-sign.");
	refuses("me@example.com-",
	    "An email address cannot end with a "
	    "hyphen.");
	refuses("my@baddash.-a.com",
	    "An email address cannot have a period "
	    "and a hyphen next to each other.");
	refuses("my@baddash.b-.com",
	    "An email address cannot have a period "
	    "and a hyphen next to each other.");
}

Test(email, invalid_characters)
{
	refuses("me@x!.com",
	    "The part after the @-sign contains invalid "
	    "characters: '!'.");
	refuses("me@exa_mple.com",
	    "The part after the @-sign contains "
	    "invalid characters: '_'.");
	refuses("bad\"quotes\"@example.com",
	    "The email address contains "
	    "invalid characters before the @-sign: '\"'.");
	refuses("a(b@example.com",
	    "The email address contains invalid "
	    "characters before the @-sign: '('.");
}

/* safe_character_display: spaces and controls by their Unicode names. */
Test(email, whitespace_named)
{
	refuses("white space@example.com",
	    "The email address contains "
	    "invalid characters before the @-sign: SPACE.");
	refuses("m\ny@example.com",
	    "The email address contains invalid "
	    "characters before the @-sign: U+000A.");
}

Test(email, local_part_too_long)
{
	char in[128];

	memset(in, 'a', 65);
	(void)memcpy(in + 65, "@example.com", sizeof("@example.com"));
	refuses(in,
	    "The email address is too long before the @-sign "
	    "(1 character too many).");
	memset(in, 'a', 66);
	(void)memcpy(in + 66, "@example.com", sizeof("@example.com"));
	refuses(in,
	    "The email address is too long before the @-sign "
	    "(2 characters too many).");
	memset(in, 'a', 64);
	(void)memcpy(in + 64, "@example.com", sizeof("@example.com"));
	accepts(in, in);
}

Test(email, address_too_long)
{
	static const char *l50 =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char in[400];

	/* 255 characters, the domain within its own 253 */
	(void)snprintf(in, sizeof(in), "me@%s.%s.%s.%s.%.*s.com", l50, l50, l50,
	    l50, 44, l50);
	cr_assert_eq(strlen(in), 255);
	refuses(in, "The email address is too long (1 character too many).");
	(void)snprintf(in, sizeof(in), "me@%s.%s.%s.%s.%.*s.com", l50, l50, l50,
	    l50, 45, l50);
	refuses(in, "The email address is too long (2 characters too many).");
	(void)snprintf(in, sizeof(in), "me@%s.%s.%s.%s.%.*s.com", l50, l50, l50,
	    l50, 43, l50);
	accepts(in, in);
}

Test(email, display_name_only_around_an_address)
{
	/* a '<' that is not a display-name form is an invalid character */
	refuses("a<b@example.com",
	    "The email address contains invalid "
	    "characters before the @-sign: '<'.");
}
