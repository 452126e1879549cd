/*
 * Authentication, run by Kore before every protected handler. A request
 * type validator sends its own response, so failures are JSON 401s.
 * Also the first place that sees a request: the smuggling guard
 * (guard.h) runs here, before a token is looked at.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "http/auth.h"
#include "http/guard.h"
#include "infra/log.h"
#include "http/reply.h"
#include "infra/settings.h"
#include "model/token.h"
#include "model/token_cache.h"

static int unauthorized(struct http_request *, const char *, int);

static int
unauthorized(struct http_request *req, const char *detail, int challenge)
{
	if (challenge)
		http_response_header(req, "www-authenticate", "Bearer");
	log_write(LOG_LEVEL_INFO, ctx_get(req)->trace_id, detail, NULL, 0);
	(void)reply_detail(req, 401, detail);
	return (KORE_RESULT_ERROR);
}

int
v_jwt(struct http_request *req, const void *data)
{
	struct token_key key;
	struct ctx *c;
	const char *hdr, *tok;
	time_t now;

	(void)data;
	c = ctx_get(req);
	if (request_refused(req))
		return (KORE_RESULT_ERROR);
	/* CORS preflight: the handler answers it, unauthenticated. */
	if (req->method == HTTP_METHOD_OPTIONS)
		return (KORE_RESULT_OK);

	if (!http_request_header(req, "authorization", &hdr))
		return (unauthorized(req, "Not authenticated", 1));
	while (*hdr == ' ')
		hdr++;
	if (strncasecmp(hdr, "bearer", 6) != 0 ||
	    (hdr[6] != ' ' && hdr[6] != '\0')) {
		if (*hdr == '\0')
			return (unauthorized(req, "Not authenticated", 1));
		return (
		    unauthorized(req, "Invalid authentication credentials", 0));
	}
	for (tok = hdr + 6; *tok == ' '; tok++)
		;
	if (*tok == '\0')
		return (unauthorized(req, "Not authenticated", 1));

	now = time(NULL);
	if (token_cache_get(tok, now, &c->claims)) {
		c->authed = 1;
		return (KORE_RESULT_OK);
	}

	memset(&key, 0, sizeof(key));
	key.rs256 = settings.algorithm == JWT_ALGO_RS256;
	key.key = key.rs256 ? settings.jwt_public_key : settings.secret_key;
	key.key_len =
	    key.rs256 ? settings.jwt_public_key_len : settings.secret_key_len;
	key.audience = settings.jwt_audience;
	key.leeway = settings.jwt_leeway;
	key.issuer = settings.jwt_issuer;
	key.access_type = settings.jwt_access_type;

	switch (token_verify(tok, &key, now, &c->claims)) {
	case TOKEN_OK:
		break;
	case TOKEN_EXPIRED:
		return (unauthorized(req, "Token has expired", 0));
	case TOKEN_BAD_PAYLOAD:
		return (unauthorized(req, "Invalid token payload", 0));
	case TOKEN_INVALID:
	default:
		return (unauthorized(req, "Invalid authentication token", 0));
	}
	token_cache_put(tok, &c->claims);
	c->authed = 1;
	return (KORE_RESULT_OK);
}

int
auth_require_business(struct http_request *req, struct ctx *c)
{
	if (c->claims.role != ROLE_ADMIN || c->claims.nbusinesses > 0)
		return (1);
	(void)reply_detail(req, 403, "Token has no business");
	return (0);
}
