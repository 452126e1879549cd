/*
 * multipart/form-data (RFC 7578) over a body already in memory: where is
 * the file part of a given name. Our own parser rather than Kore 4.1's
 * http_populate_multipart_form, which takes neither a quoted boundary nor
 * one after another parameter, keeps every part's headers in memory
 * however long they are, allocates per part, and memmoves its buffer on
 * every byte that looks like the start of a delimiter (quadratic in
 * bodies of '-' or '\r'). This one is linear, allocates nothing, bounds
 * part headers and counts parts as Starlette did. Pure C, tested in
 * tests/unit/test_multipart.c.
 */
#ifndef BEE_MULTIPART_H
#define BEE_MULTIPART_H

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 200 /* RFC 2046 says 70 */
#define MULTIPART_HEADER_MAX 16384 /* one part's header block */
#define MULTIPART_FILES_MAX 1000 /* Starlette's max_files */
#define MULTIPART_FIELDS_MAX 1000 /* Starlette's max_fields */

enum multipart_status {
	MULTIPART_OK,
	MULTIPART_NOT_FORM, /* not multipart/form-data: a form without parts */
	MULTIPART_NO_BOUNDARY, /* multipart/form-data without a boundary */
	MULTIPART_MALFORMED, /* no delimiter, unterminated part, headers */
	MULTIPART_NO_NAME, /* a part without Content-Disposition name */
	MULTIPART_TOO_MANY_FILES,
	MULTIPART_TOO_MANY_FIELDS
};

struct multipart_file {
	int found;
	size_t offset; /* of the content in the body */
	size_t length;
};

/*
 * The boundary of a Content-Type header value (NULL: no header) into out
 * (MULTIPART_BOUNDARY_MAX + 1 bytes). Returns MULTIPART_OK,
 * MULTIPART_NOT_FORM, MULTIPART_NO_BOUNDARY or MULTIPART_MALFORMED (a
 * boundary longer than MULTIPART_BOUNDARY_MAX).
 */
enum multipart_status multipart_boundary(const char *content_type,
    char out[MULTIPART_BOUNDARY_MAX + 1]);

/*
 * The last part named `name` that is a file (its Content-Disposition has
 * a filename), as Starlette's form.get() returned it. An empty body is a
 * form without parts (MULTIPART_OK, not found). Any other status than
 * MULTIPART_OK leaves file not found.
 */
enum multipart_status multipart_find_file(const unsigned char *body, size_t len,
    const char *boundary, const char *name, struct multipart_file *file);

/* The detail of a 400 for a status other than OK and NOT_FORM. */
const char *multipart_error(enum multipart_status status);

#endif
