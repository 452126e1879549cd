/*
 * Token verification. libjwt 1.10 lets the token header choose the
 * algorithm, so an HS256 token signed with an RSA public key's text would
 * verify: we compare jwt_get_alg() with the configured one. Claims come
 * from the payload parsed by jansson (libjwt 1.10 has no float getters).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <jwt.h>

#include "model/token.h"

/* A double cast to time_t must be in range: C11 6.3.1.4. */
_Static_assert(sizeof(time_t) == sizeof(int64_t) && (time_t)-1 < 0,
    "time_t is a signed 64-bit integer");
#define TIME_T_MIN ((time_t)INT64_MIN)
#define TIME_T_MAX ((time_t)INT64_MAX)

static json_t *load_object(char *);
static enum token_result check_claims(json_t *, json_t *,
    const struct token_key *, time_t, struct claims *);
static int check_time(json_t *, const char *, int, double *);
static int check_audience(json_t *, const char *);
static int check_type(json_t *, json_t *, const char *);
static int string_is(json_t *, const char *, int);
static enum token_result read_businesses(json_t *, struct claims *);

enum token_result
token_verify(const char *token, const struct token_key *key, time_t now,
    struct claims *out)
{
	jwt_t *jwt;
	json_t *payload, *header;
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

	payload = load_object(jwt_get_grants_json(jwt, NULL));
	header = load_object(jwt_get_headers_json(jwt, NULL));
	jwt_free(jwt);
	rc = TOKEN_INVALID;
	if (payload != NULL && header != NULL)
		rc = check_claims(header, payload, key, now, out);
	json_decref(payload);
	json_decref(header);
	return (rc);
}

/* libjwt's JSON text (taken over and freed) as an object, or NULL. */
static json_t *
load_object(char *text)
{
	json_t *v;
	json_error_t jerr;

	if (text == NULL)
		return (NULL);
	v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return (v);
}

static enum token_result
check_claims(json_t *header, json_t *payload, const struct token_key *key,
    time_t now, struct claims *out)
{
	json_t *sub, *role;
	double exp, nbf, iat;
	char err[UUID_ERRLEN];

	/*
	 * exp: required and numeric. The cache (token_cache.c) serves a
	 * token until the same out->expires, so that both refuse it from
	 * the same second on.
	 */
	if (!check_time(payload, "exp", 1, &exp))
		return (TOKEN_INVALID);
	out->expires = token_expires(exp, key->leeway);
	if (now >= out->expires)
		return (TOKEN_EXPIRED);
	if (!check_time(payload, "nbf", 0, &nbf))
		return (TOKEN_INVALID);
	if (!isnan(nbf) && nbf > (double)(now + key->leeway))
		return (TOKEN_INVALID);
	/* A token issued in the future was minted by a wrong clock. */
	if (!check_time(payload, "iat", 0, &iat))
		return (TOKEN_INVALID);
	if (!isnan(iat) && iat > (double)(now + key->leeway))
		return (TOKEN_INVALID);
	if (key->audience != NULL && !check_audience(payload, key->audience))
		return (TOKEN_INVALID);
	if (key->issuer != NULL &&
	    !string_is(json_object_get(payload, "iss"), key->issuer, 0))
		return (TOKEN_INVALID);
	if (key->access_type != NULL &&
	    !check_type(header, payload, key->access_type))
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

/*
 * now < exp + leeway holds for a whole second now exactly when now <
 * ceil(exp + leeway). Out of time_t's range the cast would be undefined:
 * below it the token is long expired, above it it never expires.
 */
time_t
token_expires(double exp, long leeway)
{
	double t;

	t = ceil(exp + (double)leeway);
	if (isnan(t) || t <= (double)TIME_T_MIN)
		return (TIME_T_MIN);
	/* (double)TIME_T_MAX is 2^63, itself out of range */
	if (t >= (double)TIME_T_MAX)
		return (TIME_T_MAX);
	return ((time_t)t);
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
		return (string_is(aud, audience, 0));
	if (json_is_array(aud)) {
		json_array_foreach(aud, i, item) {
			if (string_is(item, audience, 0))
				return (1);
		}
	}
	return (0);
}

/*
 * JWT_ACCESS_TYPE: where a token states its kind, the kind must be the
 * configured one. The header's `typ` is a media type (RFC 7515 4.1.9, any
 * case), and "JWT", which every library writes, says nothing about the
 * kind (libjwt 1.10 refuses any other string there before we look). The
 * `type` and `token_type` claims, when present (null included), must be
 * the configured string exactly. A token that states its kind nowhere is
 * accepted: the auth service's access tokens carry none of the three.
 */
static int
check_type(json_t *header, json_t *payload, const char *want)
{
	json_t *typ;

	typ = json_object_get(header, "typ");
	if (typ != NULL && !string_is(typ, "JWT", 1) &&
	    !string_is(typ, want, 1))
		return (0);
	typ = json_object_get(payload, "type");
	if (typ != NULL && !string_is(typ, want, 0))
		return (0);
	typ = json_object_get(payload, "token_type");
	return (typ == NULL || string_is(typ, want, 0));
}

/* v is a JSON string equal to want: all its bytes, an embedded NUL too. */
static int
string_is(json_t *v, const char *want, int any_case)
{
	size_t len;

	len = strlen(want);
	if (!json_is_string(v) || json_string_length(v) != len)
		return (0);
	if (any_case)
		return (strncasecmp(json_string_value(v), want, len) == 0);
	return (memcmp(json_string_value(v), want, len) == 0);
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
