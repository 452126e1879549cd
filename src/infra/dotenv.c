/*
 * `.env` reader, the same rules as the original's pydantic-settings: the
 * environment first, then the file; the last duplicate line wins.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/dotenv.h"
#include "infra/whole_file.h"
#include "model/xalloc.h"

#define DOTENV_MAX (256 * 1024)

static int parse_line(struct dotenv *, char *, size_t);
static int add_pair(struct dotenv *, const char *, size_t, const char *,
    size_t);

int
dotenv_read(struct dotenv *env, const char *path)
{
	unsigned char *text;
	size_t n;
	int fd, rc;

	memset(env, 0, sizeof(*env));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		(void)snprintf(env->error, sizeof(env->error), "%s: %s", path,
		    strerror(errno));
		return (-1);
	}
	/* a longer file is refused, never read in part */
	if (whole_file_read(fd, DOTENV_MAX, &text, &n) == -1) {
		(void)snprintf(env->error, sizeof(env->error), "%s: %s", path,
		    errno == EFBIG ? "larger than 256 KiB" : strerror(errno));
		return (-1);
	}
	if (memchr(text, '\0', n) != NULL) {
		(void)snprintf(env->error, sizeof(env->error),
		    "%s: contains a NUL byte", path);
		free(text);
		return (-1);
	}
	rc = dotenv_parse(env, (char *)text);
	free(text);
	return (rc);
}

int
dotenv_parse(struct dotenv *env, const char *text)
{
	char *copy, *line, *next;
	size_t lineno;

	copy = xstrdup(text);
	lineno = 0;
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (parse_line(env, line, lineno) == -1) {
			free(copy);
			dotenv_free(env);
			return (-1);
		}
	}
	free(copy);
	return (0);
}

static int
parse_line(struct dotenv *env, char *line, size_t lineno)
{
	char *key, *eq, *val, *end;
	size_t klen, vlen;

	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*line == '\0' || *line == '#')
		return (0);
	if (!strncmp(line, "export", 6) && isspace((unsigned char)line[6])) {
		line += 7;
		while (isspace((unsigned char)*line))
			line++;
	}

	if ((eq = strchr(line, '=')) == NULL) {
		(void)snprintf(env->error, sizeof(env->error),
		    "line %zu: expected KEY=value", lineno);
		return (-1);
	}
	key = line;
	klen = (size_t)(eq - line);
	while (klen > 0 && isspace((unsigned char)key[klen - 1]))
		klen--;
	if (klen == 0) {
		(void)snprintf(env->error, sizeof(env->error),
		    "line %zu: empty key", lineno);
		return (-1);
	}

	val = eq + 1;
	while (isspace((unsigned char)*val))
		val++;
	if (*val == '"' || *val == '\'') {
		/* Quoted: up to the closing quote; a comment may follow. */
		if ((end = strchr(val + 1, *val)) == NULL) {
			(void)snprintf(env->error, sizeof(env->error),
			    "line %zu: unterminated quote", lineno);
			return (-1);
		}
		vlen = (size_t)(end - val - 1);
		val++;
	} else {
		vlen = strlen(val);
		/* An unquoted value ends at an inline " #" comment. */
		if ((end = strstr(val, " #")) != NULL) {
			vlen = (size_t)(end - val);
			while (
			    vlen > 0 && isspace((unsigned char)val[vlen - 1]))
				vlen--;
		}
	}
	return (add_pair(env, key, klen, val, vlen));
}

static int
add_pair(struct dotenv *env, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	struct dotenv_pair *pairs;

	pairs = xrealloc(env->pairs, (env->count + 1) * sizeof(*pairs));
	env->pairs = pairs;
	pairs[env->count].key = xstrndup(key, klen);
	pairs[env->count].value = xstrndup(val, vlen);
	env->count++;
	return (0);
}

const char *
dotenv_get(const struct dotenv *env, const char *key)
{
	const char *v;
	size_t i;

	if ((v = getenv(key)) != NULL)
		return (v);
	for (i = env->count; i > 0; i--) {
		if (!strcmp(env->pairs[i - 1].key, key))
			return (env->pairs[i - 1].value);
	}
	return (NULL);
}

void
dotenv_free(struct dotenv *env)
{
	size_t i;

	for (i = 0; i < env->count; i++) {
		free(env->pairs[i].key);
		free(env->pairs[i].value);
	}
	free(env->pairs);
	env->pairs = NULL;
	env->count = 0;
}
