/*
 * The customer fields of a request body, checked in the original's schema
 * order (full_name, email, phone, gender, avatar_url, user_id,
 * business_id) plus preferences. Pure C; the phone rule is the config's
 * v_phone validator, passed in.
 */
#ifndef BEE_CUSTOMER_INPUT_H
#define BEE_CUSTOMER_INPUT_H

#include <jansson.h>

#include "model/email.h"
#include "model/problems.h"
#include "model/uuid.h"

#define PREFERENCES_MAX 4096

struct phone_rule {
	int (*matches)(const char *phone);
	const char *pattern; /* for the 422 message */
};

/* Every string is owned (customer_input_free); NULL is SQL NULL. */
struct customer_input {
	char *full_name;
	char email[EMAIL_MAX + 1]; /* normalised */
	char *phone;
	char *gender;
	char *avatar_url;
	char user_id[UUID_STRLEN];
	char business_id[UUID_STRLEN];
	char *preferences; /* compact JSON, owned */
};

/* The body of POST /customers. 1 when valid; items added otherwise. */
int customer_input_create(json_t *body, const struct phone_rule *phone,
    struct problems *p, struct customer_input *in);
/*
 * The body of PATCH /customers/{id}: only the keys present, the same
 * rules, null clearing the optional ones (preferences: {}). present gets
 * the keys present as a text[] literal, e.g. {full_name,phone}.
 */
#define CUSTOMER_PRESENT_MAX 64
int customer_input_patch(json_t *body, const struct phone_rule *phone,
    struct problems *p, struct customer_input *in, char *present,
    size_t presentlen);
void customer_input_free(struct customer_input *in);
/*
 * May a client set this avatar_url? http(s)://host... or /path (not
 * //host). The 422 says AVATAR_URL_RULE otherwise.
 */
#define AVATAR_URL_RULE \
	"avatar_url must be an http or https URL with a host, or a path " \
	"starting with /"
int customer_avatar_url_allowed(const char *url);
/* The body is not an object: one item at ["body"]. */
void customer_input_not_object(json_t *body, struct problems *p);

#endif
