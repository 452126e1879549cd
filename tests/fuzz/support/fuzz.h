/*
 * Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): a
 * property that fails aborts (libFuzzer keeps the input as a crash file),
 * NUL-terminated copies and pieces of the input, and the checks that
 * several parsers' outputs share (JSON that parses, 422 bodies).
 */
#ifndef BEE_FUZZ_H
#define BEE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model/problems.h"

/* A property of the parser's output; aborts with its text when false. */
#define FUZZ_ASSERT(cond) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

void fuzz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));

/* data[0..size) as a malloc'd C string (cut at the first NUL). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/*
 * The next piece of the input up to `sep` (or the end), as a malloc'd C
 * string; *data and *size move past it and its separator.
 */
char *fuzz_next(const uint8_t **data, size_t *size, uint8_t sep);

/* Is text[0..len) one JSON value (jansson, UTF-8 checked)? */
int fuzz_json_ok(const char *text, size_t len);

/*
 * The 422 body of p: {"detail":[...]} that parses, each item with a type,
 * a loc array and a msg; the number of items.
 */
size_t fuzz_check_problems(const struct problems *p);

/* Valid UTF-8 and no NUL before len. */
int fuzz_text_ok(const char *s, size_t len);

#endif
