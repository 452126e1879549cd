-- 0013: the Idempotency-Key of a write and the response it got.
--
-- A write sent with an Idempotency-Key first claims (owner, key) here in a
-- statement of its own (state 'running'); its write statement then stores
-- its own result rows into `response` in the same transaction as the
-- write, and sets state 'done'. A retry with the same key and fingerprint
-- is answered from `response` (src/http/idem.c): a committed write always
-- has its stored response, and a rolled-back one never does.
--
-- owner: the token's `sub`; fingerprint: SHA-256 (hex) of the method, the
-- path, the query string, the token's role and businesses, If-Match,
-- If-None-Match and the body; token: the claim's own random id, so that
-- only the request that holds the claim completes or releases it.
-- customer_id: the customer the stored answer is about (the path's, or the
-- created one's), NULL when none; the erasure of that customer deletes the
-- row (its index), so that no personal data outlives it here. No foreign
-- key: a claim names the path's id before the write has checked it.
-- response: one element per result row, each the row's record text (the
-- columns as PostgreSQL's text output, the form libpq hands the handler).
-- Rows older than IDEMPOTENCY_TTL_HOURS count as absent and are deleted by
-- the key pruner thread (src/events/key_pruner.c, created_at's index).

CREATE TABLE IF NOT EXISTS idempotency_keys (
	owner text NOT NULL,
	key text NOT NULL,
	fingerprint text NOT NULL,
	token uuid NOT NULL,
	state text NOT NULL DEFAULT 'running'
	    CHECK (state IN ('running', 'done')),
	response text[],
	customer_id uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (owner, key)
);

CREATE INDEX IF NOT EXISTS ix_idempotency_keys_created_at
	ON idempotency_keys (created_at);

CREATE INDEX IF NOT EXISTS ix_idempotency_keys_customer_id
	ON idempotency_keys (customer_id) WHERE customer_id IS NOT NULL;
