/* Customer field rules (design.md section 5), with pydantic's wording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/customer_input.h"
#include "model/utf8.h"

static const struct str_rule rule_full_name = { "full_name", 1, 0, 2, 100 };
static const struct str_rule rule_email = { "email", 1, 0, 0, 0 };
/* PATCH: may be absent, never null */
static const struct str_rule rule_patch_full_name = { "full_name", 0, 0, 2,
	100 };
static const struct str_rule rule_patch_email = { "email", 0, 0, 0, 0 };
static const struct str_rule rule_phone = { "phone", 0, 1, 0, 0 };
static const struct str_rule rule_gender = { "gender", 0, 1, 0, 0 };
static const struct str_rule rule_avatar = { "avatar_url", 0, 1, 0, 255 };

static int check_email(json_t *, const struct str_rule *, struct problems *,
    struct customer_input *);
static int check_phone(json_t *, const struct phone_rule *, struct problems *,
    const char **);
static int check_gender(json_t *, struct problems *, const char **);
static int check_avatar_url(json_t *, struct problems *, const char **);
static char *own(const char *);
static int check_preferences(json_t *, struct problems *,
    struct customer_input *);

void
customer_input_not_object(json_t *body, struct problems *p)
{
	problems_add(p, "model_attributes_type", problem_loc("body", NULL),
	    "Input should be a valid dictionary or object to extract fields "
	    "from",
	    body, NULL);
}

int
customer_input_create(json_t *body, const struct phone_rule *phone,
    struct problems *p, struct customer_input *in)
{
	const char *full_name, *phone_number, *gender, *avatar_url;
	size_t before;

	memset(in, 0, sizeof(*in));
	before = problems_count(p);
	(void)check_string(p, body, &rule_full_name, &full_name, NULL);
	(void)check_email(body, &rule_email, p, in);
	(void)check_phone(body, phone, p, &phone_number);
	(void)check_gender(body, p, &gender);
	(void)check_avatar_url(body, p, &avatar_url);
	(void)check_body_uuid(p, body, "user_id", in->user_id);
	(void)check_body_uuid(p, body, "business_id", in->business_id);
	(void)check_preferences(body, p, in);
	if (problems_count(p) != before)
		return (0);

	/* Copies: the body is freed long before the query is sent. */
	in->full_name = own(full_name);
	in->phone = own(phone_number);
	in->gender = own(gender);
	in->avatar_url = own(avatar_url);
	return (1);
}

int
customer_input_patch(json_t *body, const struct phone_rule *phone,
    struct problems *p, struct customer_input *in, char *present,
    size_t presentlen)
{
	static const char *keys[] = { "full_name", "email", "phone", "gender",
		"avatar_url", "preferences", NULL };
	const char *full_name, *phone_number, *gender, *avatar_url, **k;
	size_t before, off;

	memset(in, 0, sizeof(*in));
	before = problems_count(p);
	(void)check_string(p, body, &rule_patch_full_name, &full_name, NULL);
	(void)check_email(body, &rule_patch_email, p, in);
	(void)check_phone(body, phone, p, &phone_number);
	(void)check_gender(body, p, &gender);
	(void)check_avatar_url(body, p, &avatar_url);
	if (json_object_get(body, "preferences") != NULL)
		(void)check_preferences(body, p, in);
	if (problems_count(p) != before)
		return (0);

	/* The keys present, as a PostgreSQL text[] literal. */
	off = 0;
	present[off++] = '{';
	for (k = keys; *k != NULL; k++) {
		if (json_object_get(body, *k) == NULL ||
		    off + strlen(*k) + 3 > presentlen)
			continue;
		if (off > 1)
			present[off++] = ',';
		memcpy(present + off, *k, strlen(*k));
		off += strlen(*k);
	}
	present[off++] = '}';
	present[off] = '\0';

	in->full_name = own(full_name);
	in->phone = own(phone_number);
	in->gender = own(gender);
	in->avatar_url = own(avatar_url);
	return (1);
}

static char *
own(const char *s)
{
	char *copy;

	if (s == NULL)
		return (NULL);
	if ((copy = strdup(s)) == NULL) {
		(void)fprintf(stderr, "customer_input: out of memory\n");
		abort();
	}
	return (copy);
}

void
customer_input_free(struct customer_input *in)
{
	free(in->full_name);
	free(in->phone);
	free(in->gender);
	free(in->avatar_url);
	free(in->preferences);
	memset(in, 0, sizeof(*in));
}

static int
check_email(json_t *body, const struct str_rule *rule, struct problems *p,
    struct customer_input *in)
{
	const char *raw;
	char reason[160], msg[224];

