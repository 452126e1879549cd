/* Avatar files on disk: save (atomically), remove, load. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/avatar_name.h"
#include "infra/avatar_store.h"
#include "infra/settings.h"
#include "infra/whole_file.h"

/* a file being written: renamed to its name once complete */
#define TMP_PREFIX ".tmp-"

static int store_path(const char *, const char *, char *, size_t);
static int write_all(int, const unsigned char *, size_t);
static int sync_dir(void);

/* UPLOAD_DIR/<prefix><name>, for a name of the generated form only. */
static int
store_path(const char *prefix, const char *name, char *out, size_t outlen)
{
	int n;

	if (avatar_name_type(name) == IMAGE_NONE) {
		errno = EINVAL;
		return (-1);
	}
	n = snprintf(out, outlen, "%s/%s%s", settings.upload_dir, prefix, name);
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

static int
write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		data += n;
		len -= (size_t)n;
	}
	return (0);
}

/* The rename itself survives a crash only once the directory is synced. */
static int
sync_dir(void)
{
	int fd, rc;

	fd = open(settings.upload_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return (-1);
	rc = fsync(fd);
	(void)close(fd);
	return (rc);
}

int
avatar_save(const char *name, const unsigned char *data, size_t len)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, saved;

	/* A dot name: never of the generated form, so never served. */
	if (store_path(TMP_PREFIX, name, tmp, sizeof(tmp)) == -1 ||
	    store_path("", name, path, sizeof(path)) == -1)
		return (-1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return (-1);
	if (write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlink(tmp);
		errno = saved;
		return (-1);
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return (-1);
	}
	if (sync_dir() == -1) {
		saved = errno;
		(void)unlink(path);
		errno = saved;
		return (-1);
	}
	return (0);
}

int
avatar_remove(const char *file)
{
	char path[PATH_MAX];

	if (store_path("", file, path, sizeof(path)) == -1)
		return (-1);
	if (unlink(path) == -1 && errno != ENOENT)
		return (-1);
	return (0);
}

int
avatar_load(const char *name, unsigned char **data, size_t *len)
{
	char path[PATH_MAX];
	int fd;

	*data = NULL;
	*len = 0;
	if (store_path("", name, path, sizeof(path)) == -1)
		return (-1);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (-1);
	return (whole_file_read(fd, AVATAR_LOAD_MAX, data, len));
}

int
avatar_sweep_temporaries(time_t before)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	int dfd, n;

	if ((d = opendir(settings.upload_dir)) == NULL)
		return (-1);
	dfd = dirfd(d);
	n = 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) !=
			0 ||
		    avatar_name_type(e->d_name + 5) == IMAGE_NONE)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_mtime >= before)
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			n++;
	}
	(void)closedir(d);
	return (n);
}
