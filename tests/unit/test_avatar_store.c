/*
 * avatar_store.c: atomic saves in UPLOAD_DIR, removal and loading of
 * generated names only, nothing left behind on failure.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "infra/avatar_store.h"
#include "infra/settings.h"

#define NAME "00112233445566778899aabbccddeeff.png"

static char dir[] = "/tmp/bee-avatar-store-XXXXXX";
static char *saved_dir;

static void setup(void);
static void teardown(void);
static size_t entries(void);
static char *path_of(const char *);

static void
setup(void)
{
	cr_assert(mkdtemp(dir) != NULL);
	saved_dir = settings.upload_dir;
	settings.upload_dir = dir;
}

static void
teardown(void)
{
	struct dirent *e;
	DIR *d;
	char *p;

	settings.upload_dir = saved_dir;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' &&
		    (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
			continue;
		p = path_of(e->d_name);
		(void)unlink(p);
		free(p);
	}
	(void)closedir(d);
	(void)rmdir(dir);
}

static char *
path_of(const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return (p);
}

/* Files in the directory, dot files included. */
static size_t
entries(void)
{
	struct dirent *e;
	DIR *d;
	size_t n;

	n = 0;
	cr_assert((d = opendir(dir)) != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	(void)closedir(d);
	return (n);
}

TestSuite(avatar_store, .init = setup, .fini = teardown);

Test(avatar_store, save_load_remove)
{
	static const unsigned char data[] = "\x89PNG\r\n\x1a\nbytes";
	unsigned char *back;
	struct stat st;
	size_t len;
	char *p;

	cr_assert_eq(avatar_save(NAME, data, sizeof(data)), 0);
	cr_assert_eq(entries(), 1, "no temporary file left");
	p = path_of(NAME);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, (off_t)sizeof(data));
	cr_assert_eq(st.st_mode & 0777, 0644);

	cr_assert_eq(avatar_load(NAME, &back, &len), 0);
	cr_assert_eq(len, sizeof(data));
	cr_assert(memcmp(back, data, len) == 0);
	free(back);

	cr_assert_eq(avatar_remove(NAME), 0);
	cr_assert_eq(stat(p, &st), -1);
	cr_assert_eq(avatar_remove(NAME), 0, "already gone is success");
	cr_assert_eq(avatar_load(NAME, &back, &len), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(back);
	free(p);
}

Test(avatar_store, empty_file)
{
	unsigned char *back;
	size_t len;

	cr_assert_eq(avatar_save(NAME, (const unsigned char *)"", 0), 0);
	cr_assert_eq(avatar_load(NAME, &back, &len), 0);
	cr_assert_eq(len, 0);
	free(back);
}

Test(avatar_store, other_names_refused)
{
	static const char *bad[] = { "../" NAME, "x.png", ".tmp-" NAME,
		"/etc/passwd", "00112233445566778899aabbccddeeff.txt", NULL };
	unsigned char *back;
	size_t len, i;
	char *victim;
	FILE *f;

	victim = path_of("x.png");
	cr_assert((f = fopen(victim, "w")) != NULL);
	(void)fclose(f);
	for (i = 0; bad[i] != NULL; i++) {
		errno = 0;
		cr_assert_eq(avatar_remove(bad[i]), -1, "%s", bad[i]);
		cr_assert_eq(errno, EINVAL);
		cr_assert_eq(avatar_load(bad[i], &back, &len), -1);
		cr_assert_eq(errno, EINVAL);
		cr_assert_eq(avatar_save(bad[i], (const unsigned char *)"x", 1),
		    -1);
		cr_assert_eq(errno, EINVAL);
	}
	cr_assert_eq(access(victim, F_OK), 0, "x.png still there");
	cr_assert_eq(entries(), 1);
	free(victim);
}

Test(avatar_store, no_symlinks_or_directories)
{
	unsigned char *back;
	size_t len;
	char *p;

	p = path_of(NAME);
	cr_assert_eq(symlink("/etc/hostname", p), 0);
	cr_assert_eq(avatar_load(NAME, &back, &len), -1);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(mkdir(p, 0755), 0);
	cr_assert_eq(avatar_load(NAME, &back, &len), -1);
	cr_assert_eq(rmdir(p), 0);
	free(p);
}

Test(avatar_store, failed_save_leaves_nothing)
{
	char *saved;

	saved = settings.upload_dir;
	settings.upload_dir = "/nonexistent/bee-uploads";
	cr_assert_eq(avatar_save(NAME, (const unsigned char *)"x", 1), -1);
	settings.upload_dir = saved;
	cr_assert_eq(entries(), 0);
}

/* A file of `name` in the directory, last modified at `mtime`. */
static void
touch_at(const char *name, time_t mtime)
{
	struct timespec ts[2];
	char *p;
	FILE *f;

	p = path_of(name);
	cr_assert_not_null(f = fopen(p, "w"));
	cr_assert_eq(fclose(f), 0);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	cr_assert_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static int
exists(const char *name)
{
	char *p;
	int rc;

	p = path_of(name);
	rc = access(p, F_OK) == 0;
	free(p);
	return (rc);
}

Test(avatar_store, sweep_removes_only_old_temporaries)
{
	time_t now = time(NULL);

	touch_at(".tmp-" NAME, now - 7200);
	touch_at(".tmp-ffeeddccbbaa99887766554433221100.jpg", now - 10);
	touch_at(NAME, now - 7200); /* a stored avatar */
	touch_at(".tmp-not-generated.png", now - 7200); /* not ours */
	cr_assert_eq(avatar_sweep_temporaries(now - 3600), 1);
	cr_expect(!exists(".tmp-" NAME));
	cr_expect(exists(".tmp-ffeeddccbbaa99887766554433221100.jpg"));
	cr_expect(exists(NAME));
	cr_expect(exists(".tmp-not-generated.png"));
	cr_assert_eq(avatar_sweep_temporaries(now - 3600), 0);
}

Test(avatar_store, sweep_of_a_missing_directory)
{
	char *saved;

	saved = settings.upload_dir;
	settings.upload_dir = "/nonexistent/bee-uploads";
	cr_expect_eq(avatar_sweep_temporaries(time(NULL)), -1);
	settings.upload_dir = saved;
}
