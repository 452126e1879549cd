/*
 * uuid.c: the forms the original accepted, always written canonical, and
 * pydantic-core 2.33's error texts (Rust's uuid crate) for the rest.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "model/uuid.h"

#define CANON "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b"

static void accepts(const char *, const char *);
static void refuses(const char *, const char *);

static void
accepts(const char *in, const char *want)
{
	char out[UUID_STRLEN], err[UUID_ERRLEN];

	err[0] = '\0';
	cr_assert_eq(uuid_parse(in, out, err, sizeof(err)), 0, "refused %s: %s",
	    in, err);
	cr_assert_str_eq(out, want, "%s", in);
	cr_assert(uuid_is_canonical(out));
}

static void
refuses(const char *in, const char *want)
{
	char out[UUID_STRLEN], err[UUID_ERRLEN];

	memset(err, 0, sizeof(err));
	cr_assert_eq(uuid_parse(in, out, err, sizeof(err)), -1, "accepted %s",
	    in);
	cr_assert_str_eq(err, want, "input %s", in);
}

Test(uuid, hyphenated)
{
	accepts(CANON, CANON);
}

Test(uuid, simple_32_hex)
{
	accepts("3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b", CANON);
}

Test(uuid, braced)
{
	accepts("{" CANON "}", CANON);
}

Test(uuid, urn)
{
	accepts("urn:uuid:" CANON, CANON);
}

Test(uuid, upper_case_written_lower)
{
	accepts("3F2A6C1E-9B4D-4E2F-8A7B-0C1D2E3F4A5B", CANON);
	accepts("3F2A6C1E9B4D4E2F8A7B0C1D2E3F4A5B", CANON);
	accepts("{3F2A6C1E-9B4D-4E2F-8A7B-0C1D2E3F4A5B}", CANON);
	accepts("urn:uuid:3F2A6C1E-9b4d-4E2F-8a7b-0C1D2E3F4A5B", CANON);
}

Test(uuid, nil_uuid_is_a_uuid)
{
	accepts("00000000-0000-0000-0000-000000000000",
	    "00000000-0000-0000-0000-000000000000");
}

Test(uuid, invalid_character)
{
	refuses("x",
	    "invalid character: expected an optional prefix of "
	    "`urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1");
	refuses("notauuid",
	    "invalid character: expected an optional prefix "
	    "of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1");
	refuses("3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5g",
	    "invalid character: "
	    "expected an optional prefix of `urn:uuid:` followed by "
	    "[0-9a-fA-F-], found `g` at 36");
}

Test(uuid, invalid_character_position_counts_the_prefix)
{
	refuses("urn:uuid:x",
	    "invalid character: expected an optional "
	    "prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at "
	    "10");
	refuses("{x}",
	    "invalid character: expected an optional prefix of "
	    "`urn:uuid:` followed by [0-9a-fA-F-], found `x` at 2");
}

Test(uuid, invalid_character_multibyte)
{
	refuses("12\xc3\xa9",
	    "invalid character: expected an optional "
	    "prefix of `urn:uuid:` followed by [0-9a-fA-F-], found "
	    "`\xc3\xa9` at 3");
}

Test(uuid, invalid_length_simple)
{
	refuses("1234",
	    "invalid length: expected length 32 for simple "
	    "format, found 4");
	refuses("",
	    "invalid length: expected length 32 for simple format, "
	    "found 0");
	refuses("3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b0",
	    "invalid length: "
	    "expected length 32 for simple format, found 33");
}

Test(uuid, invalid_group_count)
{
	refuses("12-34", "invalid group count: expected 5, found 2");
	refuses("3f2a6c1e-9b4d-4e2f-8a7b0c1d2e3f4a5b",
	    "invalid group count: "
	    "expected 5, found 4");
	refuses("3f2a6c1e-9b4d-4e2f-8a7b-0c1d-2e3f4a5b",
	    "invalid group "
	    "count: expected 5, found 6");
}

/*
 * The uuid crate treats a braced or urn: value without hyphens as a
 * hyphenated UUID with one group ("simple" only without a prefix).
 */
Test(uuid, prefixed_simple_form_is_a_group_count_error)
{
	refuses("{3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b}",
	    "invalid group count: "
	    "expected 5, found 1");
	refuses("urn:uuid:3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b",
	    "invalid group "
	    "count: expected 5, found 1");
	refuses("{1234}", "invalid group count: expected 5, found 1");
}

/* hyphen_count + 1, however many hyphens there are. */
Test(uuid, group_count_is_not_capped)
{
	char in[80];

	memset(in, '-', 70);
	in[70] = '\0';
	refuses(in, "invalid group count: expected 5, found 71");
}

Test(uuid, invalid_group_length)
{
	refuses("3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b0",
	    "invalid group "
	    "length in group 4: expected 12, found 13");
	refuses("3f2a6c1-9b4d-4e2f-8a7b-0c1d2e3f4a5b",
	    "invalid group length "
	    "in group 0: expected 8, found 7");
	refuses("3f2a6c1e-9b4-4e2f-8a7b-0c1d2e3f4a5b",
	    "invalid group length "
	    "in group 1: expected 4, found 3");
	refuses("3f2a6c1e-9b4d-4e2f-8a7bb-0c1d2e3f4a5",
	    "invalid group "
	    "length in group 3: expected 4, found 5");
}

Test(uuid, error_text_fits_the_buffer)
{
	char out[UUID_STRLEN], err[UUID_ERRLEN];

	cr_assert_eq(uuid_parse("urn:uuid:zzz", out, err, sizeof(err)), -1);
	cr_assert_lt(strlen(err), sizeof(err) - 1);
}

Test(uuid, is_canonical)
{
	cr_assert(uuid_is_canonical(CANON));
	cr_assert_not(
	    uuid_is_canonical("3F2A6C1E-9B4D-4E2F-8A7B-0C1D2E3F4A5B"));
	cr_assert_not(uuid_is_canonical("3f2a6c1e9b4d4e2f8a7b0c1d2e3f4a5b"));
	cr_assert_not(uuid_is_canonical("{" CANON "}"));
	cr_assert_not(uuid_is_canonical("3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5"));
	cr_assert_not(
	    uuid_is_canonical("3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5g"));
	cr_assert_not(
	    uuid_is_canonical("3f2a6c1e+9b4d-4e2f-8a7b-0c1d2e3f4a5b"));
	cr_assert_not(uuid_is_canonical(""));
}

Test(uuid, random_is_canonical_version_4)
{
	char a[UUID_STRLEN], b[UUID_STRLEN];
	int i;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(uuid_random(a), 0);
		cr_assert(uuid_is_canonical(a), "%s", a);
		cr_assert_eq(a[14], '4', "version nibble of %s", a);
		cr_assert(strchr("89ab", a[19]) != NULL, "variant of %s", a);
	}
	cr_assert_eq(uuid_random(b), 0);
	cr_assert_str_neq(a, b);
}
