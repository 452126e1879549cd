/*
 * query.c, every route's query string: the decoded names and values are
 * valid UTF-8 without NUL (they go into JSON and SQL text), there are at
 * most QUERY_ARGS_MAX, query_get gives the last duplicate, and query_int's
 * result is within its bounds or a 422 item that dumps as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "skip", "limit", "days", "page", NULL };
	struct problems p;
	struct query q;
	const char **name;
	char *qs;
	size_t i, j, last;
	long v;

	qs = fuzz_cstr(data, size);
	if (query_parse(qs, &q) == -1) {
		FUZZ_ASSERT(q.count == 0);
		free(qs);
		return (0);
	}
	FUZZ_ASSERT(q.count <= QUERY_ARGS_MAX);
	for (i = 0; i < q.count; i++) {
		FUZZ_ASSERT(
		    fuzz_text_ok(q.args[i].name, strlen(q.args[i].name)));
		FUZZ_ASSERT(
		    fuzz_text_ok(q.args[i].value, strlen(q.args[i].value)));
		/* the last value of this name wins */
		for (j = 0, last = i; j < q.count; j++) {
			if (!strcmp(q.args[j].name, q.args[i].name))
				last = j;
		}
		FUZZ_ASSERT(
		    query_get(&q, q.args[i].name) == q.args[last].value);
	}

	problems_init(&p);
	for (name = names; *name != NULL; name++) {
		if (query_int(&p, &q, *name, 7, -5, 100000, &v))
			FUZZ_ASSERT(v >= -5 && v <= 100000);
	}
	(void)fuzz_check_problems(&p);
	problems_free(&p);
	query_free(&q);
	free(qs);
	return (0);
}
