/*
 * Reads the service's log the way a person greps it: a line matches when it
 * holds every string asked for; tests that parse the lines read it
 * themselves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service_log.h"

int
service_log_has(const char *a, const char *b)
{
	const char *dir;
	char path[512], line[4096];
	FILE *fp;
	int found, tries;

	if ((dir = getenv("BEE_E2E_DIR")) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/kore.err", dir);
	found = 0;
	for (tries = 0; tries < 200 && !found; tries++) { /* 10 s */
		if ((fp = fopen(path, "r")) == NULL)
			return (-1);
		while (!found && fgets(line, sizeof(line), fp) != NULL)
			found =
			    strstr(line, a) != NULL && strstr(line, b) != NULL;
		fclose(fp);
		if (!found)
			usleep(50000);
	}
	return (found);
}
