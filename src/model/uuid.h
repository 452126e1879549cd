/*
 * UUIDs as the original's clients send them: hyphenated, 32 hex digits,
 * `{...}` or `urn:uuid:...`, any case; always written lower-case
 * hyphenated. Failures carry pydantic-core's wording for 422 items.
 */
#ifndef BEE_UUID_H
#define BEE_UUID_H

#include <stddef.h>

#define UUID_STRLEN 37 /* 36 characters and the NUL */
#define UUID_ERRLEN 160

/* 0 and the canonical form in out, or -1 and the reason in err. */
int uuid_parse(const char *in, char out[UUID_STRLEN], char *err, size_t errlen);
int uuid_is_canonical(const char *s);
/* A random (version 4) UUID; -1 if the kernel gives no randomness. */
int uuid_random(char out[UUID_STRLEN]);

#endif
