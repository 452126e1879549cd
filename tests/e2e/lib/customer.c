#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "expect.h"
#include "http.h"
#include "token.h"

/* The create body a platform service sends; full_name may be NULL. */
char *
cust_body(const char *user_id, const char *business_id, const char *name)
{
	json_t *j;
	char *s;

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "full_name",
	    name ? name : "Ana Popescu", "email", "ana@example.com", "phone",
	    "+40798765432", "gender", "female", "user_id", user_id,
	    "business_id", business_id);
	cr_assert(j != NULL);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return (s);
}

/*
 * Creates a customer in business_id for a fresh user, as `internal`, and
 * returns its id and user_id.
 */
void
cust_create(const char *business_id, char id[UUID_STR_LEN],
    char user_id[UUID_STR_LEN])
{
	uuid4(user_id);
	cust_create_for(user_id, business_id, id);
}

void
cust_create_for(const char *user_id, const char *business_id,
    char id[UUID_STR_LEN])
{
	struct http_resp *r;
	json_t *j;
	char *tok, *body;

	tok = tok_internal();
	body = cust_body(user_id, business_id, NULL);
	r = http_req_tok("POST", "/customers", tok, body);
	expect_status(r, 201);
	j = resp_json(r);
	cr_assert(uuid_is_canonical(json_str(j, "id")));
	/* Canonical, so exactly UUID_STR_LEN bytes with the NUL. */
	memcpy(id, json_str(j, "id"), UUID_STR_LEN);
	json_decref(j);
	http_resp_free(r);
	free(body);
	free(tok);
}

/* Keys in the original's order, then ours (docs/api.md). */
void
expect_customer(const json_t *c)
{
	static const char *keys[] = { "full_name", "email", "phone", "gender",
		"avatar_url", "id", "user_id", "business_id", "total_orders",
		"total_appointments", "last_order_date",
		"last_appointment_date", "lifetime_value", "created_at",
		"updated_at", "preferences", NULL };

	expect_key_order(c, keys, "customer");
	cr_assert(uuid_is_canonical(json_str(c, "id")));
	cr_assert(uuid_is_canonical(json_str(c, "user_id")));
	cr_assert(uuid_is_canonical(json_str(c, "business_id")));
	cr_assert(json_is_integer(json_object_get(c, "total_orders")));
	cr_assert(json_is_integer(json_object_get(c, "total_appointments")));
	cr_assert(json_is_number(json_object_get(c, "lifetime_value")));
	cr_assert(str_matches(json_str(c, "created_at"), TS_RE),
	    "created_at %s", json_str(c, "created_at"));
	cr_assert(str_matches(json_str(c, "updated_at"), TS_RE),
	    "updated_at %s", json_str(c, "updated_at"));
	cr_assert(json_is_object(json_object_get(c, "preferences")));
}

json_t *
expect_customer_resp(const struct http_resp *r, int status, const char *id)
{
	json_t *j;

	expect_status(r, status);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	expect_customer(j);
	if (id != NULL)
		cr_assert_str_eq(json_str(j, "id"), id);
	return (j);
}
