/*
 * The log forwarder's bounded queue: a ring of malloc'd lines. Bounded in
 * lines (the ring) and in bytes (the text): a line of at most 4 KB times
 * 10 000 would be 40 MB, so the byte bound is what keeps memory small.
 */
#include <stdlib.h>
#include <string.h>

#include "infra/logq.h"

static void drop_oldest(struct logq *);

int
logq_init(struct logq *q, size_t max_lines, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	if (max_lines == 0 ||
	    (q->ring = calloc(max_lines, sizeof(q->ring[0]))) == NULL)
		return (-1);
	q->cap = max_lines;
	q->max_bytes = max_bytes;
	return (0);
}

void
logq_free(struct logq *q)
{
	while (q->count > 0)
		drop_oldest(q);
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

static void
drop_oldest(struct logq *q)
{
	struct logq_line *l;

	l = &q->ring[q->head];
	q->bytes -= l->len;
	free(l->text);
	l->text = NULL;
	l->len = 0;
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

size_t
logq_push(struct logq *q, const char *line, size_t len)
{
	struct logq_line *l;
	size_t dropped;
	char *text;

	if (q->ring == NULL || len == 0)
		return (0);
	if (len > q->max_bytes || (text = malloc(len)) == NULL) {
		q->dropped++;
		return (1);
	}
	memcpy(text, line, len);
	dropped = 0;
	while (q->count > 0 &&
	    (q->count == q->cap || q->bytes + len > q->max_bytes)) {
		drop_oldest(q);
		dropped++;
	}
	l = &q->ring[(q->head + q->count) % q->cap];
	l->text = text;
	l->len = len;
	q->count++;
	q->bytes += len;
	q->dropped += dropped;
	return (dropped);
}

size_t
logq_take(struct logq *q, struct logq_batch *b, size_t max)
{
	struct logq_line *l;
	size_t n;

	for (n = 0; n < max && q->count > 0; n++) {
		l = &q->ring[q->head];
		b->lines[n] = *l;
		q->bytes -= l->len;
		l->text = NULL;
		l->len = 0;
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	b->count = n;
	return (n);
}

char *
logq_batch_json(const struct logq_batch *b, size_t *len)
{
	size_t i, n, off;
	char *out;

	/* brackets, commas, NUL */
	n = 3 + b->count;
	for (i = 0; i < b->count; i++)
		n += b->lines[i].len;
	if ((out = malloc(n)) == NULL)
		return (NULL);
	off = 0;
	out[off++] = '[';
	for (i = 0; i < b->count; i++) {
		if (i > 0)
			out[off++] = ',';
		memcpy(out + off, b->lines[i].text, b->lines[i].len);
		off += b->lines[i].len;
	}
	out[off++] = ']';
	out[off] = '\0';
	*len = off;
	return (out);
}

void
logq_batch_clear(struct logq_batch *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->lines[i].text);
		b->lines[i].text = NULL;
	}
	b->count = 0;
}
