/*
 * model/xalloc.c: the one rule for out of memory. What it hands back is
 * usable (a zero size too), and a NULL where only memory can be missing
 * stops the process instead of travelling on.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "model/xalloc.h"

Test(xalloc, copies)
{
	char *a, *b;

	a = xstrdup("bee");
	b = xstrndup("customers", 4);
	cr_assert_str_eq(a, "bee");
	cr_assert_str_eq(b, "cust");
	free(a);
	free(b);
}

/* malloc(0) may return NULL; the wrapper must not take it for failure. */
Test(xalloc, zero_sizes_are_usable)
{
	char *p, *q, *r;

	p = xmalloc(0);
	q = xcalloc(0, 8);
	r = xrealloc(NULL, 0);
	cr_assert(p != NULL && q != NULL && r != NULL);
	free(p);
	free(q);
	free(r);
}

Test(xalloc, calloc_zeroes_and_realloc_keeps)
{
	unsigned char *p;
	size_t i;

	p = xcalloc(16, 4);
	for (i = 0; i < 64; i++)
		cr_assert_eq(p[i], 0);
	memset(p, 7, 64);
	p = xrealloc(p, 4096);
	for (i = 0; i < 64; i++)
		cr_assert_eq(p[i], 7);
	free(p);
}

Test(xalloc, json_passes_values_through)
{
	json_t *v;
	char *text;

	v = xjson(json_pack("{s:i}", "n", 1));
	text = xjson_dumps(v, JSON_COMPACT);
	cr_assert_str_eq(text, "{\"n\":1}");
	xjson_added(json_object_set_new(v, "m", xjson(json_integer(2))));
	cr_assert_eq(json_object_size(v), 2);
	free(text);
	json_decref(v);
}

Test(xalloc, null_json_stops_the_process, .signal = SIGABRT)
{
	(void)xjson(NULL);
}

Test(xalloc, failed_insert_stops_the_process, .signal = SIGABRT)
{
	xjson_added(-1);
}
