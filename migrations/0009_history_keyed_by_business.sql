-- 0009: order and appointment history keyed by (business_id, order_id) and
-- (business_id, appointment_id).
--
-- Upstream ids are only unique within a business (two businesses' order
-- services may both have an order "1001"). With order_id alone as the key,
-- the second business's order hit the first one's row, the consumer's
-- upsert skipped it (a row of another business is never touched) and the
-- message was acked: silently lost. Every existing row keeps its key, now
-- prefixed by its business; no row changes.
--
-- The new key's index also serves the consumer's upsert. Two more indexes
-- follow the lists' order (src/api/history.h), so that a page of a long
-- history (the routes' skip/limit, the export's pages) reads its rows in
-- order instead of sorting the customer's whole history each time.
--
-- Written to be safe on a database where someone already changed the key
-- by hand (the primary key is rebuilt only when it is not already the
-- pair, and the old one is found by what it is, whatever its name) or
-- made the indexes (IF NOT EXISTS).

DO $$
DECLARE
	t	record;
	pk	name;
BEGIN
	FOR t IN SELECT * FROM (VALUES ('customer_orders', 'order_id'),
	    ('customer_appointments', 'appointment_id')) AS v(tbl, id)
	LOOP
		IF NOT EXISTS (
			SELECT 1 FROM pg_constraint k
			WHERE k.conrelid = t.tbl::regclass AND k.contype = 'p'
			AND k.conkey = ARRAY(
			    SELECT a.attnum FROM unnest(ARRAY['business_id',
				t.id]) WITH ORDINALITY AS c(name, n)
			    JOIN pg_attribute a ON a.attrelid = t.tbl::regclass
				AND a.attname = c.name
			    ORDER BY c.n)) THEN
			-- the key as it is named, not as PostgreSQL would name it
			pk := NULL;
			SELECT k.conname INTO pk FROM pg_constraint k
			WHERE k.conrelid = t.tbl::regclass AND k.contype = 'p';
			IF pk IS NOT NULL THEN
				EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I',
				    t.tbl, pk);
			END IF;
			EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I'
			    ' PRIMARY KEY (business_id, %I)', t.tbl,
			    t.tbl || '_pkey', t.id);
		END IF;
	END LOOP;
END
$$;

CREATE INDEX IF NOT EXISTS ix_customer_orders_history_order
	ON customer_orders (business_id, user_id, created_at DESC NULLS LAST,
	    updated_at DESC, order_id COLLATE "C");
CREATE INDEX IF NOT EXISTS ix_customer_appointments_history_order
	ON customer_appointments (business_id, user_id,
	    starts_at DESC NULLS LAST, updated_at DESC,
	    appointment_id COLLATE "C");
