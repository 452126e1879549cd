-- 0004: our columns and the database defaults the original lacked.
--
-- Additive only: the original's INSERTs (explicit ids and naive UTC
-- timestamps, no preferences or avatar_file) keep working, and its SELECTs
-- name their columns, so new columns are invisible to it.

-- Per-customer preferences, a JSON object (the API limits it to 4096 bytes
-- compact). A constant default: PostgreSQL 11+ adds it without a rewrite.
ALTER TABLE customers
	ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}',
	ADD COLUMN avatar_file text;	-- server-owned upload file name, NULL
					-- when avatar_url is external or unset

ALTER TABLE customers
	ADD CONSTRAINT customers_preferences_object
	    CHECK (jsonb_typeof(preferences) = 'object');

-- Ids: the original generates uuid4 in Python; ours lets the database do it.
ALTER TABLE customers ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE customer_tags ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE customer_notes ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE customer_history ALTER COLUMN id SET DEFAULT gen_random_uuid();

-- Timestamps stay `timestamp without time zone` holding UTC (the original
-- writes datetime.utcnow()), so the defaults are UTC wall-clock time.
ALTER TABLE customers
	ALTER COLUMN created_at SET DEFAULT (now() AT TIME ZONE 'utc'),
	ALTER COLUMN updated_at SET DEFAULT (now() AT TIME ZONE 'utc');
ALTER TABLE customer_notes
	ALTER COLUMN created_at SET DEFAULT (now() AT TIME ZONE 'utc');

-- Statistics: NULL has always meant "nothing counted" (the original shows a
-- NULL lifetime_value as 0.0, and nothing ever wrote these columns), so
-- NULLs become the columns' own defaults and the columns NOT NULL. Safe for
-- the original: its model inserts 0 (SQLAlchemy default=0) and no request
-- can write these columns. last_order_date / last_appointment_date stay
-- nullable: NULL means "never".
UPDATE	customers
SET	total_orders = coalesce(total_orders, 0),
	total_appointments = coalesce(total_appointments, 0),
	lifetime_value = coalesce(lifetime_value, 0.00)
WHERE	total_orders IS NULL
OR	total_appointments IS NULL
OR	lifetime_value IS NULL;

ALTER TABLE customers
	ALTER COLUMN total_orders SET NOT NULL,
	ALTER COLUMN total_appointments SET NOT NULL,
	ALTER COLUMN lifetime_value SET NOT NULL;
