/*
 * The parsers of the settings table's rows (settings.c): each checks one
 * variable's text and stores it at its row's place in struct settings.
 */
#ifndef BEE_SETTINGS_PARSE_H
#define BEE_SETTINGS_PARSE_H

#include <stddef.h>

#include "infra/settings_types.h"

int setting_chars(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_text(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_number(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_port(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_database_url(const struct setting *, const char *,
    struct settings *, char *, size_t);
int setting_rabbitmq_url(const struct setting *, const char *,
    struct settings *, char *, size_t);
int setting_redis_url(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_http_url(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_rate(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_public_key_file(const struct setting *, const char *,
    struct settings *, char *, size_t);
int setting_secret_key(const struct setting *, const char *, struct settings *,
    char *, size_t);

int setting_choice(const struct setting *, const char *, struct settings *,
    char *, size_t);

#endif
