/* utf8.c: strict UTF-8 validation and code point counts. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/utf8.h"

static int valid(const char *);

static int
valid(const char *s)
{
	return (utf8_valid((const unsigned char *)s, strlen(s)));
}

Test(utf8, ascii_and_empty)
{
	cr_assert(valid(""));
	cr_assert(valid("Ana Popescu"));
	cr_assert(utf8_valid((const unsigned char *)"a\0b", 3));
}

Test(utf8, every_sequence_length)
{
	cr_assert(valid("\xc3\xa9")); /* U+00E9 */
	cr_assert(valid("\xc2\x80")); /* U+0080, smallest */
	cr_assert(valid("\xdf\xbf")); /* U+07FF */
	cr_assert(valid("\xe0\xa0\x80")); /* U+0800 */
	cr_assert(valid("\xe2\x82\xac")); /* U+20AC */
	cr_assert(valid("\xed\x9f\xbf")); /* U+D7FF */
	cr_assert(valid("\xee\x80\x80")); /* U+E000 */
	cr_assert(valid("\xef\xbf\xbf")); /* U+FFFF */
	cr_assert(valid("\xf0\x90\x80\x80")); /* U+10000 */
	cr_assert(valid("\xf0\x9f\x90\x9d")); /* U+1F41D */
	cr_assert(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
}

Test(utf8, overlong_forms)
{
	cr_assert_not(valid("\xc0\xaf")); /* '/' in 2 bytes */
	cr_assert_not(valid("\xc1\xbf"));
	cr_assert_not(valid("\xc0\x80")); /* NUL in 2 bytes */
	cr_assert_not(valid("\xe0\x80\xaf"));
	cr_assert_not(valid("\xe0\x9f\xbf")); /* U+07FF in 3 */
	cr_assert_not(valid("\xf0\x80\x80\xaf"));
	cr_assert_not(valid("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 */
}

Test(utf8, surrogates)
{
	cr_assert_not(valid("\xed\xa0\x80")); /* U+D800 */
	cr_assert_not(valid("\xed\xbf\xbf")); /* U+DFFF */
	cr_assert_not(valid("\xed\xa0\xbd\xed\xb2\xa9")); /* CESU pair */
}

Test(utf8, beyond_u10ffff)
{
	cr_assert_not(valid("\xf4\x90\x80\x80")); /* U+110000 */
	cr_assert_not(valid("\xf5\x80\x80\x80"));
	cr_assert_not(valid("\xf7\xbf\xbf\xbf"));
	cr_assert_not(valid("\xf8\x88\x80\x80\x80")); /* 5-byte form */
	cr_assert_not(valid("\xfc\x84\x80\x80\x80\x80"));
	cr_assert_not(valid("\xfe"));
	cr_assert_not(valid("\xff"));
}

Test(utf8, truncated)
{
	cr_assert_not(valid("\xc3"));
	cr_assert_not(valid("a\xe2\x82"));
	cr_assert_not(valid("\xf0\x9f\x90"));
	/* the length bounds the check, not a NUL */
	cr_assert_not(utf8_valid((const unsigned char *)"\xc3\xa9", 1));
	cr_assert(utf8_valid((const unsigned char *)"\xc3\xa9x", 2));
}

Test(utf8, bad_continuation)
{
	cr_assert_not(valid("\x80")); /* lone continuation */
	cr_assert_not(valid("a\xbf"));
	cr_assert_not(valid("\xc3\x28"));
	cr_assert_not(valid("\xe2\x28\xa1"));
	cr_assert_not(valid("\xe2\x82\x28"));
	cr_assert_not(valid("\xf0\x28\x8c\xbc"));
	cr_assert_not(valid("\xc3\xa9\xa9")); /* one too many */
}

Test(utf8, length_in_code_points)
{
	cr_assert_eq(utf8_length("", 0), 0);
	cr_assert_eq(utf8_length("abc", 3), 3);
	cr_assert_eq(utf8_length("Jos\xc3\xa9", 5), 4);
	cr_assert_eq(utf8_length("\xe2\x82\xac\xe2\x82\xac", 6), 2);
	cr_assert_eq(utf8_length("\xf0\x9f\x90\x9d!", 5), 2);
	cr_assert_eq(utf8_length("a\0b", 3), 3);
	/* a prefix of the bytes: the code points that start in it */
	cr_assert_eq(utf8_length("\xc3\xa9\xc3\xa9", 3), 2);
}
