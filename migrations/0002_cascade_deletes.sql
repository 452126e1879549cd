-- 0002: deleting a customer deletes its tags, notes and history.
--
-- The original has no ON DELETE action, so its DELETE of a customer with
-- tags answered a plain-text 500; our erasure (DELETE /customers/{id}, GDPR)
-- is one statement. Each foreign key is dropped and re-added under the same
-- (PostgreSQL default) name in one ALTER TABLE. No IF EXISTS: a key under any
-- other name would otherwise survive without CASCADE, silently.
--
-- Compatible with the original: its GDPR delete removes the children first
-- and then the customer, which still works.

ALTER TABLE customer_tags
	DROP CONSTRAINT customer_tags_customer_id_fkey,
	ADD CONSTRAINT customer_tags_customer_id_fkey
	    FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;

ALTER TABLE customer_notes
	DROP CONSTRAINT customer_notes_customer_id_fkey,
	ADD CONSTRAINT customer_notes_customer_id_fkey
	    FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;

ALTER TABLE customer_history
	DROP CONSTRAINT customer_history_customer_id_fkey,
	ADD CONSTRAINT customer_history_customer_id_fkey
	    FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;

-- A cascading delete finds the children by customer_id: index them (the
-- original had no index there). Notes are listed newest first, hence
-- created_at too. 0003's unique index on (customer_id, label) covers tags.
CREATE INDEX ix_customer_notes_customer_id ON customer_notes (customer_id, created_at);
CREATE INDEX ix_customer_history_customer_id ON customer_history (customer_id);
