/* The registry of prepared statements: statement numbers by SQL text. */
#include <stdio.h>

#include "db/stmt.h"

static const char *texts[STMT_MAX];
static int ntexts;

int
stmt_id(const char *sql)
{
	int i;

	/* the handlers' SQL are static arrays: the address is the key */
	for (i = 0; i < ntexts; i++) {
		if (texts[i] == sql)
			return (i);
	}
	if (ntexts == STMT_MAX)
		return (-1);
	texts[ntexts] = sql;
	return (ntexts++);
}

void
stmt_name(int id, char *name, size_t namelen)
{
	(void)snprintf(name, namelen, "bee_%d", id);
}
