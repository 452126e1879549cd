/* Helpers of the fuzz harnesses (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/utf8.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	(void)fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
	abort();
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	if (size > 0)
		(void)memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

char *
fuzz_next(const uint8_t **data, size_t *size, uint8_t sep)
{
	const uint8_t *end;
	size_t n;
	char *s;

	end = *size > 0 ? memchr(*data, sep, *size) : NULL;
	n = end != NULL ? (size_t)(end - *data) : *size;
	s = fuzz_cstr(*data, n);
	if (end != NULL)
		n++;
	*data += n;
	*size -= n;
	return (s);
}

int
fuzz_json_ok(const char *text, size_t len)
{
	json_error_t err;
	json_t *v;

	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (v == NULL) {
		(void)fprintf(stderr, "not JSON (%s at %d): %.*s\n", err.text,
		    err.position, (int)len, text);
		return (0);
	}
	json_decref(v);
	return (1);
}

size_t
fuzz_check_problems(const struct problems *p)
{
	json_error_t err;
	json_t *doc, *items, *item;
	char *text;
	size_t len, i, n;

	text = problems_dump(p, &len);
	FUZZ_ASSERT(text != NULL);
	/* an input with \u0000 is echoed as such: valid JSON */
	doc = json_loadb(text, len, JSON_ALLOW_NUL, &err);
	FUZZ_ASSERT(doc != NULL);
	free(text);
	items = json_object_get(doc, "detail");
	FUZZ_ASSERT(json_is_array(items));
	n = json_array_size(items);
	FUZZ_ASSERT(n == problems_count(p));
	json_array_foreach(items, i, item) {
		FUZZ_ASSERT(json_is_string(json_object_get(item, "type")));
		FUZZ_ASSERT(json_is_array(json_object_get(item, "loc")));
		FUZZ_ASSERT(json_is_string(json_object_get(item, "msg")));
		FUZZ_ASSERT(json_object_get(item, "input") != NULL);
	}
	json_decref(doc);
	return (n);
}

int
fuzz_text_ok(const char *s, size_t len)
{
	return (memchr(s, '\0', len) == NULL &&
	    utf8_valid((const unsigned char *)s, len));
}
