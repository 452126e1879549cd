/*
 * One item of the Redis mirror failed_events (design.md section 6), as
 * scripts/resend-failed-events reads it: {"event","payload","trace_id",
 * "message_id"} from the publisher (src/events/publisher.c), or the original
 * service's {"event","payload","trace_id"}. Pure C (jansson), no Kore.
 *
 * The body to publish is the payload's text exactly as it stands in the
 * item: the publisher mirrors jsonb text whose payload is, byte for byte,
 * the body it would have sent (nested jsonb prints as it does alone), so
 * re-serialising it would change the bytes consumers see.
 */
#ifndef BEE_RESEND_ITEM_H
#define BEE_RESEND_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "model/uuid.h"

#define RESEND_ERRLEN 160

struct resend_item {
	char *event; /* routing key, owned */
	char *body; /* the payload's text, owned */
	size_t body_len;
	char *trace_id; /* owned; NULL: none */
	char message_id[UUID_STRLEN]; /* canonical; "" when the item has none */
	uint64_t timestamp; /* from payload.occurred_at; 0: unknown */
};

/*
 * Parses text[0..len). 0 with *it filled (free it with resend_item_free),
 * or -1 with why the item is malformed in err (*it left empty): not a JSON
 * object, event not a non-empty string (at most 255 bytes), payload not an
 * object, trace_id neither a string nor null, message_id neither a UUID
 * string nor null.
 */
int resend_item_parse(const char *text, size_t len, struct resend_item *it,
    char *err, size_t errlen);
void resend_item_free(struct resend_item *it);

/*
 * The raw text of top-level member `key` of the JSON object text[0..len)
 * (the last one when repeated): 0 with its offset and length, -1 when
 * absent or the text is not an object. The key is compared unescaped.
 */
int resend_json_member(const char *text, size_t len, const char *key,
    size_t *off, size_t *vlen);

/*
 * "YYYY-MM-DDTHH:MM:SS[.frac][Z|+00:00]" (UTC) to seconds since the epoch,
 * rounded to the nearest second as PostgreSQL's ::bigint does; 0 when it
 * does not parse.
 */
uint64_t resend_parse_time(const char *s);

#endif
