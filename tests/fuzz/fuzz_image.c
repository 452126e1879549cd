/*
 * image.c, the avatar's type and metadata stripping. The output is never
 * longer than the input (it is written into a buffer of the input's
 * length, allocated exactly) and starts as its type does; a PNG's is
 * stripped already (stripping it again changes nothing). A type that the
 * bytes do not show copies them unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum image_type type, other;
	unsigned char *out, *again;
	size_t n, m;

	type = image_detect(data, size);
	FUZZ_ASSERT((image_extension(type) == NULL) == (type == IMAGE_NONE));
	FUZZ_ASSERT((image_content_type(type) == NULL) == (type == IMAGE_NONE));

	/* exactly the input's length: ASan sees one byte too many */
	out = malloc(size);
	again = malloc(size);
	if (size > 0 && (out == NULL || again == NULL))
		abort();
	n = image_strip(type, data, size, out);
	FUZZ_ASSERT(n <= size);
	/*
	 * A PNG keeps its signature, a JPEG its SOI (FF D8). Not the JPEG's
	 * third magic byte: SOI, metadata only, then bytes that are no marker
	 * strips to FF D8 and those bytes (no decoder reads either).
	 */
	if (type == IMAGE_PNG)
		FUZZ_ASSERT(image_detect(out, n) == IMAGE_PNG);
	if (type == IMAGE_JPEG)
		FUZZ_ASSERT(n >= 2 && out[0] == 0xff && out[1] == 0xd8);
	if (type == IMAGE_NONE)
		FUZZ_ASSERT(n == size && memcmp(out, data, n) == 0);

	/*
	 * A PNG's chunks are delimited by their lengths: its output is
	 * stripped already. Not so a JPEG's: a scan's data runs to the next
	 * marker, so when a dropped segment was that marker and the bytes
	 * after it are no marker (the file stops making sense, and the rest
	 * is copied as it is), the next pass reads them as scan data and
	 * goes further. No camera writes such a file; its metadata after the
	 * broken point stays, as image.h says.
	 */
	m = image_strip(image_detect(out, n), out, n, again);
	FUZZ_ASSERT(m <= n);
	if (type == IMAGE_PNG)
		FUZZ_ASSERT(m == n && memcmp(again, out, n) == 0);

	/* the other type (or none): not these bytes, copied as they are */
	other = type == IMAGE_PNG ? IMAGE_JPEG : IMAGE_PNG;
	m = image_strip(other, data, size, again);
	FUZZ_ASSERT(m == size && memcmp(again, data, size) == 0);
	free(again);
	free(out);
	return (0);
}
