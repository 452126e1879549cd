/*
 * resend_item.c, the failed_events items scripts/resend-failed-events
 * reads from Redis. An accepted item has a routing key of 1..255 bytes,
 * a canonical or empty message_id, and a body that is its payload's own
 * text: it parses to the same object jansson found. resend_json_member's
 * span is always inside the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "events/resend_item.h"
#include "model/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resend_item it;
	json_error_t jerr;
	json_t *doc, *body;
	const char *text = (const char *)data;
	char err[RESEND_ERRLEN];
	size_t off, vlen;

	if (resend_json_member(text, size, "payload", &off, &vlen) == 0)
		FUZZ_ASSERT(off <= size && vlen > 0 && vlen <= size - off);

	memset(err, 0, sizeof(err));
	if (resend_item_parse(text, size, &it, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		FUZZ_ASSERT(
		    it.event == NULL && it.body == NULL && it.trace_id == NULL);
		return (0);
	}
	FUZZ_ASSERT(
	    it.event != NULL && it.event[0] != '\0' && strlen(it.event) <= 255);
	FUZZ_ASSERT(
	    it.message_id[0] == '\0' || uuid_is_canonical(it.message_id));
	FUZZ_ASSERT(it.body != NULL && strlen(it.body) == it.body_len);

	doc = json_loadb(text, size, 0, &jerr);
	FUZZ_ASSERT(doc != NULL);
	body = json_loadb(it.body, it.body_len, 0, &jerr);
	FUZZ_ASSERT(body != NULL);
	FUZZ_ASSERT(json_equal(body, json_object_get(doc, "payload")));
	json_decref(body);
	json_decref(doc);
	resend_item_free(&it);
	return (0);
}
