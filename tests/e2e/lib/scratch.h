/*
 * A database of a test's own on the e2e PostgreSQL, migrated with
 * scripts/migrate, for tests whose rows must not meet other tests' (the
 * outbox publisher, the resend tool). Run from the repository root.
 */
#ifndef E2E_SCRATCH_H
#define E2E_SCRATCH_H

#include <stddef.h>

#include <postgresql/libpq-fe.h>

/*
 * Creates <prefix><random>, migrates it, and returns a connection to it;
 * its URL in url, its name in name.
 */
PGconn *scratch_db(const char *prefix, char *url, size_t len, char *name,
    size_t namelen);
/* Closes c and drops the database (connections of others included). */
void scratch_drop(PGconn *c, const char *name);

#endif
