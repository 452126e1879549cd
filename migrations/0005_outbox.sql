-- 0005: the transactional outbox (docs/events.md).
--
-- Every write inserts its event here in the same statement; one publisher
-- sends unsent rows in id order with broker confirms and marks them sent.
-- The row stays the source of truth until a confirm, whatever happens to
-- its Redis mirror. This shape is a contract: the service's SQL depends on
-- it.

CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,		-- publish order
	event_id	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
							-- AMQP message_id
	routing_key	text NOT NULL,			-- e.g. v1.customer.created
	business_id	uuid,
	customer_id	uuid,				-- ordering key (per customer)
	payload		jsonb NOT NULL,			-- the event body without
							-- event_id, occurred_at and
							-- business_id (the publisher
							-- adds them)
	trace_id	text,
	created_at	timestamptz NOT NULL DEFAULT now(),	-- occurred_at
	sent_at		timestamptz,			-- broker confirm
	parked_at	timestamptz,			-- mirrored to Redis
							-- failed_events
	attempts	integer NOT NULL DEFAULT 0
);

-- The publisher's queue: unsent rows in id order, small whatever the
-- history.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Retention: sent rows older than OUTBOX_RETENTION_DAYS are deleted.
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
