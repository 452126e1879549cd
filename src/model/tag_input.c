/*
 * Tag bodies with pydantic's wording: the original's TagsCreate
 * validators ("Value error, ...", ctx {"error":{}}), and TagCreate's
 * fields (label, color, priority, created_by, customer_id).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/customer_input.h"
#include "model/tag_input.h"
#include "model/utf8.h"

static const struct str_rule rule_label = { "label", 1, 0, 1, TAG_LABEL_MAX };
static const struct str_rule rule_color = { "color", 0, 1, 0, TAG_COLOR_MAX };

static void value_error(struct problems *, json_t *, const char *, json_t *);
static int check_label(struct problems *, json_t *, json_t *);
static int batch_label(struct problems *, json_t *);
static int batch_labels(struct problems *, json_t *);
static int has_duplicate(json_t *);
static int compare_strings(const void *, const void *);
static int check_priority(struct problems *, json_t *, char *, size_t);
static int parse_int_string(const char *, long long *);
static int check_created_by(struct problems *, json_t *, char *);
static char *dump_labels(json_t *);

/* A custom validator's failure, as pydantic reports ValueError. */
static void
value_error(struct problems *p, json_t *loc, const char *why, json_t *input)
{
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "Value error, %s", why);
	problems_add(p, "value_error", loc, msg, input,
	    json_pack("{s:{}}", "error"));
}

/*
 * A label that is known to be a string, at loc (stolen): no NUL, 1..50
 * code points. 1 when valid.
 */
static int
check_label(struct problems *p, json_t *v, json_t *loc)
{
	const char *s;
	size_t n;
	char msg[96];

	s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		problems_add(p, "string_pattern_mismatch", loc,
		    "String should not contain NUL characters", v,
		    json_pack("{s:s}", "pattern", "[^\\x00]*"));
		return (0);
	}
	n = utf8_length(s, json_string_length(v));
	if (n < 1) {
		problems_add(p, "string_too_short", loc,
		    "String should have at least 1 character", v,
		    json_pack("{s:i}", "min_length", 1));
		return (0);
	}
	if (n > TAG_LABEL_MAX) {
		(void)snprintf(msg, sizeof(msg),
		    "String should have at most %d characters", TAG_LABEL_MAX);
		problems_add(p, "string_too_long", loc, msg, v,
		    json_pack("{s:i}", "max_length", TAG_LABEL_MAX));
		return (0);
	}
	json_decref(loc);
	return (1);
}

/* TagsCreate.label: absent or null, else a non-empty string. */
static int
batch_label(struct problems *p, json_t *body)
{
	json_t *v;

	v = json_object_get(body, "label");
	if (v == NULL || json_is_null(v))
		return (1);
	if (!json_is_string(v) || json_string_length(v) == 0) {
		value_error(p, problem_loc("body", "label"),
		    "label must be a non-empty string", v);
		return (0);
	}
	return (check_label(p, v, problem_loc("body", "label")));
}

/*
 * TagsCreate.labels: absent or null, else a list of at most
 * TAG_LABELS_MAX labels (pydantic's max_length wording).
 */
static int
batch_labels(struct problems *p, json_t *body)
{
	json_t *v, *e;
	size_t i;
	int ok;
	char msg[96];

	v = json_object_get(body, "labels");
	if (v == NULL || json_is_null(v))
		return (1);
	ok = json_is_array(v);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			ok = 0;
	}
	if (!ok) {
		value_error(p, problem_loc("body", "labels"),
		    "labels must be a list of strings", v);
		return (0);
	}
	/* Before the labels: one item, not one per label of a huge list. */
	if (json_array_size(v) > TAG_LABELS_MAX) {
		(void)snprintf(msg, sizeof(msg),
		    "List should have at most %d items after validation, "
		    "not %zu",
		    TAG_LABELS_MAX, json_array_size(v));
		problems_add(p, "too_long", problem_loc("body", "labels"), msg,
		    v,
		    json_pack("{s:s,s:i,s:I}", "field_type", "List",
			"max_length", TAG_LABELS_MAX, "actual_length",
			(json_int_t)json_array_size(v)));
		return (0);
	}
	json_array_foreach(v, i, e) {
		if (!check_label(p, e,
			json_pack("[ssI]", "body", "labels", (json_int_t)i)))
			ok = 0;
	}
	return (ok);
}

static int
compare_strings(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Exact (case-sensitive) repeats, as the unique index sees labels. */
static int
has_duplicate(json_t *labels)
{
	const char **v;
	size_t i, n;
	int dup;

	n = json_array_size(labels);
	if (n < 2)
		return (0);
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		(void)fprintf(stderr, "tag_input: out of memory\n");
		abort();
	}
	for (i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(labels, i));
	qsort(v, n, sizeof(*v), compare_strings);
	dup = 0;
	for (i = 1; i < n && !dup; i++)
		dup = strcmp(v[i - 1], v[i]) == 0;
	free(v);
	return (dup);
}

static char *
dump_labels(json_t *labels)
{
	char *s;

	if ((s = json_dumps(labels, JSON_COMPACT)) == NULL) {
		(void)fprintf(stderr, "tag_input: out of memory\n");
		abort();
	}
	return (s);
}

