/*
 * utf8.c, which decides whether a body is refused with 400 before JSON
 * parsing: compared with jansson's own UTF-8 check (the parser that reads
 * the body next), and utf8_length with the sequences utf8_sequence finds.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "fuzz.h"
#include "model/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *s;
	size_t i, n, chars;
	int valid;

	valid = utf8_valid(data, size);
	/* jansson refuses overlongs, surrogates and > U+10FFFF too */
	s = json_stringn((const char *)data, size);
	FUZZ_ASSERT(valid == (s != NULL));
	json_decref(s);

	chars = 0;
	for (i = 0; i < size; i += n ? n : 1) {
		n = utf8_sequence(data + i, size - i);
		FUZZ_ASSERT(n <= 4 && n <= size - i);
		FUZZ_ASSERT(n != 0 || !valid);
		chars++;
	}
	if (valid)
		FUZZ_ASSERT(utf8_length((const char *)data, size) == chars);
	return (0);
}
