-- 0006: order and appointment history, from the orders and scheduling
-- teams' events (docs/events.md, consumed events).
--
-- Rows are keyed by their upstream id and upserted (newest updated_at
-- wins). They are found by (business_id, user_id), so history that arrives
-- before the customer's profile is kept and shows once the profile exists:
-- hence no foreign key to customers. customer_id is filled when the event
-- names it or the profile is known.

CREATE TABLE customer_orders (
	order_id	text PRIMARY KEY,
	business_id	uuid NOT NULL,
	user_id		uuid,
	customer_id	uuid,
	total		numeric(12, 2),
	currency	text,
	status		text NOT NULL,
	created_at	timestamptz,
	updated_at	timestamptz NOT NULL,
	event_id	uuid				-- the event that last set it
);
CREATE INDEX ix_customer_orders_business_user
	ON customer_orders (business_id, user_id);
CREATE INDEX ix_customer_orders_customer_id ON customer_orders (customer_id);

CREATE TABLE customer_appointments (
	appointment_id	text PRIMARY KEY,
	business_id	uuid NOT NULL,
	user_id		uuid,
	customer_id	uuid,
	starts_at	timestamptz,
	status		text NOT NULL,
	updated_at	timestamptz NOT NULL,
	event_id	uuid				-- the event that last set it
);
CREATE INDEX ix_customer_appointments_business_user
	ON customer_appointments (business_id, user_id);
CREATE INDEX ix_customer_appointments_customer_id
	ON customer_appointments (customer_id);

-- Consumed event ids, for idempotency; pruned after 30 days by
-- processed_at.
CREATE TABLE processed_events (
	event_id	uuid PRIMARY KEY,
	processed_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_processed_events_processed_at
	ON processed_events (processed_at);
