/*
 * The statements of GET /customers, in one place so that a test can ask
 * PostgreSQL for their plans (tests/e2e/test_search_plan.c). Both take
 * $1 the business (NULL: all), $2 the ILIKE pattern or NULL, $3 skip,
 * $4 limit. The pool prepares them like every statement; PostgreSQL
 * keeps custom plans (with the values) while the generic plan, which
 * cannot fold the NULL tests, is estimated dearer, as on the benchmark's
 * rows.
 *
 * All businesses (a superadmin without business_id): planned with its
 * values, the NULL tests fold away and the trigram index of migration
 * 0015 on search_text serves `search_text LIKE lower(pattern)`, the same
 * first test as the business walk's below (one index where there were
 * three, for the writes' sake); the ILIKEs keep exactly what they matched
 * before.
 *
 * One business: the trigram posting lists hold every business's rows, so
 * they cost more as the table grows. Instead the first step walks one
 * business in ORDER BY order through the covering index of migration
 * 0011 (business_id, full_name, id INCLUDE email, phone, search_text) as
 * an index-only scan, stopping at the page's last row; the second
 * fetches the page's rows by primary key. Its cost is bounded by the
 * business's size, not the table's (docs/benchmark.md). On each index
 * tuple, search_text (the three fields lower-cased, joined by U+001F)
 * LIKE the lower-cased pattern comes first: in a UTF-8 database `x ILIKE
 * p` is `lower(x) LIKE lower(p)`, so it drops no match, and it costs one
 * byte-wise match instead of three ILIKEs that each lower-case their text
 * (the pattern is lower-cased once, in the InitPlan). The ILIKEs then
 * keep exactly what they matched before: nothing found across the
 * separator. The outer ORDER BY repeats the inner one: same rows, same
 * order as one statement. The walk tests `search_text || ''`, not the
 * column itself, so that the trigram index of 0015 can never serve it:
 * on the benchmark's rows the planner otherwise ANDed that index's
 * posting lists (every business's matches) with the business's rows and
 * sorted them, 3.4 ms and growing with the table where the walk takes
 * 0.4-0.8 ms at 100 000 and at 1 000 000 customers.
 */
#ifndef BEE_CUSTOMER_SEARCH_H
#define BEE_CUSTOMER_SEARCH_H

#define CUSTOMER_SEARCH_WHERE \
	" WHERE ($1::uuid IS NULL OR c.business_id = $1::uuid)" \
	" AND ($2::text IS NULL OR (c.search_text LIKE lower($2::text) AND" \
	" (c.full_name ILIKE $2 OR c.email ILIKE $2 OR c.phone ILIKE $2)))"

#define CUSTOMER_SEARCH_PAGE \
	" ORDER BY c.full_name, c.id OFFSET $3::bigint LIMIT $4::bigint"

#define CUSTOMER_SEARCH_BUSINESS(after, page) \
	" JOIN (SELECT s.id, s.full_name FROM customers s" \
	" WHERE s.business_id = $1::uuid" after " AND ($2::text IS NULL OR" \
	" (s.search_text || '') LIKE (SELECT lower($2::text)) AND" \
	" (s.full_name ILIKE $2 OR s.email ILIKE $2 OR s.phone ILIKE $2))" \
	" ORDER BY s.full_name, s.id" page ") p" \
	" ON c.id = p.id ORDER BY p.full_name, p.id"

#define CUSTOMER_SEARCH_BUSINESS_PAGE \
	CUSTOMER_SEARCH_BUSINESS("", " OFFSET $3::bigint LIMIT $4::bigint")

/*
 * The pages after a cursor: $3 and $4 the previous page's last full_name
 * and id, $5 the limit, no OFFSET. The row comparison is on the same
 * columns as the ORDER BY, so it compares full_name with the column's
 * own collation, as the sort and the indexes do, and PostgreSQL makes it
 * the start of the index range: the walk begins at the cursor's row
 * instead of reading and dropping every row before it. Separate
 * statements rather than `$3 IS NULL OR ...`, which would keep the
 * generic plan from using the comparison as an index bound.
 */
#define CUSTOMER_SEARCH_AFTER(a) \
	" AND (" a ".full_name, " a ".id) > ($3::text, $4::uuid)"

#define CUSTOMER_SEARCH_NEXT \
	CUSTOMER_SEARCH_AFTER("c") \
	" ORDER BY c.full_name, c.id LIMIT $5::bigint"

#define CUSTOMER_SEARCH_BUSINESS_NEXT \
	CUSTOMER_SEARCH_BUSINESS(CUSTOMER_SEARCH_AFTER("s"), \
	    " LIMIT $5::bigint")

#endif
