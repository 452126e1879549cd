/*
 * Verified tokens, remembered per worker until they expire: a client
 * sends the same bearer token with every request, and verifying it
 * (HMAC, base64, two JSON parses) was a tenth of a worker's CPU on a
 * primary-key GET. Entries are keyed by the whole token text, so only
 * byte-identical tokens that verified before are taken from here.
 *
 * Only tokens that passed every check of token_verify() are put, with the
 * settings of the process (read once at start-up), and of those checks
 * only exp can turn a valid token invalid as time passes (nbf and iat only
 * the other way): serving it until claims.expires, the second at which
 * token_verify() would call it expired, skips no check.
 */
#ifndef BEE_TOKEN_CACHE_H
#define BEE_TOKEN_CACHE_H

#include <time.h>

#include "model/token.h"

#define TOKEN_CACHE_SLOTS 256
#define TOKEN_CACHE_MAXLEN 2048 /* longer tokens are not remembered */

/* 1 and the claims when token verified before and now < its expires. */
int token_cache_get(const char *token, time_t now, struct claims *out);
/* Remembers a verified token until claims->expires. */
void token_cache_put(const char *token, const struct claims *claims);
void token_cache_clear(void);

#endif
