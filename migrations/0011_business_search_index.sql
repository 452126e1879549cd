-- 0011: a business's search stays inside that business.
--
-- GET /customers?business_id=&query= used to AND the business's btree with
-- the trigram indexes of 0007, whose posting lists hold every business's
-- rows: a common surname read them all, then fetched and sorted each
-- match of the business, so its cost grew with the whole table (EXPLAIN
-- (ANALYZE, BUFFERS), 1 000 customers a business, "%smith%": 131 buffers
-- at 100 000 customers, 290 at 1 000 000; "%james.smith%": 135, then 741).
--
-- The index below holds what the search reads, in ORDER BY order within
-- each business. The business statement (src/api/customer_search.h) walks
-- it as an index-only scan and stops at the page's last row, then fetches
-- that page's rows by primary key: at most a business's own entries, the
-- same at 100 000 and at 1 000 000 customers. search_text (the three
-- fields lower-cased, joined by U+001F) lets each index tuple be tested
-- with one byte-wise LIKE instead of three ILIKEs, which lower-case their
-- text on every call (8x the CPU per row); the ILIKEs stay, after it, as
-- the exact test. docs/benchmark.md has the figures and what else was
-- tried: btree_gin composite trigram indexes (business_id, col
-- gin_trgm_ops), which still read every business's posting lists, and a
-- plain (business_id, full_name, id) btree walked with heap fetches.
--
-- scripts/migrate runs each file in a transaction, where CREATE INDEX
-- CONCURRENTLY cannot run, and a stored generated column rewrites the
-- table: both hold customers' lock for their duration (about 30 s per
-- million customers on the benchmark's machine). On a large live table,
-- add the column in a quiet moment and build the index first by hand with
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS and this definition: this file
-- then finds both.

ALTER TABLE customers ADD COLUMN IF NOT EXISTS search_text text
	GENERATED ALWAYS AS (lower(full_name) || E'\x1f' || lower(email) ||
	    E'\x1f' || lower(coalesce(phone, ''))) STORED;

CREATE INDEX IF NOT EXISTS ix_customer_business_search
	ON customers (business_id, full_name, id)
	INCLUDE (email, phone, search_text);
