/*
 * JSON text from PostgreSQL (json_agg, json_build_object: spaces after
 * ':' and ',', newlines between array elements) appended to a response
 * compactly, key order kept. Pure C, tested in tests/unit.
 */
#ifndef BEE_JSON_COMPACT_H
#define BEE_JSON_COMPACT_H

#include "model/jsonw.h"

/*
 * Appends `text` without the whitespace outside its strings; numbers and
 * strings stay exactly as PostgreSQL wrote them. 0 (and w->failed set)
 * for empty text or an unterminated string.
 */
int jsonw_compact(struct jsonw *w, const char *text);

#endif
