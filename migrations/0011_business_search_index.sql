-- 0011: a business's search stays inside that business.
--
-- GET /customers?business_id=&query= used to AND the business's btree with
-- the trigram indexes of 0007, whose posting lists hold every business's
-- rows: a common surname read them all, then fetched and sorted each
-- match of the business, so its cost grew with the whole table (100 000
-- customers in 100 businesses, "%smith%": 131 buffers, 1 000 000 in
-- 1 000 businesses: 290; "%mary smith%": 126, then 690).
--
-- This index holds what the search matches (full_name, email, phone) in
-- ORDER BY order within each business. The business statement
-- (src/api/customer_search.h) walks it as an index-only scan, matching on
-- the index tuples and stopping at the page's last row, then fetches that
-- page's rows by primary key: 18-90 buffers for every term, at 100 000 and
-- at 1 000 000 customers alike, since a business's walk is bounded by its
-- own size. docs/benchmark.md has the figures and what else was tried:
-- btree_gin composite trigram indexes (business_id, col gin_trgm_ops)
-- still read every business's posting lists (264-550 buffers at
-- 1 000 000); a plain (business_id, full_name, id) btree walked with heap
-- fetches visits about 250 rows for a common name (236 buffers at
-- 100 000, worse than the trigram plan).
--
-- scripts/migrate runs each file in a transaction, where CREATE INDEX
-- CONCURRENTLY cannot run: this build blocks writes to customers for its
-- duration (a few seconds per million rows). On a large live table, build
-- it first by hand, outside a transaction, with the same definition and
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS: this file then finds it.

CREATE INDEX IF NOT EXISTS ix_customer_business_search
	ON customers (business_id, full_name, id) INCLUDE (email, phone);
