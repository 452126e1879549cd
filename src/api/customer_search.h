/*
 * The filter of GET /customers, in one place so that a test can ask
 * PostgreSQL for its plan (tests/e2e/test_search_plan.c): $1 the business
 * or NULL, $2 the ILIKE pattern or NULL, $3 skip, $4 limit. Unnamed
 * statements are planned with their values, so the NULL tests fold away
 * and the trigram indexes serve the ILIKEs.
 */
#ifndef BEE_CUSTOMER_SEARCH_H
#define BEE_CUSTOMER_SEARCH_H

#define CUSTOMER_SEARCH_WHERE \
	" WHERE ($1::uuid IS NULL OR c.business_id = $1::uuid)" \
	" AND ($2::text IS NULL OR c.full_name ILIKE $2 OR c.email ILIKE $2" \
	" OR c.phone ILIKE $2)"

#define CUSTOMER_SEARCH_PAGE \
	" ORDER BY c.full_name, c.id OFFSET $3::bigint LIMIT $4::bigint"

#endif
