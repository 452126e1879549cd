/*
 * PostgreSQL's text output of a few types, rewritten as the API writes
 * them, in C rather than with to_char in every statement (formatting was
 * a measurable part of PostgreSQL's work per GET). The connection sets
 * DateStyle to ISO (settings_pg_conninfo), so the input forms are fixed.
 */
#ifndef BEE_PGTEXT_H
#define BEE_PGTEXT_H

#include <stddef.h>

#define PGTEXT_TS_LEN 28 /* 2025-07-01T09:30:00.123456Z and the NUL */

/*
 * "2025-07-01 09:30:00[.123]" (a timestamp without time zone, UTC) to
 * "2025-07-01T09:30:00.123000Z"; -1 for anything else.
 */
int pgtext_timestamp(const char *in, char out[PGTEXT_TS_LEN]);
/* A numeric as Python printed the float: 0.0, 2750.0, 12.5; -1 if not. */
int pgtext_pyfloat(const char *in, char *out, size_t outlen);

#endif
