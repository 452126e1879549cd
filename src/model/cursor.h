/*
 * The `cursor` of a list's next page (docs/api.md, "Pages"): the last
 * row's sort key and a fingerprint of the list's filters, as base64url
 * without padding. It is opaque to clients but neither secret nor
 * signed: a hand-made cursor can only choose where in the list a page
 * starts, because the filters and the tenant's scope come from the
 * request, never from the cursor, and every key is checked here before it
 * reaches a statement. The checksum catches a cursor cut short or
 * mangled on its way; the fingerprint, one reused with other filters.
 */
#ifndef BEE_CURSOR_H
#define BEE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "model/problems.h"
#include "model/query.h"

/*
 * Longest accepted cursor text: keys of about 700 bytes (a full_name is
 * at most 400), well inside the 1999 bytes Kore allows a request's path
 * and query.
 */
#define CURSOR_TEXT_MAX 1024
#define CURSOR_KEYS_MAX 3

/*
 * The lists and their keys, in the lists' sort order:
 *   customers:    full_name, id (a canonical UUID)
 *   orders:       created_at or NULL, updated_at (microseconds since
 *                 the epoch, decimal, within PostgreSQL's timestamp
 *                 range), order_id
 *   appointments: starts_at or NULL, updated_at, appointment_id
 */
enum cursor_kind {
	CURSOR_CUSTOMERS = 1,
	CURSOR_ORDERS = 2,
	CURSOR_APPOINTMENTS = 3
};

enum cursor_status {
	CURSOR_OK,
	CURSOR_MALFORMED, /* not a cursor of this list */
	CURSOR_OTHER_FILTERS /* a cursor of this list, with other filters */
};

struct cursor {
	int nkeys; /* 0: no cursor given */
	char *keys[CURSOR_KEYS_MAX]; /* NULL for SQL NULL; owned */
};

/*
 * The fingerprint of a list's filters: n strings (NULL for an absent
 * filter), in an order fixed by the caller.
 */
uint64_t cursor_fingerprint(enum cursor_kind kind, const char *const *filters,
    int n);
/* The cursor of keys (the kind's number of them); caller frees. */
char *cursor_encode(enum cursor_kind kind, uint64_t filters,
    const char *const *keys);
/* On CURSOR_OK, out holds the keys: cursor_free it. */
enum cursor_status cursor_decode(const char *text, enum cursor_kind kind,
    uint64_t filters, struct cursor *out);
void cursor_free(struct cursor *c);

/*
 * The query's `cursor`: absent (1, out->nkeys 0), or decoded for this
 * list and filters (1); else 0 with a value_error item at
 * ["query","cursor"] (malformed, other filters, or given with a skip
 * other than 0: a cursor already says where the page starts).
 */
int cursor_param(struct problems *p, const struct query *qs,
    enum cursor_kind kind, uint64_t filters, struct cursor *out);

/*
 * The Link header's value for the next page: `<path?...>; rel="next"`, a
 * relative reference with the n parameters whose value is not NULL
 * (percent-encoded) and then cursor. Caller frees.
 */
char *cursor_link(const char *path, const char *const *names,
    const char *const *values, int n, const char *cursor);

#endif
