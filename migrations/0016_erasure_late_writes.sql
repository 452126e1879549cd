-- 0016: an erasure reaches the writes that committed while it waited for
-- the customer's row: their stored answers and their events' personal
-- fields.
--
-- The erasure (src/api/customer_delete.c) is one statement, and a
-- statement reads every table with the snapshot it started with. A write
-- that got the customer's row first (a PATCH locks it; a new tag or note
-- holds it through its foreign key) and commits while the erasure waits
-- for the row has rows the erasure's own DELETE and UPDATE could not see:
-- the stored answer of its Idempotency-Key (the person's new name, the
-- note's text) and its event in the outbox (a tag's label). They would
-- keep the erased person's data for IDEMPOTENCY_TTL_HOURS and
-- OUTBOX_RETENTION_DAYS.
--
-- A VOLATILE function takes a fresh snapshot for each statement it runs
-- (READ COMMITTED, the service's level): the erasure calls this one once
-- it holds the row, so it sees every write that got the row before it,
-- and does the whole scrub and deletion there.
--   customer  the erased customer's id
--   keep      the token of the erasure's own claim, whose answer holds no
--             personal data and stays for its retries
--   erased    the payload keys whose values become null
-- Deletes the customer's stored answers and nulls those keys in the
-- customer's events; returns the number of events changed.

CREATE OR REPLACE FUNCTION erasure_forget(customer uuid, keep uuid,
    erased text[]) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
	WITH answers AS (
		DELETE FROM idempotency_keys
		WHERE customer_id = customer AND token IS DISTINCT FROM keep
		RETURNING 1),
	events AS (
		UPDATE outbox o SET payload = (
			SELECT jsonb_object_agg(e.key, CASE WHEN e.key = ANY(erased)
			    THEN 'null'::jsonb ELSE e.value END)
			FROM jsonb_each(o.payload) e)
		WHERE o.customer_id = customer AND o.payload ?| erased
		RETURNING 1)
	-- answers runs to completion unread, as every data-modifying WITH does
	SELECT count(*) FROM events
$$;
