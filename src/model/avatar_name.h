/*
 * Avatar file names: the service makes them (32 random lower-case hex
 * digits and the type's extension), and only names of exactly that form
 * are ever opened, served or unlinked, so no request can name a path.
 * Pure C, tested in tests/unit/test_avatar_name.c.
 */
#ifndef BEE_AVATAR_NAME_H
#define BEE_AVATAR_NAME_H

#include "model/image.h"

#define AVATAR_NAME_RANDOM 16 /* bytes of randomness: 32 hex digits */
#define AVATAR_NAME_LEN (AVATAR_NAME_RANDOM * 2 + 4) /* + ".png" */

/* out: AVATAR_NAME_LEN + 1 bytes. */
void avatar_name_make(const unsigned char random[AVATAR_NAME_RANDOM],
    enum image_type type, char *out);
/* The type a valid name stands for, else IMAGE_NONE. */
enum image_type avatar_name_type(const char *name);

#endif
