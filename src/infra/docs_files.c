/*
 * The allow-list of the docs pages' vendor files and their per-process
 * cache. Blocking reads on the worker's loop, once per file and worker:
 * local files of at most a few MiB, read on the first request that needs
 * them, never again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/docs_files.h"
#include "infra/whole_file.h"

#define JS "text/javascript; charset=utf-8"

/* clang-format off */
static const struct docs_file files[] = {
	{ "swagger-ui.css",		"text/css; charset=utf-8",	DOCS_SWAGGER },
	{ "swagger-ui-bundle.js",	JS,				DOCS_SWAGGER },
	{ "oauth2-redirect.js",		JS,				DOCS_SWAGGER },
	{ "favicon-32x32.png",		"image/png",			DOCS_SWAGGER | DOCS_REDOC },
	{ "redoc.standalone.js",	JS,				DOCS_REDOC },
};
/* clang-format on */

#define NFILES (sizeof(files) / sizeof(files[0]))

static struct {
	unsigned char *data; /* malloc'd, owned here */
	size_t len;
} cache[NFILES];

static int read_file(const char *, const char *, unsigned char **, size_t *);

const struct docs_file *
docs_file_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NFILES; i++) {
		if (!strcmp(files[i].name, name))
			return (&files[i]);
	}
	return (NULL);
}

int
docs_file_get(const char *dir, const struct docs_file *f,
    const unsigned char **data, size_t *len)
{
	size_t i;

	i = (size_t)(f - files);
	if (i >= NFILES) {
		errno = EINVAL;
		return (-1);
	}
	if (cache[i].data == NULL &&
	    read_file(dir, f->name, &cache[i].data, &cache[i].len) == -1)
		return (-1);
	*data = cache[i].data;
	*len = cache[i].len;
	return (0);
}

int
docs_files_ready(const char *dir, int group)
{
	const unsigned char *data;
	size_t i, len;

	for (i = 0; i < NFILES; i++) {
		if ((files[i].group & group) &&
		    docs_file_get(dir, &files[i], &data, &len) == -1)
			return (0);
	}
	return (1);
}

void
docs_files_reset(void)
{
	size_t i;

	for (i = 0; i < NFILES; i++) {
		free(cache[i].data);
		cache[i].data = NULL;
		cache[i].len = 0;
	}
}

/* A regular file of 1 to DOCS_FILE_MAX bytes, whole, or -1. */
static int
read_file(const char *dir, const char *name, unsigned char **data, size_t *len)
{
	char path[PATH_MAX];
	int fd, w;

	w = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (whole_file_read(fd, DOCS_FILE_MAX, data, len) == -1)
		return (-1);
	if (*len == 0) {
		free(*data);
		*data = NULL;
		errno = EFBIG;
		return (-1);
	}
	return (0);
}
