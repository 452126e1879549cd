-- 0001: the original service's schema, exactly as its alembic migration
-- 8c70b4aaf501 ("initial") creates it on PostgreSQL (SQLAlchemy's DDL, the
-- same types, nullability, server defaults and constraint/index names; the
-- foreign keys and primary keys carry PostgreSQL's default names because the
-- original named none of them).
--
-- On a database the original already created (alembic_version at
-- 8c70b4aaf501) scripts/migrate does NOT run this file: it records 0001 as
-- adopted. Any other alembic revision is refused.
--
-- The alembic_version table is part of what alembic leaves behind, so it is
-- created here too, stamped at 8c70b4aaf501: the original's entrypoint runs
-- `alembic upgrade head` before starting, and on a database created by this
-- file that is then a no-op instead of a failing CREATE TYPE. That keeps the
-- Python service runnable against our database during the cut-over (and a
-- roll-back to it possible).
--
-- Statements are deliberately not IF NOT EXISTS: scripts/migrate applies a
-- file once, in a transaction, and an object that already exists here means a
-- database we do not understand; failing loudly is better than accepting it.

CREATE TYPE gender_enum AS ENUM ('male', 'female', 'other');

CREATE TABLE customers (
	id			uuid NOT NULL,
	user_id			uuid NOT NULL,
	business_id		uuid NOT NULL,
	full_name		varchar(100) NOT NULL,
	email			varchar(100) NOT NULL,
	phone			varchar(20),
	gender			gender_enum,
	avatar_url		varchar(255),
	total_orders		integer DEFAULT '0',
	total_appointments	integer DEFAULT '0',
	last_order_date		date,
	last_appointment_date	date,
	lifetime_value		numeric(10, 2) DEFAULT '0.00',
	created_at		timestamp without time zone,	-- naive UTC
	updated_at		timestamp without time zone,	-- naive UTC
	PRIMARY KEY (id),
	CONSTRAINT uq_user_per_business UNIQUE (user_id, business_id)
);

CREATE INDEX ix_customer_business_id ON customers (business_id);
CREATE INDEX ix_customer_user_id ON customers (user_id);
CREATE INDEX ix_customer_full_name ON customers (full_name);
CREATE INDEX ix_customer_phone ON customers (phone);

-- No ON DELETE action in the original (0002 adds CASCADE).
CREATE TABLE customer_tags (
	id		uuid NOT NULL,
	customer_id	uuid NOT NULL,
	label		varchar(50) NOT NULL,
	color		varchar(20),
	priority	integer DEFAULT '0',
	created_by	uuid,
	PRIMARY KEY (id),
	FOREIGN KEY (customer_id) REFERENCES customers (id)
);

CREATE TABLE customer_notes (
	id		uuid NOT NULL,
	customer_id	uuid NOT NULL,
	content		varchar(500) NOT NULL,
	created_by	uuid NOT NULL,
	created_at	timestamp without time zone,		-- naive UTC
	PRIMARY KEY (id),
	FOREIGN KEY (customer_id) REFERENCES customers (id)
);

-- Never written by the original; kept for its GDPR export shape.
CREATE TABLE customer_history (
	id			uuid NOT NULL,
	customer_id		uuid NOT NULL,
	first_order_date	date,
	first_appointment_date	date,
	returned_orders		integer DEFAULT '0',
	cancelled_appointments	integer DEFAULT '0',
	PRIMARY KEY (id),
	FOREIGN KEY (customer_id) REFERENCES customers (id)
);

-- What alembic itself creates (alembic.runtime.migration), then stamps.
CREATE TABLE alembic_version (
	version_num	varchar(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('8c70b4aaf501');
