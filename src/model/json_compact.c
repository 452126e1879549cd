/*
 * PostgreSQL's json text, compact (see json_compact.h). PostgreSQL writes
 * valid JSON, so dropping the whitespace outside strings is enough, and
 * it keeps every number exactly as the database wrote it (a numeric such
 * as 0.1 never turns into 0.10000000000000001 through a double).
 */
#include <string.h>

#include "model/json_compact.h"

int
jsonw_compact(struct jsonw *w, const char *text)
{
	const char *p, *run;
	int in_string, escaped;

	if (text == NULL || *text == '\0') {
		w->failed = 1;
		return (0);
	}
	in_string = escaped = 0;
	run = text;
	for (p = text; *p != '\0'; p++) {
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (*p == '\\')
				escaped = 1;
			else if (*p == '"')
				in_string = 0;
			continue;
		}
		if (*p == '"') {
			in_string = 1;
		} else if (*p == ' ' || *p == '\n' || *p == '\t' ||
		    *p == '\r') {
			jsonw_raw(w, run, (size_t)(p - run));
			run = p + 1;
		}
	}
	jsonw_raw(w, run, (size_t)(p - run));
	if (in_string)
		w->failed = 1;
	return (!w->failed);
}
