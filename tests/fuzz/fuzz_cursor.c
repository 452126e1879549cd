/*
 * cursor.c, which reads the `cursor` a client sends back. Two properties:
 * any text either decodes to keys that encode back to the same text (one
 * text per cursor), or is refused without an allocation left behind;
 * and keys taken from the input (byte 0 the list, then pieces cut at
 * 0x01, a piece "\x02" for NULL) encode to a URL-safe text that decodes
 * to the same keys, or is refused, but never as a cursor of other filters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void decode_any(const char *);
static void round_trip(const uint8_t *, size_t);

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	text = fuzz_cstr(data, size);
	decode_any(text);
	free(text);
	round_trip(data, size);
	return (0);
}

static void
decode_any(const char *text)
{
	struct cursor c;
	char *again;
	int kind;

	for (kind = CURSOR_CUSTOMERS; kind <= CURSOR_APPOINTMENTS; kind++) {
		if (cursor_decode(text, kind, 0, &c) != CURSOR_OK)
			continue;
		again = cursor_encode(kind, 0, (const char *const *)c.keys);
		FUZZ_ASSERT(strcmp(again, text) == 0);
		free(again);
		cursor_free(&c);
	}
}

static void
round_trip(const uint8_t *data, size_t size)
{
	char *keys[CURSOR_KEYS_MAX] = { NULL };
	const char *filters[1];
	struct cursor c;
	enum cursor_status st;
	uint64_t fp;
	char *text;
	int kind, i, n;

	if (size == 0)
		return;
	kind = CURSOR_CUSTOMERS + data[0] % 3;
	data++;
	size--;
	n = kind == CURSOR_CUSTOMERS ? 2 : 3;
	for (i = 0; i < n; i++) {
		keys[i] = fuzz_next(&data, &size, 0x01);
		if (strcmp(keys[i], "\x02") == 0) {
			free(keys[i]);
			keys[i] = NULL;
		}
	}
	filters[0] = keys[0];
	fp = cursor_fingerprint(kind, filters, 1);
	text = cursor_encode(kind, fp, (const char *const *)keys);
	FUZZ_ASSERT(strspn(text, alphabet) == strlen(text));
	st = cursor_decode(text, kind, fp, &c);
	FUZZ_ASSERT(st != CURSOR_OTHER_FILTERS);
	if (st == CURSOR_OK) {
		for (i = 0; i < n; i++) {
			FUZZ_ASSERT((c.keys[i] == NULL) == (keys[i] == NULL));
			FUZZ_ASSERT(
			    keys[i] == NULL || strcmp(c.keys[i], keys[i]) == 0);
		}
		cursor_free(&c);
		/* the same cursor with other filters */
		FUZZ_ASSERT(cursor_decode(text, kind, fp + 1, &c) ==
		    CURSOR_OTHER_FILTERS);
	}
	free(text);
	for (i = 0; i < n; i++)
		free(keys[i]);
}
