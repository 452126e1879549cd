/*
 * history_event.c, the consumer's orders and appointments events from
 * the broker. Input: the routing key, a newline, the body. An accepted
 * event has canonical UUIDs (a customer or a user), valid timestamps,
 * texts that fit their columns and a total PostgreSQL's numeric(12, 2)
 * takes; a refused one has a reason.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/history_event.h"
#include "model/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int text_fits(const char *, size_t);

/* NUL-terminated within its array, valid UTF-8 */
static int
text_fits(const char *s, size_t size)
{
	const char *nul;

	nul = memchr(s, '\0', size);
	return (nul != NULL && fuzz_text_ok(s, (size_t)(nul - s)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hev e;
	char err[HEV_ERRLEN], *key, *end;
	double total;

	key = fuzz_next(&data, &size, '\n');
	memset(err, 0, sizeof(err));
	if (hev_parse(key, (const char *)data, size, &e, err, sizeof(err)) ==
	    -1) {
		FUZZ_ASSERT(err[0] != '\0');
		free(key);
		return (0);
	}
	FUZZ_ASSERT(uuid_is_canonical(e.event_id));
	FUZZ_ASSERT(uuid_is_canonical(e.business_id));
	FUZZ_ASSERT(e.user_id[0] != '\0' || e.customer_id[0] != '\0');
	FUZZ_ASSERT(e.user_id[0] == '\0' || uuid_is_canonical(e.user_id));
	FUZZ_ASSERT(
	    e.customer_id[0] == '\0' || uuid_is_canonical(e.customer_id));
	FUZZ_ASSERT(e.id[0] != '\0' && text_fits(e.id, sizeof(e.id)));
	FUZZ_ASSERT(
	    e.status[0] != '\0' && text_fits(e.status, sizeof(e.status)));
	FUZZ_ASSERT(text_fits(e.currency, sizeof(e.currency)));
	FUZZ_ASSERT(hev_timestamp_ok(e.updated_at));
	FUZZ_ASSERT(e.created_at[0] == '\0' || hev_timestamp_ok(e.created_at));
	FUZZ_ASSERT(e.starts_at[0] == '\0' || hev_timestamp_ok(e.starts_at));
	FUZZ_ASSERT(e.kind == HEV_ORDER ||
	    (e.total[0] == '\0' && e.currency[0] == '\0' &&
		e.created_at[0] == '\0'));
	if (e.total[0] != '\0') {
		total = strtod(e.total, &end);
		FUZZ_ASSERT(*end == '\0' && isfinite(total));
		FUZZ_ASSERT(fabs(total) < 1e10);
	}
	free(key);
	return (0);
}
