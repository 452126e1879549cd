/* avatar_name.c: the names the service makes, and only those accepted. */
#include <string.h>

#include <criterion/criterion.h>

#include "model/avatar_name.h"

#define HEX32 "00112233445566778899aabbccddeeff"

Test(avatar_name, made_from_random_bytes)
{
	unsigned char rnd[AVATAR_NAME_RANDOM];
	char name[AVATAR_NAME_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)(i * 0x11);
	memset(name, 'x', sizeof(name));
	avatar_name_make(rnd, IMAGE_PNG, name);
	cr_assert_str_eq(name, HEX32 ".png");
	avatar_name_make(rnd, IMAGE_JPEG, name);
	cr_assert_str_eq(name, HEX32 ".jpg");
	cr_assert_eq(strlen(name), AVATAR_NAME_LEN);
	cr_assert_eq(avatar_name_type(name), IMAGE_JPEG);
}

Test(avatar_name, generated_form_accepted)
{
	cr_assert_eq(avatar_name_type(HEX32 ".png"), IMAGE_PNG);
	cr_assert_eq(avatar_name_type(HEX32 ".jpg"), IMAGE_JPEG);
	cr_assert_eq(avatar_name_type("ffffffffffffffffffffffffffffffff.png"),
	    IMAGE_PNG);
}

Test(avatar_name, anything_else_refused)
{
	static const char *bad[] = {
		NULL,
		"",
		".png",
		HEX32,
		HEX32 ".gif",
		HEX32 ".jpeg",
		HEX32 ".PNG",
		HEX32 ".png ",
		HEX32 ".png/",
		"00112233445566778899AABBCCDDEEFF.png",
		"00112233445566778899aabbccddeef.png",
		"00112233445566778899aabbccddeeff0.png",
		"0011223344556677889-aabbccddeeff.png",
		"../../../../../../../../etc/passwd",
		"..%2f..%2f112233445566778899aabbccdd.png",
		".tmp-" HEX32 ".png",
		"/" HEX32 ".pn",
		"8bc4929d-8f21-420f-b92a-64e0d8a3ed4d_2d655290.jpg",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(avatar_name_type(bad[i]), IMAGE_NONE, "%s",
		    bad[i] ? bad[i] : "(null)");
}
