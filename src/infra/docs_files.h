/*
 * The docs pages' vendor files (Swagger UI, ReDoc): a fixed list of names,
 * read from DOCS_ASSETS_DIR (settings.docs_assets_dir), which `scripts/dev
 * docs` fills from the pinned npm packages. A name off the list never
 * becomes a path, so nothing else under that folder, or outside it, can
 * be read. Pure C (no Kore): tests/unit/test_docs_files.c.
 */
#ifndef BEE_DOCS_FILES_H
#define BEE_DOCS_FILES_H

#include <stddef.h>

/* Largest file read: redoc.standalone.js is about 1 MiB. */
#define DOCS_FILE_MAX (8 * 1024 * 1024)

struct docs_file {
	const char *name; /* as in the URL and in DOCS_ASSETS_DIR */
	const char *content_type;
	int group; /* DOCS_SWAGGER or DOCS_REDOC: the page that needs it */
};

#define DOCS_SWAGGER 1
#define DOCS_REDOC 2

/* The entry for `name`, or NULL when the name is not on the list. */
const struct docs_file *docs_file_lookup(const char *name);

/*
 * The contents of `f` from `dir`, read on first use and kept for the
 * process's life (restart to apply new files); a file that cannot be read
 * is tried again next time. 0, or -1 with errno (ENOENT: not installed).
 * The data belongs to this module.
 */
int docs_file_get(const char *dir, const struct docs_file *f,
    const unsigned char **data, size_t *len);

/* 1 when every file of `group` can be read from `dir`. */
int docs_files_ready(const char *dir, int group);

/* Frees what docs_file_get kept (tests). */
void docs_files_reset(void);

#endif
