/*
 * The log forwarder's queue (src/infra/logfwd.c): finished JSON log lines kept
 * for the log service, bounded in lines and in bytes. When a new line
 * does not fit, the oldest lines go first (the newest say most about a
 * present problem) and are counted. Batches leave it as JSON arrays.
 * Pure and not locked: the caller serialises access.
 */
#ifndef BEE_LOGQ_H
#define BEE_LOGQ_H

#include <stddef.h>
#include <stdint.h>

struct logq_line {
	char *text; /* malloc'd, not NUL-terminated */
	size_t len;
};

struct logq {
	struct logq_line *ring;
	size_t cap; /* lines at most */
	size_t max_bytes; /* bytes of text at most */
	size_t head; /* oldest */
	size_t count;
	size_t bytes;
	uint64_t dropped; /* lines dropped, oldest first or too long */
};

struct logq_batch {
	struct logq_line *lines;
	size_t count;
};

/* 0, or -1 when out of memory. */
int logq_init(struct logq *q, size_t max_lines, size_t max_bytes);
void logq_free(struct logq *q);
/*
 * Copies a line in, dropping the oldest lines until it fits (a line
 * larger than max_bytes, or a failed allocation, drops the line itself).
 * Returns how many lines were dropped.
 */
size_t logq_push(struct logq *q, const char *line, size_t len);
/* Moves up to max of the oldest lines into b (b->lines: max slots). */
size_t logq_take(struct logq *q, struct logq_batch *b, size_t max);
/* "[line,line,...]" as a malloc'd NUL-terminated body; NULL: no memory. */
char *logq_batch_json(const struct logq_batch *b, size_t *len);
/* Frees the lines of a batch (not b->lines) and empties it. */
void logq_batch_clear(struct logq_batch *b);

#endif
