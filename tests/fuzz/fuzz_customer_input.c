/*
 * problems.c's body_parse and customer_input.c, the bodies of
 * POST /customers and PATCH /customers/{id} with the config's v_phone
 * rule. Either a 422 body that dumps as JSON in the contract's shape, or
 * values that keep the field rules: names of 2..100 code points, an
 * e-mail that normalises to itself, canonical UUIDs, a gender of three,
 * preferences as a JSON object of at most PREFERENCES_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/customer_input.h"
#include "fuzz.h"
#include "model/utf8.h"
#include "phone_re.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void check_values(const struct customer_input *, int);
static int gender_ok(const char *);

static const struct phone_rule phone = { phone_re_matches, PHONE_RE };

static int
gender_ok(const char *g)
{
	return (g == NULL || !strcmp(g, "male") || !strcmp(g, "female") ||
	    !strcmp(g, "other"));
}

static void
check_values(const struct customer_input *in, int create)
{
	char again[EMAIL_MAX + 1], reason[160];
	json_error_t err;
	json_t *prefs;
	size_t n;

	if (in->full_name != NULL) {
		n = strlen(in->full_name);
		FUZZ_ASSERT(fuzz_text_ok(in->full_name, n));
		n = utf8_length(in->full_name, n);
		FUZZ_ASSERT(n >= 2 && n <= 100);
	}
	FUZZ_ASSERT(!create || in->full_name != NULL);
	if (in->email[0] != '\0') {
		FUZZ_ASSERT(email_normalize(in->email, again, sizeof(again),
				reason, sizeof(reason)) == 0);
		FUZZ_ASSERT(strcmp(in->email, again) == 0);
	}
	FUZZ_ASSERT(!create || in->email[0] != '\0');
	FUZZ_ASSERT(in->phone == NULL || phone_re_matches(in->phone));
	FUZZ_ASSERT(gender_ok(in->gender));
	FUZZ_ASSERT(in->avatar_url == NULL ||
	    utf8_length(in->avatar_url, strlen(in->avatar_url)) <= 255);
	if (create) {
		FUZZ_ASSERT(uuid_is_canonical(in->user_id));
		FUZZ_ASSERT(uuid_is_canonical(in->business_id));
		FUZZ_ASSERT(in->preferences != NULL);
	}
	if (in->preferences != NULL) {
		FUZZ_ASSERT(strlen(in->preferences) <= PREFERENCES_MAX);
		prefs = json_loads(in->preferences, 0, &err);
		FUZZ_ASSERT(json_is_object(prefs));
		json_decref(prefs);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char present[CUSTOMER_PRESENT_MAX];
	struct customer_input in;
	struct problems p;
	enum body_status st;
	json_t *body;
	size_t n;

	problems_init(&p);
	st = body_parse(data, size, &p, &body);
	FUZZ_ASSERT((st == BODY_OK) == (body != NULL));
	FUZZ_ASSERT(fuzz_check_problems(&p) == (st == BODY_INVALID_JSON));
	if (st != BODY_OK) {
		problems_free(&p);
		return (0);
	}
	if (!json_is_object(body)) {
		customer_input_not_object(body, &p);
		FUZZ_ASSERT(fuzz_check_problems(&p) == 1);
		problems_free(&p);
		json_decref(body);
		return (0);
	}

	if (customer_input_create(body, &phone, &p, &in))
		check_values(&in, 1);
	n = fuzz_check_problems(&p);
	FUZZ_ASSERT((n == 0) == (in.full_name != NULL));
	customer_input_free(&in);
	problems_free(&p);

	problems_init(&p);
	memset(present, 'x', sizeof(present));
	if (customer_input_patch(body, &phone, &p, &in, present,
		sizeof(present))) {
		check_values(&in, 0);
		n = strnlen(present, sizeof(present));
		FUZZ_ASSERT(n < sizeof(present));
		FUZZ_ASSERT(present[0] == '{' && present[n - 1] == '}');
		FUZZ_ASSERT(fuzz_check_problems(&p) == 0);
	} else {
		FUZZ_ASSERT(fuzz_check_problems(&p) > 0);
	}
	customer_input_free(&in);
	problems_free(&p);
	json_decref(body);
	return (0);
}
