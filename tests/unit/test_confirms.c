/*
 * confirms.c: per-tag publisher confirms. Every sequence of basic.ack and
 * basic.nack frames (single, or multiple where the broker may send one)
 * that settles a batch of up to 5 messages with every mix of outcomes, in
 * every order: the batch is complete only after its last frame, and each
 * message ends with its own outcome. Plus the frames a batch ignores or
 * refuses.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "events/confirms.h"

#define FIRST 7 /* the second batch of a channel: tags 7, 8, ... */
#define MAXN 5

struct walk {
	int n;
	int nack[MAXN]; /* the outcome the broker gives each message */
	int state[MAXN]; /* settled in this walk so far */
	int frames[2 * MAXN][3]; /* tag, multiple, nack */
	int depth;
	long sequences;
};

static void
replay(const struct walk *w)
{
	struct confirms c;
	int i, nacks;

	confirms_begin(&c, FIRST);
	for (i = 0; i < w->n; i++)
		cr_assert_eq(confirms_add(&c), 0);
	for (i = 0; i < w->depth; i++) {
		cr_assert_gt(c.pending, 0, "complete before frame %d", i);
		cr_assert_eq(confirms_frame(&c, (uint64_t)w->frames[i][0],
				 w->frames[i][1], w->frames[i][2]),
		    0);
	}
	cr_assert_eq(c.pending, 0, "incomplete after the last frame");
	nacks = 0;
	for (i = 0; i < w->n; i++) {
		cr_assert_eq(confirms_get(&c, (size_t)i),
		    w->nack[i] ? CONFIRM_NACK : CONFIRM_ACK,
		    "message %d of %d (%d frames, the first for tag %d)", i,
		    w->n, w->depth, w->frames[0][0]);
		nacks += w->nack[i];
	}
	cr_assert_eq(c.nacked, (size_t)nacks);
}

/*
 * Every next frame: a single one for any pending message, or a multiple
 * one up to any pending message when every pending message up to it has
 * the same outcome (as the broker sends them).
 */
static void
walk(struct walk *w)
{
	int t, j, multiple, same, left;

	left = 0;
	for (t = 0; t < w->n; t++)
		left += !w->state[t];
	if (left == 0) {
		replay(w);
		w->sequences++;
		return;
	}
	for (t = 0; t < w->n; t++) {
		if (w->state[t])
			continue;
		for (multiple = 0; multiple < 2; multiple++) {
			int saved[MAXN];

			same = 1;
			for (j = 0; j < t; j++)
				if (!w->state[j] && w->nack[j] != w->nack[t])
					same = 0;
			if (multiple && !same)
				continue;
			memcpy(saved, w->state, sizeof(saved));
			for (j = multiple ? 0 : t; j <= t; j++)
				w->state[j] = 1;
			w->frames[w->depth][0] = FIRST + t;
			w->frames[w->depth][1] = multiple;
			w->frames[w->depth][2] = w->nack[t];
			w->depth++;
			walk(w);
			w->depth--;
			memcpy(w->state, saved, sizeof(saved));
		}
	}
}

Test(confirms, every_order_of_acks_and_nacks_settles_each_tag)
{
	struct walk w;
	int n, mix, i;
	long total;

	total = 0;
	for (n = 1; n <= MAXN; n++) {
		for (mix = 0; mix < (1 << n); mix++) {
			memset(&w, 0, sizeof(w));
			w.n = n;
			for (i = 0; i < n; i++)
				w.nack[i] = (mix >> i) & 1;
			walk(&w);
			total += w.sequences;
		}
	}
	cr_log_info("%ld frame sequences", total);
	cr_assert_gt(total, 10000);
}

/* The case that was once wrong: an ack of a later tag says nothing of tag 1. */
Test(confirms, a_later_single_ack_leaves_earlier_tags_pending)
{
	struct confirms c;
	int i;

	confirms_begin(&c, 1);
	for (i = 0; i < 3; i++)
		cr_assert_eq(confirms_add(&c), 0);
	cr_assert_eq(confirms_frame(&c, 3, 0, 0), 0);
	cr_assert_eq(c.pending, 2);
	cr_assert_eq(confirms_get(&c, 0), CONFIRM_PENDING);
	cr_assert_eq(confirms_frame(&c, 1, 0, 1), 0);
	cr_assert_eq(confirms_frame(&c, 2, 1, 0), 0);
	cr_assert_eq(c.pending, 0);
	cr_assert_eq(confirms_get(&c, 0), CONFIRM_NACK, "the nack stands");
	cr_assert_eq(confirms_get(&c, 1), CONFIRM_ACK);
	cr_assert_eq(confirms_get(&c, 2), CONFIRM_ACK);
	cr_assert_eq(c.nacked, 1);
}

Test(confirms, multiple_with_tag_zero_settles_all_outstanding)
{
	struct confirms c;
	int i;

	confirms_begin(&c, FIRST);
	for (i = 0; i < 4; i++)
		cr_assert_eq(confirms_add(&c), 0);
	cr_assert_eq(confirms_frame(&c, FIRST + 1, 0, 1), 0);
	cr_assert_eq(confirms_frame(&c, 0, 1, 0), 0);
	cr_assert_eq(c.pending, 0);
	cr_assert_eq(confirms_get(&c, 1), CONFIRM_NACK);
	for (i = 0; i < 4; i++)
		if (i != 1)
			cr_assert_eq(confirms_get(&c, (size_t)i), CONFIRM_ACK);
}

Test(confirms, earlier_batches_are_ignored_unknown_tags_refused)
{
	struct confirms c;

	confirms_begin(&c, FIRST);
	cr_assert_eq(confirms_add(&c), 0);
	cr_assert_eq(confirms_add(&c), 0);
	/* a late multiple ack of the previous batch's tags */
	cr_assert_eq(confirms_frame(&c, FIRST - 1, 1, 0), 0);
	cr_assert_eq(c.pending, 2);
	/* a tag never published on this channel: the broker is out of step */
	cr_assert_eq(confirms_frame(&c, FIRST + 2, 0, 0), -1);
	cr_assert_eq(confirms_frame(&c, FIRST + 9, 1, 1), -1);
	cr_assert_eq(c.pending, 2);
	/* a second word on a settled tag does not change it */
	cr_assert_eq(confirms_frame(&c, FIRST, 0, 1), 0);
	cr_assert_eq(confirms_frame(&c, FIRST, 0, 0), 0);
	cr_assert_eq(confirms_get(&c, 0), CONFIRM_NACK);
	cr_assert_eq(c.pending, 1);
	cr_assert_eq(confirms_get(&c, 5), CONFIRM_PENDING, "out of the batch");
}

Test(confirms, a_batch_holds_at_most_confirms_max)
{
	static struct confirms c;
	int i;

	confirms_begin(&c, 1);
	for (i = 0; i < CONFIRMS_MAX; i++)
		cr_assert_eq(confirms_add(&c), 0);
	cr_assert_eq(confirms_add(&c), -1);
	cr_assert_eq(confirms_frame(&c, CONFIRMS_MAX, 1, 0), 0);
	cr_assert_eq(c.pending, 0);
	confirms_begin(&c, CONFIRMS_MAX + 1);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(confirms_add(&c), 0);
}
