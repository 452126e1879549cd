/*
 * A regular file read whole, with a size bound: the avatars served from
 * the upload folder and the docs pages' files. Pure C (tested in
 * tests/unit through avatar_store and docs_files).
 */
#ifndef BEE_WHOLE_FILE_H
#define BEE_WHOLE_FILE_H

#include <stddef.h>

/*
 * Reads the file open on fd whole if it is a regular file of at most max
 * bytes, and closes fd in every case. 0 with *data (malloc'd, the
 * caller's, followed by a NUL not counted in *len) and *len; else -1 and errno: EINVAL (not a regular file),
 * EFBIG (over max), EIO (its size changed while read), ENOMEM.
 */
int whole_file_read(int fd, size_t max, unsigned char **data, size_t *len);

#endif
