-- 0012: a version per customer, for the ETag of its responses, If-Match
-- (docs/api.md, "Conditional requests") and the `version` of its events.
--
-- Existing rows start at 1, as new rows do. A trigger, not each writer,
-- adds one at every UPDATE of the row: the API's writes, the history
-- consumer's statistics, an operator's hand-written UPDATE or another
-- program sharing the database; so no write can leave a representation
-- changed under an unchanged ETag. Its cost is one PL/pgSQL call per
-- updated row; the PATCH statement's pgbench ceiling (docs/benchmark.md)
-- did not move beyond its run-to-run noise with it.
--
-- ADD COLUMN with a constant default rewrites nothing (PostgreSQL 11 and
-- later); the file may run again without harm.

ALTER TABLE customers ADD COLUMN IF NOT EXISTS version bigint NOT NULL
	DEFAULT 1;

CREATE OR REPLACE FUNCTION customers_next_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.version := OLD.version + 1;
	RETURN NEW;
END
$$;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
	    WHERE tgrelid = 'customers'::regclass
	    AND tgname = 'customers_version') THEN
		CREATE TRIGGER customers_version BEFORE UPDATE ON customers
			FOR EACH ROW EXECUTE FUNCTION customers_next_version();
	END IF;
END
$$;
