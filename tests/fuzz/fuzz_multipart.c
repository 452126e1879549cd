/*
 * multipart.c, the avatar upload's body. Input: the Content-Type value,
 * a newline, then the body. The boundary found is non-empty and within
 * MULTIPART_BOUNDARY_MAX; a file found lies inside the body and is
 * followed by its delimiter; every status has a detail; the body is read
 * where libFuzzer put it, so that a read past its end is seen.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void find(const uint8_t *, size_t, const char *, const char *);

static void
find(const uint8_t *body, size_t len, const char *boundary, const char *name)
{
	struct multipart_file f;
	enum multipart_status st;
	size_t blen, end;

	st = multipart_find_file(body, len, boundary, name, &f);
	FUZZ_ASSERT(multipart_error(st) != NULL);
	if (st != MULTIPART_OK || !f.found) {
		FUZZ_ASSERT(!f.found || st == MULTIPART_OK);
		return;
	}
	FUZZ_ASSERT(f.offset <= len && f.length <= len - f.offset);
	/* the content ends where "\r\n--boundary" starts */
	blen = strlen(boundary);
	end = f.offset + f.length;
	FUZZ_ASSERT(len - end >= blen + 4);
	FUZZ_ASSERT(memcmp(body + end, "\r\n--", 4) == 0);
	FUZZ_ASSERT(memcmp(body + end + 4, boundary, blen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	enum multipart_status st;
	char *ct;

	ct = fuzz_next(&data, &size, '\n');
	memset(boundary, 'x', sizeof(boundary));
	st = multipart_boundary(ct, boundary);
	FUZZ_ASSERT(multipart_error(st) != NULL);
	if (st == MULTIPART_OK) {
		FUZZ_ASSERT(boundary[0] != '\0');
		FUZZ_ASSERT(memchr(boundary, '\0', sizeof(boundary)) != NULL);
		find(data, size, boundary, "file");
	} else {
		FUZZ_ASSERT(st != MULTIPART_NO_NAME);
	}
	/* the body alone, with the boundary the tests use */
	find(data, size, "XyZzY0123", "file");
	free(ct);
	return (0);
}
