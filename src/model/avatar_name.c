/* Server-owned avatar file names: made here, and checked here. */
#include <string.h>

#include "model/avatar_name.h"

static const char hex[] = "0123456789abcdef";

void
avatar_name_make(const unsigned char random[AVATAR_NAME_RANDOM],
    enum image_type type, char *out)
{
	const char *ext;
	size_t i;

	for (i = 0; i < AVATAR_NAME_RANDOM; i++) {
		out[2 * i] = hex[random[i] >> 4];
		out[2 * i + 1] = hex[random[i] & 0x0f];
	}
	ext = image_extension(type);
	out[2 * AVATAR_NAME_RANDOM] = '.';
	(void)memcpy(out + 2 * AVATAR_NAME_RANDOM + 1,
	    ext != NULL ? ext : "bin", 4);
}

enum image_type
avatar_name_type(const char *name)
{
	size_t i;

	if (name == NULL || strlen(name) != AVATAR_NAME_LEN)
		return (IMAGE_NONE);
	for (i = 0; i < 2 * AVATAR_NAME_RANDOM; i++) {
		if (!((name[i] >= '0' && name[i] <= '9') ||
			(name[i] >= 'a' && name[i] <= 'f')))
			return (IMAGE_NONE);
	}
	if (strcmp(name + 2 * AVATAR_NAME_RANDOM, ".jpg") == 0)
		return (IMAGE_JPEG);
	if (strcmp(name + 2 * AVATAR_NAME_RANDOM, ".png") == 0)
		return (IMAGE_PNG);
	return (IMAGE_NONE);
}
