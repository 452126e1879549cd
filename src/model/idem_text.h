/*
 * The texts of an idempotent request (idem_text.c): the Idempotency-Key as
 * a client may send it, and a stored result row (a PostgreSQL record
 * text) split back into its columns.
 */
#ifndef BEE_IDEM_TEXT_H
#define BEE_IDEM_TEXT_H

#include <stddef.h>

#define IDEM_KEY_MAX 255

/* 1 to IDEM_KEY_MAX visible ASCII characters (0x21 to 0x7e). */
int idem_key_valid(const char *key);

/*
 * The columns of rec, a record's text as PostgreSQL writes it ("(a,,\"b
 * c\")"), unquoted into buf (at least strlen(rec) + 1 bytes), each
 * NUL-terminated: vals[i] points into buf, or is NULL for SQL NULL.
 * Returns the number of columns, or -1 when rec is no record text or has
 * more than max columns.
 */
int idem_record_split(const char *rec, char *buf, const char **vals, int max);

#endif
