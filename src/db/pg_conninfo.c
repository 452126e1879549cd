/*
 * The per-connection parts of a PostgreSQL conninfo (pg_conninfo.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db/pg_conninfo.h"

static const char *option(PQconninfoOption *, const char *);

char *
pg_options(const char *conninfo, int statement_ms, int lock_ms)
{
	PQconninfoOption *opts;
	const char *own;
	char *out;
	size_t len;

	own = "";
	opts = PQconninfoParse(conninfo, NULL);
	if (opts != NULL && (own = option(opts, "options")) == NULL)
		own = "";
	len = strlen(own) + 80;
	if ((out = malloc(len)) != NULL)
		(void)snprintf(out, len,
		    "%s%s-c statement_timeout=%d -c lock_timeout=%d", own,
		    *own != '\0' ? " " : "", statement_ms, lock_ms);
	PQconninfoFree(opts);
	return (out);
}

int
pg_wants_hostaddr(const char *conninfo)
{
	PQconninfoOption *opts;
	const char *host, *addr;
	int wants;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return (0);
	host = option(opts, "host");
	addr = option(opts, "hostaddr");
	wants = host != NULL && *host != '\0' && *host != '/' && *host != '@' &&
	    strchr(host, ',') == NULL && (addr == NULL || *addr == '\0');
	PQconninfoFree(opts);
	return (wants);
}

static const char *
option(PQconninfoOption *opts, const char *keyword)
{
	for (; opts->keyword != NULL; opts++) {
		if (!strcmp(opts->keyword, keyword))
			return (opts->val);
	}
	return (NULL);
}
