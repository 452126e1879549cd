#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "infra/whole_file.h"

int
whole_file_read(int fd, size_t max, unsigned char **data, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t off;
	ssize_t n;
	int saved;

	*data = NULL;
	*len = 0;
	saved = 0;
	buf = NULL;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	else if ((size_t)st.st_size > max)
		saved = EFBIG;
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		saved = ENOMEM;
	if (buf == NULL) {
		(void)close(fd);
		errno = saved;
		return (-1);
	}
	/* +1: a file that grew since fstat is noticed, not cut. */
	off = 0;
	while (off <= (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size + 1 - off);
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
	buf[off] = '\0';
	*data = buf;
	*len = off;
	return (0);
}
