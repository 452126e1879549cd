/*
 * Bearer tokens (design.md section 3): libjwt checks the signature, we pin
 * the algorithm and check every claim ourselves from the payload JSON.
 */
#ifndef BEE_TOKEN_H
#define BEE_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "model/uuid.h"

#define CLAIMS_MAX_BUSINESSES 64

enum role {
	ROLE_CUSTOMER, /* customer, client: their own rows */
	ROLE_ADMIN, /* admin_business, admin_manager */
	ROLE_SUPERADMIN,
	ROLE_INTERNAL, /* platform services */
	ROLE_OTHER /* courier, collaborator, ...: nothing */
};

enum token_result {
	TOKEN_OK,
	TOKEN_INVALID, /* signature, format, alg, nbf, iat, aud, iss, type */
	TOKEN_EXPIRED,
	TOKEN_BAD_PAYLOAD /* sub not a UUID, role not a string */
};

struct token_key {
	int rs256; /* 0: HS256 */
	const char *key; /* secret or PEM public key */
	size_t key_len;
	const char *audience; /* NULL: aud unchecked */
	long leeway;
	const char *issuer; /* NULL: iss unchecked */
	const char *access_type; /* NULL: typ, type, token_type unchecked */
};

struct claims {
	time_t expires; /* the first second it is refused: token_expires() */
	char sub[UUID_STRLEN];
	enum role role;
	size_t nbusinesses;
	char businesses[CLAIMS_MAX_BUSINESSES][UUID_STRLEN];
};

enum token_result token_verify(const char *token, const struct token_key *key,
    time_t now, struct claims *out);
enum role token_role(const char *name);
/*
 * The first whole second at which a token with this exp is expired
 * (RFC 7519 4.1.4: valid while now < exp, plus the leeway), clamped to
 * time_t's range: defined for every double, NaN and infinities included.
 */
time_t token_expires(double exp, long leeway);
/* Is business (canonical UUID) one of the admin's businesses? */
int claims_has_business(const struct claims *c, const char *business);

#endif
