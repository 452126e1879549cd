/*
 * Validation problems and JSON bodies. The wording and item types are the
 * original's (pydantic 2), which its clients parse.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/problems.h"
#include "model/utf8.h"
#include "model/uuid.h"
#include "model/xalloc.h"

static size_t error_offset(const unsigned char *, size_t, const json_error_t *);
static void length_problem(struct problems *, const struct str_rule *, json_t *,
    int, size_t);

void
problems_init(struct problems *p)
{
	p->items = xjson(json_array());
}

void
problems_free(struct problems *p)
{
	json_decref(p->items);
	p->items = NULL;
}

size_t
problems_count(const struct problems *p)
{
	return (json_array_size(p->items));
}

json_t *
problem_loc(const char *where, const char *name)
{
	if (name == NULL)
		return (xjson(json_pack("[s]", where)));
	return (xjson(json_pack("[ss]", where, name)));
}

void
problems_add(struct problems *p, const char *type, json_t *loc, const char *msg,
    json_t *input, json_t *ctx)
{
	json_t *item;

	/* NULL also when msg is not UTF-8 (it may quote the input) */
	item = json_pack("{s:s, s:o, s:s, s:O}", "type", type, "loc", loc,
	    "msg", msg, "input", input ? input : json_null());
	if (item != NULL && ctx != NULL)
		xjson_added(json_object_set_new(item, "ctx", ctx));
	else
		json_decref(ctx);
	if (item != NULL)
		xjson_added(json_array_append_new(p->items, item));
}

char *
problems_dump(const struct problems *p, size_t *len)
{
	json_t *doc;
	char *out;

	doc = xjson(json_pack("{s:O}", "detail", p->items));
	out = xjson_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	*len = strlen(out);
	return (out);
}

/*
 * Python's json module reports where the offending token starts; jansson
 * where it stopped reading, just after it. Walk back over the token
 * (a bare word or number), except for a premature end of input.
 */
static size_t
error_offset(const unsigned char *data, size_t len, const json_error_t *err)
{
	size_t pos;

	pos = err->position < 0 ? 0 : (size_t)err->position;
	if (pos > len)
		pos = len;
	if (json_error_code(err) == json_error_premature_end_of_input ||
	    pos == 0)
		return (pos);
	pos--;
	while (pos > 0 &&
	    (isalnum(data[pos - 1]) || data[pos - 1] == '.' ||
		data[pos - 1] == '+' || data[pos - 1] == '-') &&
	    (isalnum(data[pos]) || data[pos] == '.' || data[pos] == '+' ||
		data[pos] == '-'))
		pos--;
	return (pos);
}

enum body_status
body_parse(const void *body, size_t len, struct problems *p, json_t **out)
{
	const unsigned char *data = body;
	json_t *input;
	json_error_t err;
	size_t pos;

	*out = NULL;
	if (data == NULL || len == 0)
		return (BODY_MISSING);
	if (!utf8_valid(data, len))
		return (BODY_BAD_UTF8);

	/* NULs are allowed here so that the field's rule can name them. */
	*out = json_loadb(body, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (*out != NULL)
		return (BODY_OK);

	pos = error_offset(data, len, &err);
	input = xjson(json_object());
	problems_add(p, "json_invalid",
	    xjson(json_pack("[sI]", "body",
		(json_int_t)utf8_length((const char *)data, pos))),
	    "JSON decode error", input,
	    /* jansson's text, cut at 160 bytes, may end inside a UTF-8 char */
	    json_pack("{s:s}", "error", err.text));
	json_decref(input);
	return (BODY_INVALID_JSON);
}

int
check_string(struct problems *p, json_t *body, const struct str_rule *rule,
    const char **out, int *present)
{
	json_t *v;
	const char *s;
	size_t n;

	*out = NULL;
	v = json_object_get(body, rule->name);
	if (present != NULL)
		*present = v != NULL;
	if (v == NULL) {
		if (!rule->required)
			return (1);
		problems_add(p, "missing", problem_loc("body", rule->name),
		    "Field required", body, NULL);
		return (0);
	}
	if (json_is_null(v) && rule->nullable)
		return (1);
	if (!json_is_string(v)) {
		problems_add(p, "string_type", problem_loc("body", rule->name),
		    "Input should be a valid string", v, NULL);
		return (0);
	}

	s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		problems_add(p, "string_pattern_mismatch",
		    problem_loc("body", rule->name),
		    "String should not contain NUL characters", v,
		    xjson(json_pack("{s:s}", "pattern", "[^\\x00]*")));
		return (0);
	}
	n = utf8_length(s, json_string_length(v));
	if (n < rule->min) {
		length_problem(p, rule, v, 0, rule->min);
		return (0);
	}
	if (rule->max > 0 && n > rule->max) {
		length_problem(p, rule, v, 1, rule->max);
		return (0);
	}
	*out = s;
	return (1);
}

/* pydantic's string_too_long (longer) or string_too_short, bound `limit`. */
static void
length_problem(struct problems *p, const struct str_rule *rule, json_t *v,
    int longer, size_t limit)
{
	char msg[96];

	(void)snprintf(msg, sizeof(msg),
	    "String should have %s %zu character%s",
	    longer ? "at most" : "at least", limit, limit == 1 ? "" : "s");
	problems_add(p, longer ? "string_too_long" : "string_too_short",
	    problem_loc("body", rule->name), msg, v,
	    xjson(json_pack("{s:I}", longer ? "max_length" : "min_length",
		(json_int_t)limit)));
}

int
check_uuid(struct problems *p, const char *where, const char *name,
    const char *value, char out[37])
{
	char err[UUID_ERRLEN], msg[UUID_ERRLEN + 64], shown[128];
	json_t *input;
	size_t i;

	if (uuid_parse(value, out, err, sizeof(err)) == 0)
		return (1);
	/* A raw path may hold any byte; the item must stay valid JSON. */
	if (!utf8_valid((const unsigned char *)value, strlen(value))) {
		for (i = 0; i < sizeof(shown) - 1 && value[i] != '\0'; i++)
			shown[i] =
			    (unsigned char)value[i] < 0x80 ? value[i] : '?';
		shown[i] = '\0';
		(void)uuid_parse(shown, out, err, sizeof(err));
		value = shown;
	}
	(void)snprintf(msg, sizeof(msg), "Input should be a valid UUID, %s",
	    err);
	input = json_string(value); /* NULL: not UTF-8 */
	if (input == NULL) /* a path is raw bytes */
		input = xjson(json_string(""));
	/* err may quote the path, which need not be UTF-8 */
	problems_add(p, "uuid_parsing", problem_loc(where, name), msg, input,
	    json_pack("{s:s}", "error", err));
	json_decref(input);
	return (0);
}

int
check_body_uuid(struct problems *p, json_t *body, const char *name,
    char out[37])
{
	json_t *v;

	v = json_object_get(body, name);
	if (v == NULL) {
		problems_add(p, "missing", problem_loc("body", name),
		    "Field required", body, NULL);
		return (0);
	}
	if (!json_is_string(v)) {
		problems_add(p, "uuid_type", problem_loc("body", name),
		    "UUID input should be a string, bytes or UUID object", v,
		    NULL);
		return (0);
	}
	if (check_uuid(p, "body", name, json_string_value(v), out))
		return (1);
	return (0);
}
