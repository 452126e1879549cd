/* etag.c: a customer's entity-tag and the If-Match / If-None-Match lists. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/etag.h"

Test(etag, formats_a_version_as_a_strong_tag)
{
	char tag[ETAG_MAX];

	cr_assert_eq(etag_format("1", tag), 0);
	cr_assert_str_eq(tag, "\"1\"");
	cr_assert_eq(etag_format("123456789012345678", tag), 0);
	cr_assert_str_eq(tag, "\"123456789012345678\"");
}

Test(etag, refuses_what_is_not_a_version)
{
	static const char *const bad[] = { "", "0", "07", "-1", "1.5", "12a",
		"1234567890123456789", NULL };
	char tag[ETAG_MAX];
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		cr_expect_eq(etag_format(bad[i], tag), -1, "%s", bad[i]);
		cr_expect_str_eq(tag, "", "%s", bad[i]);
	}
	cr_expect_eq(etag_format(NULL, tag), -1);
}

Test(etag, absent_field_is_no_condition)
{
	struct etag_cond c;

	etag_cond_parse(NULL, ETAG_STRONG, &c);
	cr_assert_eq(c.present, 0);
	cr_assert_null(etag_cond_param(&c));
	cr_assert_eq(etag_cond_matches(&c, "1"), 0);
}

Test(etag, star_matches_any_version)
{
	static const char *const stars[] = { "*", " * ", "\t*", NULL };
	struct etag_cond c;
	int i;

	for (i = 0; stars[i] != NULL; i++) {
		etag_cond_parse(stars[i], ETAG_STRONG, &c);
		cr_expect(c.present && c.any, "%s", stars[i]);
		cr_expect_null(etag_cond_param(&c), "%s", stars[i]);
		cr_expect(etag_cond_matches(&c, "42"), "%s", stars[i]);
	}
}

Test(etag, a_list_names_its_versions)
{
	struct etag_cond c;

	etag_cond_parse("\"3\", \"17\",\"3\"", ETAG_STRONG, &c);
	cr_assert_str_eq(etag_cond_param(&c), "{3,17,3}");
	cr_expect(etag_cond_matches(&c, "3"));
	cr_expect(etag_cond_matches(&c, "17"));
	cr_expect_not(etag_cond_matches(&c, "1"));
	cr_expect_not(etag_cond_matches(&c, "7"));
	cr_expect_not(etag_cond_matches(&c, "31"));
	/* empty elements and OWS are allowed by the list syntax */
	etag_cond_parse(" ,\t\"5\" ,, ", ETAG_STRONG, &c);
	cr_assert_str_eq(etag_cond_param(&c), "{5}");
}

Test(etag, weak_tags_match_only_weakly)
{
	struct etag_cond c;

	etag_cond_parse("W/\"4\", \"9\"", ETAG_STRONG, &c);
	cr_assert_str_eq(etag_cond_param(&c), "{9}");
	cr_expect_not(etag_cond_matches(&c, "4"));
	etag_cond_parse("W/\"4\", \"9\"", ETAG_WEAK, &c);
	cr_assert_str_eq(etag_cond_param(&c), "{4,9}");
	cr_expect(etag_cond_matches(&c, "4"));
	/* the weak prefix is case-sensitive */
	etag_cond_parse("w/\"4\"", ETAG_WEAK, &c);
	cr_expect_str_eq(etag_cond_param(&c), "{}");
}

Test(etag, tags_we_never_make_name_nothing)
{
	struct etag_cond c;

	etag_cond_parse("\"abc\", \"007\", \"\", \"1234567890123456789\"",
	    ETAG_STRONG, &c);
	cr_assert(c.present);
	cr_assert_not(c.any);
	cr_assert_str_eq(etag_cond_param(&c), "{}");
	cr_expect_not(etag_cond_matches(&c, "7"));
}

Test(etag, a_malformed_field_names_nothing)
{
	static const char *const bad[] = { "3", "\"3", "\"3\" \"4\"",
		"\"3\", *", "*, \"3\"", "W/ \"3\"", "\"3\"x", "\"a b\"",
		"\"3\";q=1", "**", NULL };
	struct etag_cond c;
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		etag_cond_parse(bad[i], ETAG_WEAK, &c);
		cr_expect(c.present, "%s", bad[i]);
		cr_expect_not(c.any, "%s", bad[i]);
		cr_expect_str_eq(etag_cond_param(&c), "{}", "%s", bad[i]);
		cr_expect_not(etag_cond_matches(&c, "3"), "%s", bad[i]);
	}
	/* present and empty: a list of no tags */
	etag_cond_parse("", ETAG_STRONG, &c);
	cr_expect(c.present);
	cr_expect_str_eq(etag_cond_param(&c), "{}");
}

Test(etag, only_the_first_tags_count)
{
	char field[ETAG_COND_TAGS * 8 + 16];
	struct etag_cond c;
	size_t at = 0;
	int i;

	for (i = 1; i <= ETAG_COND_TAGS + 1; i++)
		at += (size_t)snprintf(field + at, sizeof(field) - at,
		    "%s\"%d\"", i > 1 ? ", " : "", i);
	etag_cond_parse(field, ETAG_STRONG, &c);
	cr_expect(etag_cond_matches(&c, "1"));
	cr_expect(etag_cond_matches(&c, "32"));
	cr_expect_not(etag_cond_matches(&c, "33"));
}

Test(etag, the_largest_list_fits)
{
	char field[ETAG_COND_TAGS * 24], tag[ETAG_DIGITS + 1];
	struct etag_cond c;
	size_t at = 0;
	int i;

	memset(tag, '9', ETAG_DIGITS);
	tag[ETAG_DIGITS] = '\0';
	for (i = 0; i < ETAG_COND_TAGS; i++)
		at += (size_t)snprintf(field + at, sizeof(field) - at,
		    "%s\"%s\"", i > 0 ? "," : "", tag);
	etag_cond_parse(field, ETAG_STRONG, &c);
	cr_assert_eq(strlen(etag_cond_param(&c)), sizeof(c.versions) - 1);
	cr_expect(etag_cond_matches(&c, tag));
}
