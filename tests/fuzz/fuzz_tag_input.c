/*
 * tag_input.c, the bodies of the tag routes (TagsCreate and TagCreate),
 * each body read both ways. Either a 422 body in the contract's shape, or
 * labels as a JSON array of nlabels strings of 1..50 code points without
 * NUL, a colour of at most 20, a priority that is a PostgreSQL integer,
 * canonical UUIDs.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/problems.h"
#include "model/tag_input.h"
#include "model/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void check_labels(const struct tag_input *);
static int check_outcome(int, const struct tag_input *, struct problems *);

static void
check_labels(const struct tag_input *in)
{
	json_error_t err;
	json_t *labels, *v;
	size_t i, n;

	labels = json_loads(in->labels, 0, &err);
	FUZZ_ASSERT(json_is_array(labels));
	FUZZ_ASSERT(json_array_size(labels) == in->nlabels && in->nlabels > 0);
	json_array_foreach(labels, i, v) {
		FUZZ_ASSERT(json_is_string(v));
		n = json_string_length(v);
		FUZZ_ASSERT(fuzz_text_ok(json_string_value(v), n));
		n = utf8_length(json_string_value(v), n);
		FUZZ_ASSERT(n >= 1 && n <= TAG_LABEL_MAX);
	}
	json_decref(labels);
}

/*
 * What either parser promises: accepted labels and no problem, or no
 * labels and at least one problem in the contract's shape. Returns ok.
 */
static int
check_outcome(int ok, const struct tag_input *in, struct problems *p)
{
	if (ok) {
		check_labels(in);
		FUZZ_ASSERT(fuzz_check_problems(p) == 0);
	} else {
		FUZZ_ASSERT(in->labels == NULL);
		FUZZ_ASSERT(fuzz_check_problems(p) > 0);
	}
	return (ok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tag_input in;
	struct problems p;
	json_t *body;
	char *end;
	long long prio;

	problems_init(&p);
	if (body_parse(data, size, &p, &body) != BODY_OK) {
		problems_free(&p);
		return (0);
	}
	problems_free(&p);

	problems_init(&p);
	(void)check_outcome(tag_input_batch(body, &p, &in), &in, &p);
	tag_input_free(&in);
	problems_free(&p);

	problems_init(&p);
	if (check_outcome(tag_input_single(body, &p, &in), &in, &p)) {
		FUZZ_ASSERT(in.nlabels == 1);
		FUZZ_ASSERT(in.color == NULL ||
		    utf8_length(in.color, strlen(in.color)) <= TAG_COLOR_MAX);
		errno = 0;
		prio = strtoll(in.priority, &end, 10);
		FUZZ_ASSERT(errno == 0 && end != in.priority && *end == '\0');
		FUZZ_ASSERT(prio >= INT_MIN && prio <= INT_MAX);
		FUZZ_ASSERT(in.created_by[0] == '\0' ||
		    uuid_is_canonical(in.created_by));
		FUZZ_ASSERT(uuid_is_canonical(in.customer_id));
	}
	tag_input_free(&in);
	problems_free(&p);
	json_decref(body);
	return (0);
}
