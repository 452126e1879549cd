/*
 * The `.env` file: KEY=value lines, `#` comments, optional quotes, an
 * `export ` prefix ignored. The environment always wins over the file.
 */
#ifndef BEE_DOTENV_H
#define BEE_DOTENV_H

#include <stddef.h>

struct dotenv_pair {
	char *key;
	char *value;
};

struct dotenv {
	struct dotenv_pair *pairs; /* owned */
	size_t count;
	char error[128];
};

/* A missing file is an empty one; -1 (with error set) on a bad line. */
int dotenv_read(struct dotenv *env, const char *path);
int dotenv_parse(struct dotenv *env, const char *text);
const char *dotenv_get(const struct dotenv *env, const char *key);
void dotenv_free(struct dotenv *env);

#endif
