-- 0016: an erasure deletes every stored answer about its customer, those of
-- writes that committed while it waited for the customer's row included.
--
-- The erasure (src/api/customer_delete.c) is one statement, and a
-- statement reads every table with the snapshot it started with. A keyed
-- write (a PATCH, a note) that claimed its Idempotency-Key after that
-- snapshot, and locked the customer's row first, commits its stored answer
-- (the person's new name, the note's text) while the erasure waits for the
-- row; a DELETE in the erasure's own statement cannot see that row, and it
-- would keep the erased person's data for IDEMPOTENCY_TTL_HOURS.
--
-- A VOLATILE function takes a fresh snapshot for each statement it runs
-- (READ COMMITTED, the service's level): the erasure calls this one for
-- its customer once it holds the row, so it sees every write that got the
-- row before it. keep: the token of the erasure's own claim, whose answer
-- holds no personal data and stays for its retries.

CREATE OR REPLACE FUNCTION idempotency_forget_customer(customer uuid,
    keep uuid) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
	WITH gone AS (
		DELETE FROM idempotency_keys
		WHERE customer_id = customer AND token IS DISTINCT FROM keep
		RETURNING 1)
	SELECT count(*) FROM gone
$$;
