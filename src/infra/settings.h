/*
 * Service settings: the environment first, then `.env` in the working
 * directory (docs/operations.md, settings). Parsed once in the parent
 * before the workers fork; the workers inherit the result.
 */
#ifndef BEE_SETTINGS_H
#define BEE_SETTINGS_H

#include <stddef.h>

#include "infra/settings_types.h"

/*
 * Fills `s` from the environment and the .env file at `dotenv_path`
 * (NULL: ".env"). Returns 0, or -1 with one line naming the setting in err.
 */
int settings_load(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen);
/* The same without the JWT settings (SECRET_KEY, ...): for tools. */
int settings_load_noauth(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen);
void settings_free(struct settings *s);

extern struct settings settings;

/* The table: one row per variable, in the order they are checked. */
extern const struct setting settings_table[];
extern const size_t settings_table_len;

#endif
