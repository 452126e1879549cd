/*
 * Avatar files in UPLOAD_DIR (settings.upload_dir), by server-owned name
 * only (avatar_name.h): anything else is refused before a path is built.
 * Plain blocking file I/O, done on the worker's loop: the files are local
 * and at most AVATAR_MAX_BYTES (1 MiB by default), so a write, an fsync
 * and a rename cost less than a slow client; a network volume would
 * belong in a task thread instead.
 */
#ifndef BEE_AVATAR_STORE_H
#define BEE_AVATAR_STORE_H

#include <stddef.h>
#include <time.h>

/* Largest file avatar_load reads (AVATAR_MAX_BYTES may be lowered later). */
#define AVATAR_LOAD_MAX (16 * 1024 * 1024)

/*
 * Writes data as `name`: a temporary file in UPLOAD_DIR, fsync, rename,
 * fsync of the directory. 0, or -1 with errno set and nothing left behind.
 */
int avatar_save(const char *name, const unsigned char *data, size_t len);

/*
 * Unlinks `name` from UPLOAD_DIR if it is of the generated form (else
 * refused: -1, EINVAL). A file already gone is success. For the erasure
 * routes too, after their commit.
 */
int avatar_remove(const char *file);

/*
 * Reads `name` (generated form, a regular file, at most AVATAR_LOAD_MAX
 * bytes) into a malloc'd buffer the caller frees. 0, or -1 with errno.
 */
int avatar_load(const char *name, unsigned char **data, size_t *len);

/*
 * Removes the temporary files (.tmp-<generated name>) that a crash
 * between write and rename left in UPLOAD_DIR, when last modified before
 * `before` (instances sharing the volume may be writing younger ones).
 * Returns how many went, or -1 when the directory cannot be read.
 */
int avatar_sweep_temporaries(time_t before);

#endif
