/*
 * JWTs for the tests: valid tokens for each role, and the broken ones the
 * service must refuse. Named token.h, not jwt.h, so that <jwt.h> still
 * means libjwt under -Itests/e2e/lib. Every function returns a malloc'd
 * string the caller frees.
 */
#ifndef E2E_TOKEN_H
#define E2E_TOKEN_H

#include <jwt.h>

/* One hour from now: long enough for any run. */
#define TOK_TTL 3600

char *tok_claims(const char *, jwt_alg_t, const char *);
/* HS256 with SECRET_KEY over a header of the test's own (libjwt writes its own). */
char *tok_header(const char *header, const char *claims);
char *tok_role(const char *);
char *tok_sub(const char *, const char *, const char *);
char *tok_admin(const char *);
char *tok_admin_multi(const char *, const char *);
char *tok_customer(const char *);
char *tok_superadmin(void);
char *tok_internal(void);

char *tok_alg_none(void);
char *tok_tampered(const char *, const char *);
char *tok_wrong_key(void);

#endif
