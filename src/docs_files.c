/*
 * The allow-list of the docs pages' vendor files and their per-process
 * cache. Blocking reads on the worker's loop, once per file and worker:
 * local files of at most a few MiB, read on the first request that needs
 * them, never again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docs_files.h"

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

/* A regular file of at most DOCS_FILE_MAX bytes, whole, or -1. */
static int
read_file(const char *dir, const char *name, unsigned char **data, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned char *buf;
	size_t off;
	ssize_t n;
	int fd, saved, w;

	buf = NULL;
	w = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	saved = 0;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	else if (st.st_size <= 0 || st.st_size > DOCS_FILE_MAX)
		saved = EFBIG;
	else if ((buf = malloc((size_t)st.st_size)) == NULL)
		saved = ENOMEM;
	if (saved != 0) {
		(void)close(fd);
		errno = saved;
		return (-1);
	}
	off = 0;
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	(void)close(fd);
	if (off != (size_t)st.st_size) {
		free(buf);
		errno = EIO;
		return (-1);
	}
	*data = buf;
	*len = off;
	return (0);
}