	if (!check_string(p, body, rule, &raw, NULL) || raw == NULL)
		return (0);
	if (email_normalize(raw, in->email, sizeof(in->email), reason,
		sizeof(reason)) == -1) {
		(void)snprintf(msg, sizeof(msg),
		    "value is not a valid email address: %s", reason);
		problems_add(p, "value_error", problem_loc("body", "email"),
		    msg, json_object_get(body, "email"),
		    json_pack("{s:s}", "reason", reason));
		return (0);
	}
	if (utf8_length(in->email, strlen(in->email)) > 100) {
		problems_add(p, "string_too_long", problem_loc("body", "email"),
		    "String should have at most 100 characters",
		    json_object_get(body, "email"),
		    json_pack("{s:i}", "max_length", 100));
		return (0);
	}
	return (1);
}

static int
check_phone(json_t *body, const struct phone_rule *phone, struct problems *p,
    const char **out)
{
	char msg[192];

	if (!check_string(p, body, &rule_phone, out, NULL) || *out == NULL)
		return (*out == NULL);
	if (phone->matches(*out))
		return (1);
	(void)snprintf(msg, sizeof(msg), "String should match pattern '%s'",
	    phone->pattern);
	problems_add(p, "string_pattern_mismatch", problem_loc("body", "phone"),
	    msg, json_object_get(body, "phone"),
	    json_pack("{s:s}", "pattern", phone->pattern));
	*out = NULL;
	return (0);
}

static int
check_gender(json_t *body, struct problems *p, const char **out)
{
	static const char *expected = "'male', 'female' or 'other'";
	char msg[96];

	if (!check_string(p, body, &rule_gender, out, NULL) || *out == NULL)
		return (*out == NULL);
	if (!strcmp(*out, "male") || !strcmp(*out, "female") ||
	    !strcmp(*out, "other"))
		return (1);
	(void)snprintf(msg, sizeof(msg), "Input should be %s", expected);
	problems_add(p, "enum", problem_loc("body", "gender"), msg,
	    json_object_get(body, "gender"),
	    json_pack("{s:s}", "expected", expected));
	*out = NULL;
	return (0);
}

/*
 * http or https (any case) with a host, or a path on this origin: a
 * client's avatar_url ends up in an <img src> or a link, where
 * javascript:, data: and the like, or a protocol-relative //host (also
 * spelt /\host), would run or load what the client chose. No blanks,
 * control characters or backslashes anywhere. assets/openapi.json says
 * the same as a pattern.
 */
int
customer_avatar_url_allowed(const char *s)
{
	const char *p, *end, *at;
	size_t n;

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\')
			return (0);
	}
	if (s[0] == '/')
		return (s[1] != '/');
	if (strncasecmp(s, "http", 4) != 0)
		return (0);
	p = s + 4;
	if (*p == 's' || *p == 'S')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return (0);
	p += 3;
	end = p + strcspn(p, "/?#"); /* the authority */
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		if (memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
			return (0);
		p = at + 1;
	}
	if (*p == '[') {
		n = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || p[1 + n] != ']')
			return (0);
		p += n + 2;
	} else {
		if ((n = strcspn(p, "/?#@:[]")) == 0)
			return (0);
		p += n;
	}
	if (*p == ':')
		p += 1 + strspn(p + 1, "0123456789");
	return (p == end);
}

static int
check_avatar_url(json_t *body, struct problems *p, const char **out)
{
	if (!check_string(p, body, &rule_avatar, out, NULL) || *out == NULL)
		return (*out == NULL);
	if (customer_avatar_url_allowed(*out))
		return (1);
	problems_add(p, "value_error", problem_loc("body", "avatar_url"),
	    "Value error, " AVATAR_URL_RULE,
	    json_object_get(body, "avatar_url"), json_pack("{s:{}}", "error"));
	*out = NULL;
	return (0);
}

static int
check_preferences(json_t *body, struct problems *p, struct customer_input *in)
{
	json_t *v;
	char *text;

	v = json_object_get(body, "preferences");
	if (v == NULL || json_is_null(v)) {
		in->preferences = strdup("{}");
		return (in->preferences != NULL);
	}
	if (!json_is_object(v)) {
		problems_add(p, "dict_type", problem_loc("body", "preferences"),
		    "Input should be a valid dictionary", v, NULL);
		return (0);
	}
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL || strlen(text) > PREFERENCES_MAX) {
		free(text);
		problems_add(p, "value_error",
		    problem_loc("body", "preferences"),
		    "Value error, preferences must be at most 4096 bytes of "
		    "compact JSON",
		    v, json_pack("{s:{}}", "error"));
		return (0);
	}
	/* PostgreSQL's jsonb refuses \u0000; say so here, not with a 500. */
	if (strstr(text, "\\u0000") != NULL) {
		free(text);
		problems_add(p, "value_error",
		    problem_loc("body", "preferences"),
		    "Value error, preferences cannot contain NUL characters", v,
		    json_pack("{s:{}}", "error"));
		return (0);
	}
	in->preferences = text;
	return (1);
}
