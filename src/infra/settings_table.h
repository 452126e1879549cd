/*
 * The settings as data: one row per variable, in the order they are
 * checked. settings.c parses the environment with it; tools/settings_docs.c
 * prints .env.example, the settings table of docs/operations.md and the
 * list scripts/dev clears from it, so that none of them can drift.
 */
#ifndef BEE_SETTINGS_TABLE_H
#define BEE_SETTINGS_TABLE_H

#include <stddef.h>

#include "infra/settings.h"

#define SETTING_EMPTY_IS_UNSET 0x01 /* NAME= means the default */
#define SETTING_AUTH 0x02 /* JWT: skipped by settings_load_noauth */

struct setting;

/*
 * Stores the value at the row's place in `s`. The value is never NULL: the
 * default stands in for an unset variable, and a row without a default is
 * left zero when unset (a required one has the default "", which its
 * parser refuses). Returns 0, or -1: "NAME: error" is reported, or the
 * parser's own line when it wrote one in err.
 */
typedef int (*setting_parser)(const struct setting *row, const char *value,
    struct settings *s, char *err, size_t errlen);

struct setting {
	const char *name;
	const char *alias; /* read when `name` is unset, or NULL */
	const char *fallback; /* default as text; NULL: none, unset */
	const char *shown; /* the default as the docs say it, or NULL */
	setting_parser parse;
	size_t offset; /* where it goes in struct settings ... */
	size_t size; /* ... and its size */
	long min, max; /* numbers: the accepted range */
	const char *error; /* after "NAME: " when parse fails */
	int flags;
	const char *about; /* one line, Markdown */
};

extern const struct setting settings_table[];
extern const size_t settings_table_len;

/* The parsers of the rows (settings_parse.c). */
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
int setting_log_level(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_rate(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_algorithm(const struct setting *, const char *, struct settings *,
    char *, size_t);
int setting_public_key_file(const struct setting *, const char *,
    struct settings *, char *, size_t);
int setting_secret_key(const struct setting *, const char *, struct settings *,
    char *, size_t);

#endif
