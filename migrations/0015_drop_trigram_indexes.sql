-- 0015: no trigram index on customers.
--
-- 0007 indexed full_name, email and phone each with gin_trgm_ops for the
-- ILIKEs of GET /customers. Since 0011 a business's search walks its
-- covering btree and never reads them; only the search over all
-- businesses (a superadmin without business_id) could. Yet every insert,
-- and every update that is not HOT (a new full_name, e-mail or phone,
-- which the btrees hold too), adds the row's trigrams to all three, first
-- to their pending lists (fastupdate), and each list, once past
-- gin_pending_list_limit (4 MB), is moved into its index by whichever
-- write crossed the limit: 250-1 000 ms for that one PATCH or POST, and
-- for the statements queued behind it on its pooled connection. That was
-- the whole of their p99 tail on the benchmark (docs/benchmark.md, "The
-- write path's tail", with what else was measured: fastupdate = off
-- halves the write throughput; one index on search_text, alone or with
-- its list emptied every second by a background session, still stalls
-- under load; GiST reads ten times the buffers).
--
-- Without them a write adds no trigram at all (WAL per PATCH 3.7 kB ->
-- 1.9-2.4 kB, no stall), and the search over all businesses reads the
-- table, testing search_text (0011) byte-wise before the ILIKEs: about
-- 0.1 s per 100 000 customers (0.4-0.65 s at 1 000 000 on the benchmark's
-- machine), or walks ix_customer_full_name for a common term. A platform
-- whose superadmins search tens of millions of customers can add
--   CREATE INDEX CONCURRENTLY ix_customer_search_trgm
--       ON customers USING gin (search_text gin_trgm_ops);
-- by hand and pay its cost on every write (docs/operations.md).

DROP INDEX IF EXISTS ix_customer_full_name_trgm;
DROP INDEX IF EXISTS ix_customer_email_trgm;
DROP INDEX IF EXISTS ix_customer_phone_trgm;
