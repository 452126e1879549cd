-- 0015: one trigram index for the search over all businesses, instead of
-- three.
--
-- 0007 indexed full_name, email and phone each with gin_trgm_ops for the
-- ILIKEs of GET /customers. Since 0011 a business's search walks its
-- covering btree and never reads them; only the search over all
-- businesses (a superadmin without business_id) does, as a BitmapOr of
-- the three. Yet every insert, and every update that is not HOT (a new
-- full_name, e-mail or phone, which the btrees hold too), adds the row's
-- trigrams to all three, in their pending lists first (fastupdate), and
-- each list, once past gin_pending_list_limit, is moved into its index by
-- whichever writer crossed the limit: 250-1 000 ms for that one write.
--
-- search_text (0011: the three fields lower-cased, joined by U+001F)
-- holds the same trigrams in one row of one index. The search over all
-- businesses tests `search_text LIKE lower(pattern)` first, as the
-- business walk does, which this index serves, and keeps the three ILIKEs
-- after it as the exact test (src/api/customer_search.h). Measured on the
-- benchmark's 100 000 customers (docs/benchmark.md): WAL per PATCH 6.7 kB
-- -> 3.8 kB; the index 24 MB against 63 MB for the three; the search over
-- all businesses reads fewer buffers for every term measured. The pending
-- list itself is kept short by the service (src/events/gin_cleaner.c),
-- and its limit is 64 MB instead of 4: under a sustained burst of writes
-- on a busy server the cleaner falls behind, and a 4 MB list was then
-- moved by a writer (make bench: PATCH p99 392-414 ms with the cleaner);
-- a 64 MB list holds tens of seconds of such a burst for the cleaner to
-- catch up with, at the cost of a longer list for the search over all
-- businesses to read meanwhile.
--
-- The original service's own btrees (0001) stay as they are: dropping the
-- two that others cover and the unused phone one was measured too, and
-- changed nothing a run could tell from noise.
--
-- scripts/migrate runs each file in a transaction, where CREATE INDEX
-- CONCURRENTLY cannot run: on a large live table, build the index first by
-- hand with CREATE INDEX CONCURRENTLY IF NOT EXISTS and this definition.

CREATE INDEX IF NOT EXISTS ix_customer_search_trgm
	ON customers USING gin (search_text gin_trgm_ops)
	WITH (gin_pending_list_limit = 65536);
-- A hand-built index keeps its options: give it the same.
ALTER INDEX ix_customer_search_trgm SET (gin_pending_list_limit = 65536);

DROP INDEX IF EXISTS ix_customer_full_name_trgm;
DROP INDEX IF EXISTS ix_customer_email_trgm;
DROP INDEX IF EXISTS ix_customer_phone_trgm;
