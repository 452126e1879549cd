/*
 * The one rule for out of memory (model/xalloc.h): the process stops. Pure
 * C, so that the unit tests and the command-line tools link it as the
 * module does. The message is written without allocating.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/xalloc.h"

void
xalloc_failed(void)
{
	static const char msg[] = "out of memory: stopping the process\n";

	(void)write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xalloc_failed();
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xalloc_failed();
	return (p);
}

void *
xrealloc(void *p, size_t size)
{
	void *q;

	if ((q = realloc(p, size == 0 ? 1 : size)) == NULL)
		xalloc_failed();
	return (q);
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		xalloc_failed();
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		xalloc_failed();
	return (p);
}

json_t *
xjson(json_t *v)
{
	if (v == NULL)
		xalloc_failed();
	return (v);
}

void
xjson_added(int rc)
{
	if (rc == -1)
		xalloc_failed();
}

char *
xjson_dumps(const json_t *json, size_t flags)
{
	char *text;

	if ((text = json_dumps(json, flags)) == NULL)
		xalloc_failed();
	return (text);
}
