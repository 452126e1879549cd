/*
 * Per-tag publisher confirms (see confirms.h). A flat array of states
 * indexed by tag - first: a batch is at most CONFIRMS_MAX messages, and a
 * multiple frame walks at most that many.
 */
#include "events/confirms.h"

static void settle(struct confirms *, size_t, int);

void
confirms_begin(struct confirms *c, uint64_t first)
{
	c->first = first;
	c->n = 0;
	c->pending = 0;
	c->nacked = 0;
}

int
confirms_add(struct confirms *c)
{
	if (c->n == CONFIRMS_MAX)
		return (-1);
	c->state[c->n++] = CONFIRM_PENDING;
	c->pending++;
	return (0);
}

static void
settle(struct confirms *c, size_t i, int nack)
{
	if (c->state[i] != CONFIRM_PENDING)
		return;
	c->state[i] = nack ? CONFIRM_NACK : CONFIRM_ACK;
	c->pending--;
	c->nacked += nack != 0;
}

int
confirms_frame(struct confirms *c, uint64_t tag, int multiple, int nack)
{
	size_t i, last;

	if (multiple && tag == 0)
		tag = c->first + c->n - 1; /* "all outstanding" */
	if (c->n == 0 || tag >= c->first + c->n)
		return (tag < c->first ? 0 : -1);
	if (tag < c->first)
		return (0); /* an earlier batch's */
	last = (size_t)(tag - c->first);
	if (!multiple) {
		settle(c, last, nack);
		return (0);
	}
	for (i = 0; i <= last; i++)
		settle(c, i, nack);
	return (0);
}

enum confirm
confirms_get(const struct confirms *c, size_t i)
{
	if (i >= c->n)
		return (CONFIRM_PENDING);
	return ((enum confirm)c->state[i]);
}
