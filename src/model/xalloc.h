/*
 * Allocation that cannot fail: every malloc, calloc, realloc, strdup and
 * jansson constructor of the module goes through here. Out of memory stops
 * the process (abort): in a Kore worker the parent starts a fresh worker, at
 * start-up the service does not start. No caller checks for NULL, so no
 * half-built request state and no untested error path exist.
 */
#ifndef BEE_XALLOC_H
#define BEE_XALLOC_H

#include <stddef.h>

#include <jansson.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * For a jansson call whose NULL can only mean out of memory (json_object(),
 * json_pack() of constants or of text already checked as UTF-8,
 * json_dumps() of a document built here): returns v, never NULL.
 */
json_t *xjson(json_t *v);
char *xjson_dumps(const json_t *json, size_t flags);
/* The result of json_object_set_new() or json_array_append_new() of a
 * valid key and value: -1 only for want of memory. */
void xjson_added(int rc);

/* Writes one line to stderr and aborts. */
void xalloc_failed(void) __attribute__((noreturn));

#endif
