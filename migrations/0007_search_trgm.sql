-- 0007: index-backed search.
--
-- GET /customers?query= matches `full_name ILIKE '%term%' OR email ILIKE
-- ... OR phone ILIKE ...`. A btree cannot serve a leading wildcard; a GIN
-- trigram index per column can (case-insensitively), and the planner ORs
-- the three with a BitmapOr. Terms are at least 3 characters, one trigram.
--
-- pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13+):
-- a database owner may create it without superuser rights.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX ix_customer_full_name_trgm
	ON customers USING gin (full_name gin_trgm_ops);
CREATE INDEX ix_customer_email_trgm
	ON customers USING gin (email gin_trgm_ops);
CREATE INDEX ix_customer_phone_trgm
	ON customers USING gin (phone gin_trgm_ops);
