/*
 * logq.c: the log forwarder's queue, bounded in lines and bytes, dropping
 * the oldest lines (counted), giving batches as JSON arrays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "infra/logq.h"

static struct logq q;

static void
fini(void)
{
	logq_free(&q);
}

TestSuite(logq, .fini = fini);

static void
push_n(int from, int n)
{
	char line[64];
	int i, len;

	for (i = from; i < from + n; i++) {
		len = snprintf(line, sizeof(line), "{\"n\":%d}", i);
		(void)logq_push(&q, line, (size_t)len);
	}
}

/* The numbers "n" of a batch's JSON array, checked in order from first. */
static void
expect_batch(size_t max, int first, size_t count)
{
	struct logq_line lines[128];
	struct logq_batch b = { lines, 0 };
	json_error_t jerr;
	json_t *arr;
	size_t i, len;
	char *body;

	cr_assert_eq(logq_take(&q, &b, max), count);
	body = logq_batch_json(&b, &len);
	cr_assert_not_null(body);
	cr_assert_eq(strlen(body), len);
	arr = json_loads(body, 0, &jerr);
	cr_assert_not_null(arr, "not JSON: %s", body);
	cr_assert(json_is_array(arr));
	cr_assert_eq(json_array_size(arr), count);
	for (i = 0; i < count; i++)
		cr_assert_eq(json_integer_value(
				 json_object_get(json_array_get(arr, i), "n")),
		    first + (int)i);
	json_decref(arr);
	free(body);
	logq_batch_clear(&b);
	cr_assert_eq(b.count, 0);
}

Test(logq, keeps_order_and_counts)
{
	cr_assert_eq(logq_init(&q, 10, 1000), 0);
	push_n(0, 3);
	cr_assert_eq(q.count, 3);
	cr_assert_eq(q.bytes, 3 * strlen("{\"n\":0}"));
	cr_assert_eq(q.dropped, 0);
	expect_batch(100, 0, 3);
	cr_assert_eq(q.count, 0);
	cr_assert_eq(q.bytes, 0);
}

Test(logq, empty_batch_is_empty_array)
{
	struct logq_line lines[4];
	struct logq_batch b = { lines, 0 };
	size_t len;
	char *body;

	cr_assert_eq(logq_init(&q, 4, 100), 0);
	cr_assert_eq(logq_take(&q, &b, 4), 0);
	body = logq_batch_json(&b, &len);
	cr_assert_str_eq(body, "[]");
	cr_assert_eq(len, 2);
	free(body);
}

Test(logq, drops_oldest_when_full_of_lines)
{
	cr_assert_eq(logq_init(&q, 5, 100000), 0);
	push_n(0, 8);
	cr_assert_eq(q.count, 5);
	cr_assert_eq(q.dropped, 3);
	expect_batch(100, 3, 5);
}

Test(logq, drops_oldest_when_full_of_bytes)
{
	/* each line is 7 bytes ({"n":0} .. {"n":9}): 3 fit in 21 */
	cr_assert_eq(logq_init(&q, 100, 21), 0);
	push_n(0, 5);
	cr_assert_eq(q.count, 3);
	cr_assert_eq(q.bytes, 21);
	cr_assert_eq(q.dropped, 2);
	expect_batch(100, 2, 3);
}

Test(logq, push_returns_drops)
{
	cr_assert_eq(logq_init(&q, 2, 1000), 0);
	cr_assert_eq(logq_push(&q, "{}", 2), 0);
	cr_assert_eq(logq_push(&q, "{}", 2), 0);
	cr_assert_eq(logq_push(&q, "{}", 2), 1);
	/* a long line pushes out as many as it needs */
	logq_free(&q);
	cr_assert_eq(logq_init(&q, 10, 10), 0);
	push_n(0, 1);
	cr_assert_eq(logq_push(&q, "{\"x\":\"ab\"}", 10), 1);
	cr_assert_eq(q.count, 1);
}

Test(logq, line_larger_than_bound_is_dropped_itself)
{
	cr_assert_eq(logq_init(&q, 10, 8), 0);
	push_n(0, 1);
	cr_assert_eq(logq_push(&q, "{\"long\":1}", 10), 1);
	cr_assert_eq(q.count, 1);
	cr_assert_eq(q.dropped, 1);
	expect_batch(100, 0, 1);
}

Test(logq, batches_at_most_max_in_order)
{
	cr_assert_eq(logq_init(&q, 10000, 4 * 1024 * 1024), 0);
	push_n(0, 250);
	expect_batch(100, 0, 100);
	expect_batch(100, 100, 100);
	expect_batch(100, 200, 50);
	cr_assert_eq(q.count, 0);
	cr_assert_eq(q.dropped, 0);
}

Test(logq, ring_wraps)
{
	int round;

	cr_assert_eq(logq_init(&q, 7, 100000), 0);
	for (round = 0; round < 20; round++) {
		push_n(round * 5, 5);
		expect_batch(3, round * 5, 3);
		expect_batch(3, round * 5 + 3, 2);
	}
	push_n(1000, 20);
	cr_assert_eq(q.dropped, 13);
	expect_batch(100, 1013, 7);
}

Test(logq, free_releases_everything)
{
	cr_assert_eq(logq_init(&q, 100, 100000), 0);
	push_n(0, 50);
	logq_free(&q);
	cr_assert_eq(q.count, 0);
	cr_assert_null(q.ring);
	/* pushing to a freed queue does nothing */
	cr_assert_eq(logq_push(&q, "{}", 2), 0);
}
