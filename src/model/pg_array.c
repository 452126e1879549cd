/* pg_array.h: a PostgreSQL array literal, element by element. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/pg_array.h"

/* Room for element, a comma and the closing brace; opens the literal. */
static void
reserve(struct pg_array *a, size_t more)
{
	size_t need;
	char *n;

	need = a->len + more + 4;
	if (need > a->cap) {
		a->cap = need * 2;
		if ((n = realloc(a->s, a->cap)) == NULL)
			abort(); /* a few kilobytes */
		a->s = n;
	}
	if (a->len == 0)
		a->s[a->len++] = '{';
	a->s[a->len] = '\0';
}

void
pg_array_add(struct pg_array *a, const char *element)
{
	reserve(a, strlen(element));
	a->len += (size_t)snprintf(a->s + a->len, a->cap - a->len, "%s%s",
	    a->len > 1 ? "," : "", element);
}

const char *
pg_array_text(struct pg_array *a)
{
	reserve(a, 0);
	a->s[a->len++] = '}';
	a->s[a->len] = '\0';
	return (a->s);
}

void
pg_array_free(struct pg_array *a)
{
	free(a->s);
	memset(a, 0, sizeof(*a));
}
