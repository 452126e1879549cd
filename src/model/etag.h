/*
 * Entity-tags of a customer (RFC 9110 section 8.8.3) and the conditions of
 * If-Match and If-None-Match (section 13.1): the customer's version
 * (migration 0012) as a strong tag, "<version>", and a request's list of
 * tags as the versions it names. Pure C (tested in tests/unit).
 */
#ifndef BEE_ETAG_H
#define BEE_ETAG_H

#include <stddef.h>

/* '"', a version of at most ETAG_DIGITS digits, '"', NUL */
#define ETAG_DIGITS 18
#define ETAG_MAX (ETAG_DIGITS + 3)
/* the tags of one request that count; later ones match nothing */
#define ETAG_COND_TAGS 32

/*
 * A request's If-Match or If-None-Match: absent, "*" (any), or the
 * versions its tags name, as a PostgreSQL bigint[] literal ("{3,7}";
 * "{}" when no tag can match: a malformed field, tags we never made).
 */
struct etag_cond {
	int present;
	int any;
	char versions[2 + ETAG_COND_TAGS * (ETAG_DIGITS + 1)];
};

enum etag_compare {
	ETAG_STRONG, /* If-Match: W/"3" matches nothing */
	ETAG_WEAK /* If-None-Match: W/"3" and "3" both match version 3 */
};

/*
 * The ETag of version (PostgreSQL's text of a bigint) into out; -1 (out
 * empty) when it is not a version we make (1 to ETAG_DIGITS digits, no
 * leading zero).
 */
int etag_format(const char *version, char out[ETAG_MAX]);

/*
 * value, the field's lines joined by ", " (NULL: absent), as a condition.
 * A field that is not "*" or a list of entity-tags names no version.
 */
void etag_cond_parse(const char *value, enum etag_compare cmp,
    struct etag_cond *out);

/* Does the condition name version (as etag_format takes it)? */
int etag_cond_matches(const struct etag_cond *cond, const char *version);

/*
 * The statement parameter of an If-Match: NULL when any version will do
 * (absent, "*"), else the bigint[] literal of the versions that match.
 */
const char *etag_cond_param(const struct etag_cond *cond);

/*
 * SQL: does If-Match hold for the version column v? p is the parameter
 * that etag_cond_param filled (NULL: any version).
 */
#define ETAG_SQL_IF_MATCH(p, v) \
	"(" p "::bigint[] IS NULL OR " v " = ANY(" p "::bigint[]))"

#endif
