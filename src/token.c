/*
 * Token verification. libjwt 1.10 lets the token header choose the
 * algorithm, so an HS256 token signed with an RSA public key's text would
 * verify: we compare jwt_get_alg() with the configured one. Claims come
 * from the payload parsed by jansson (libjwt 1.10 has no float getters).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "token.h"

static enum token_result check_claims(json_t *, const struct token_key *,
    time_t, struct claims *);
static int check_time(json_t *, const char *, int, double *);
static int check_audience(json_t *, const char *);
static enum token_result read_businesses(json_t *, struct claims *);

enum token_result
token_verify(const char *token, const struct token_key *key, time_t now,
    struct claims *out)
{
	jwt_t *jwt;
	json_t *payload;
	json_error_t jerr;
	char *grants;
	enum token_result rc;
	jwt_alg_t want;

	memset(out, 0, sizeof(*out));
	if (token == NULL || *token == '\0' || key->key == NULL ||
	    key->key_len == 0)
		return (TOKEN_INVALID);

	jwt = NULL;
	if (jwt_decode(&jwt, token, (const unsigned char *)key->key,
		(int)key->key_len) != 0 ||
	    jwt == NULL)
		return (TOKEN_INVALID);

	want = key->rs256 ? JWT_ALG_RS256 : JWT_ALG_HS256;
	if (jwt_get_alg(jwt) != want) {
		jwt_free(jwt);
		return (TOKEN_INVALID);
	}

	grants = jwt_get_grants_json(jwt, NULL);
	jwt_free(jwt);
	if (grants == NULL)
		return (TOKEN_INVALID);
	payload = json_loads(grants, JSON_REJECT_DUPLICATES, &jerr);
	free(grants);
	if (payload == NULL || !json_is_object(payload)) {
		json_decref(payload);
		return (TOKEN_INVALID);
	}

	rc = check_claims(payload, key, now, out);
	json_decref(payload);
	return (rc);
}

static enum token_result
check_claims(json_t *payload, const struct token_key *key, time_t now,
    struct claims *out)
{
	json_t *sub, *role;
	double exp, nbf;
	char err[UUID_ERRLEN];

	/* exp: required and numeric; exp == now is still valid. */
	if (!check_time(payload, "exp", 1, &exp))
		return (TOKEN_INVALID);
	if (exp < (double)(now - key->leeway))
		return (TOKEN_EXPIRED);
	out->exp = exp;
	if (!check_time(payload, "nbf", 0, &nbf))
		return (TOKEN_INVALID);
	if (!isnan(nbf) && nbf > (double)(now + key->leeway))
		return (TOKEN_INVALID);
	if (!check_time(payload, "iat", 0, &nbf))
		return (TOKEN_INVALID);
	if (key->audience != NULL && !check_audience(payload, key->audience))
		return (TOKEN_INVALID);

	sub = json_object_get(payload, "sub");
	if (!json_is_string(sub) ||
	    uuid_parse(json_string_value(sub), out->sub, err, sizeof(err)) ==
		-1)
		return (TOKEN_BAD_PAYLOAD);

	role = json_object_get(payload, "role");
	if (role == NULL)
		out->role = ROLE_CUSTOMER;
	else if (json_is_string(role))
		out->role = token_role(json_string_value(role));
	else
		return (TOKEN_BAD_PAYLOAD);

	return (read_businesses(payload, out));
}

/* A numeric claim (integer or float); NaN in *v when absent. */
static int
check_time(json_t *payload, const char *name, int required, double *v)
{
	json_t *t;

	*v = NAN;
	if ((t = json_object_get(payload, name)) == NULL)
		return (!required);
	if (!json_is_number(t))
		return (0);
	*v = json_number_value(t);
	return (isfinite(*v));
}

static int
check_audience(json_t *payload, const char *audience)
{
	json_t *aud, *item;
	size_t i;

	aud = json_object_get(payload, "aud");
	if (json_is_string(aud))
		return (!strcmp(json_string_value(aud), audience));
	if (json_is_array(aud)) {
		json_array_foreach(aud, i, item) {
			if (json_is_string(item) &&
			    !strcmp(json_string_value(item), audience))
				return (1);
		}
	}
	return (0);
}

/*
 * business_id (a UUID string) and business_ids (an array of them, at most
 * 64): the auth service's contract for administrators. A malformed value
 * makes the whole token unusable rather than silently narrowing it.
 */
static enum token_result
read_businesses(json_t *payload, struct claims *out)
{
	json_t *one, *many, *item;
	char err[UUID_ERRLEN];
	size_t i;

	one = json_object_get(payload, "business_id");
	if (one != NULL && !json_is_null(one)) {
		if (!json_is_string(one) ||
		    uuid_parse(json_string_value(one), out->businesses[0], err,
			sizeof(err)) == -1)
			return (TOKEN_BAD_PAYLOAD);
		out->nbusinesses = 1;
	}

	many = json_object_get(payload, "business_ids");
	if (many == NULL || json_is_null(many))
		return (TOKEN_OK);
	if (!json_is_array(many) ||
	    json_array_size(many) + out->nbusinesses > CLAIMS_MAX_BUSINESSES)
		return (TOKEN_BAD_PAYLOAD);
	json_array_foreach(many, i, item) {
		if (!json_is_string(item) ||
		    uuid_parse(json_string_value(item),
			out->businesses[out->nbusinesses], err,
			sizeof(err)) == -1)
			return (TOKEN_BAD_PAYLOAD);
		out->nbusinesses++;
	}
	return (TOKEN_OK);
}

enum role
token_role(const char *name)
{
	if (!strcmp(name, "customer") || !strcmp(name, "client"))
		return (ROLE_CUSTOMER);
	if (!strcmp(name, "admin_business") || !strcmp(name, "admin_manager"))
		return (ROLE_ADMIN);
	if (!strcmp(name, "superadmin"))
		return (ROLE_SUPERADMIN);
	if (!strcmp(name, "internal"))
		return (ROLE_INTERNAL);
	return (ROLE_OTHER);
}

int
claims_has_business(const struct claims *c, const char *business)
{
	size_t i;

	for (i = 0; i < c->nbusinesses; i++) {
		if (!strcmp(c->businesses[i], business))
			return (1);
	}
	return (0);
}