int
tag_input_batch(json_t *body, struct problems *p, struct tag_input *in)
{
	json_t *label, *labels, *one;
	int has_label, has_labels;
	size_t before;

	memset(in, 0, sizeof(*in));
	if (!json_is_object(body)) {
		customer_input_not_object(body, p);
		return (0);
	}
	before = problems_count(p);
	(void)batch_label(p, body);
	(void)batch_labels(p, body);
	if (problems_count(p) != before)
		return (0);

	/* The model validator: exactly one of them, an empty list is none. */
	label = json_object_get(body, "label");
	labels = json_object_get(body, "labels");
	has_label = json_is_string(label);
	has_labels = json_array_size(labels) > 0;
	if (has_label == has_labels) {
		value_error(p, problem_loc("body", NULL),
		    "Provide either label or labels", body);
		return (0);
	}
	if (has_label) {
		one = json_pack("[O]", label);
		in->labels = dump_labels(one);
		json_decref(one);
		in->nlabels = 1;
	} else {
		in->labels = dump_labels(labels);
		in->nlabels = json_array_size(labels);
		in->duplicate = has_duplicate(labels);
	}
	(void)memcpy(in->priority, "0", 2);
	return (1);
}

/*
 * pydantic's lax int: an integer, a float without a fraction, a bool, or
 * a string of one (spaces around, a sign, trailing ".0" allowed). The
 * column is a PostgreSQL integer, so the range is checked as well.
 */
static int
check_priority(struct problems *p, json_t *body, char *out, size_t len)
{
	json_t *v;
	long long n;
	double d;
	char msg[96];

	v = json_object_get(body, "priority");
	if (v == NULL) {
		(void)snprintf(out, len, "0");
		return (1);
	}
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_boolean(v)) {
		n = json_is_true(v) ? 1 : 0;
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		/* beyond 2^53 every double is whole; the cast must fit */
		if (d < -9.0e18 || d > 9.0e18) {
			n = d > 0 ? LLONG_MAX : LLONG_MIN;
		} else if (d != (double)(long long)d) {
			problems_add(p, "int_from_float",
			    problem_loc("body", "priority"),
			    "Input should be a valid integer, got a number "
			    "with a fractional part",
			    v, NULL);
			return (0);
		} else {
			n = (long long)d;
		}
	} else if (json_is_string(v)) {
		if (!parse_int_string(json_string_value(v), &n)) {
			problems_add(p, "int_parsing",
			    problem_loc("body", "priority"),
			    "Input should be a valid integer, unable to parse "
			    "string as an integer",
			    v, NULL);
			return (0);
		}
	} else {
		problems_add(p, "int_type", problem_loc("body", "priority"),
		    "Input should be a valid integer", v, NULL);
		return (0);
	}
	if (n > INT_MAX) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be less than or equal to %d", INT_MAX);
		problems_add(p, "less_than_equal",
		    problem_loc("body", "priority"), msg, v,
		    json_pack("{s:i}", "le", INT_MAX));
		return (0);
	}
	if (n < INT_MIN) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be greater than or equal to %d", INT_MIN);
		problems_add(p, "greater_than_equal",
		    problem_loc("body", "priority"), msg, v,
		    json_pack("{s:i}", "ge", INT_MIN));
		return (0);
	}
	(void)snprintf(out, len, "%lld", n);
	return (1);
}

static int
parse_int_string(const char *s, long long *out)
{
	const char *p;
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return (0);
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return (0);
	if (*end == '.') {
		end++;
		while (*end == '0')
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	return (*end == '\0');
}

/* Optional UUID: absent or null is none. */
static int
check_created_by(struct problems *p, json_t *body, char *out)
{
	json_t *v;

	out[0] = '\0';
	v = json_object_get(body, "created_by");
	if (v == NULL || json_is_null(v))
		return (1);
	return (check_body_uuid(p, body, "created_by", out));
}

int
tag_input_single(json_t *body, struct problems *p, struct tag_input *in)
{
	const char *label, *color;
	json_t *one;
	size_t before;

	memset(in, 0, sizeof(*in));
	if (!json_is_object(body)) {
		customer_input_not_object(body, p);
		return (0);
	}
	before = problems_count(p);
	(void)check_string(p, body, &rule_label, &label, NULL);
	(void)check_string(p, body, &rule_color, &color, NULL);
	(void)check_priority(p, body, in->priority, sizeof(in->priority));
	(void)check_created_by(p, body, in->created_by);
	(void)check_body_uuid(p, body, "customer_id", in->customer_id);
	if (problems_count(p) != before) {
		in->created_by[0] = '\0';
		return (0);
	}
	one = json_pack("[s]", label);
	in->labels = dump_labels(one);
	json_decref(one);
	in->nlabels = 1;
	if (color != NULL && (in->color = strdup(color)) == NULL) {
		(void)fprintf(stderr, "tag_input: out of memory\n");
		abort();
	}
	return (1);
}

void
tag_input_free(struct tag_input *in)
{
	free(in->labels);
	free(in->color);
	memset(in, 0, sizeof(*in));
}
