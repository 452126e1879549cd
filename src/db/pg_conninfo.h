/*
 * What every PostgreSQL connection of the service adds to DATABASE_URL's
 * conninfo (settings_pg_conninfo): its statement and lock timeouts, and
 * whether it needs the address the parent resolved (src/infra/resolve.c).
 * Pure C (tested in tests/unit).
 */
#ifndef BEE_PG_CONNINFO_H
#define BEE_PG_CONNINFO_H

/*
 * libpq's `options` value: the conninfo's own (DateStyle, or what the
 * URL set), then `-c statement_timeout=... -c lock_timeout=...`, which
 * win over the URL's. Sent in the startup packet: no extra round trip.
 * Allocated (free it), or NULL when out of memory.
 */
char *pg_options(const char *conninfo, int statement_ms, int lock_ms);

/*
 * 1 when libpq would resolve a host name itself: one TCP host and no
 * hostaddr in the conninfo. 0 for a Unix socket (an empty host, or a
 * directory), a hostaddr the URL gives, or a list of hosts.
 */
int pg_wants_hostaddr(const char *conninfo);

#endif
