/*
 * docs_files.c: only listed names, read once from the folder and kept,
 * a missing file tried again (installed later without a restart).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "infra/docs_files.h"

static char dir[] = "/tmp/bee-docs-files-XXXXXX";

static void setup(void);
static void teardown(void);
static void put(const char *, const char *);

static void
setup(void)
{
	cr_assert(mkdtemp(dir) != NULL);
	docs_files_reset();
}

static void
teardown(void)
{
	static const char *names[] = { "swagger-ui.css", "swagger-ui-bundle.js",
		"oauth2-redirect.js", "favicon-32x32.png",
		"redoc.standalone.js", "VERSIONS", NULL };
	char path[512];
	const char **n;

	docs_files_reset();
	for (n = names; *n != NULL; n++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

TestSuite(docs_files, .init = setup, .fini = teardown);

static void
put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
}

Test(docs_files, the_list)
{
	cr_assert_str_eq(docs_file_lookup("swagger-ui-bundle.js")->content_type,
	    "text/javascript; charset=utf-8");
	cr_assert_str_eq(docs_file_lookup("swagger-ui.css")->content_type,
	    "text/css; charset=utf-8");
	cr_assert_str_eq(docs_file_lookup("favicon-32x32.png")->content_type,
	    "image/png");
	cr_assert_eq(docs_file_lookup("redoc.standalone.js")->group,
	    DOCS_REDOC);
	cr_assert_null(docs_file_lookup("VERSIONS"));
	cr_assert_null(docs_file_lookup("../swagger-ui.css"));
	cr_assert_null(docs_file_lookup("swagger-ui.css/"));
	cr_assert_null(docs_file_lookup("./swagger-ui.css"));
	cr_assert_null(docs_file_lookup(""));
	cr_assert_null(docs_file_lookup("SWAGGER-UI.CSS"));
}

Test(docs_files, read_once_and_kept)
{
	const struct docs_file *f = docs_file_lookup("swagger-ui.css");
	const unsigned char *data;
	size_t len;

	put("swagger-ui.css", "body{}");
	cr_assert_eq(docs_file_get(dir, f, &data, &len), 0);
	cr_assert_eq(len, 6);
	cr_assert_eq(memcmp(data, "body{}", 6), 0);
	/* kept: a changed file shows after a restart, not before */
	put("swagger-ui.css", "changed");
	cr_assert_eq(docs_file_get(dir, f, &data, &len), 0);
	cr_assert_eq(len, 6);
}

Test(docs_files, missing_then_installed)
{
	const struct docs_file *f = docs_file_lookup("redoc.standalone.js");
	const unsigned char *data;
	size_t len;

	errno = 0;
	cr_assert_eq(docs_file_get(dir, f, &data, &len), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(docs_files_ready(dir, DOCS_REDOC), 0);
	put("redoc.standalone.js", "x");
	cr_assert_eq(docs_files_ready(dir, DOCS_REDOC), 0, "favicon missing");
	put("favicon-32x32.png", "p");
	cr_assert_eq(docs_files_ready(dir, DOCS_REDOC), 1);
	cr_assert_eq(docs_files_ready(dir, DOCS_SWAGGER), 0);
	cr_assert_eq(docs_file_get(dir, f, &data, &len), 0);
	cr_assert_eq(len, 1);
}

Test(docs_files, empty_and_directories_refused)
{
	const struct docs_file *f = docs_file_lookup("oauth2-redirect.js");
	const unsigned char *data;
	size_t len;
	char path[512];

	put("oauth2-redirect.js", "");
	cr_assert_eq(docs_file_get(dir, f, &data, &len), -1);
	snprintf(path, sizeof(path), "%s/oauth2-redirect.js", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(docs_file_get(dir, f, &data, &len), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rmdir(path), 0);
}
