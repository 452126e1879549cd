/* Random version 4 UUIDs, so every test owns its rows. */
#ifndef E2E_UUID4_H
#define E2E_UUID4_H

#define UUID_STR_LEN 37

void uuid4(char out[UUID_STR_LEN]);
int uuid_is_canonical(const char *s);

#endif
