-- bench/seed.sql: the benchmark's data set (scripts/bench), on the bench's
-- own private database only: it empties every customer table first.
--
-- :rows customers over :businesses businesses (psql variables; scripts/bench
-- passes BENCH_ROWS and one business per 1 000 customers, so a business
-- keeps its size as the data grows), deterministic so that every run
-- measures the same rows:
--   customer n (1..rows): id = md5('bench:' || n)::uuid (random-looking,
--     computable from n, which is how the pgbench scripts pick one),
--     business b = 1 + (n - 1) % businesses: business_id =
--     md5('bench-business:' || b)::uuid, user_id = md5('bench-user:' ||
--     n)::uuid;
--   full_name "First Last" from 60 first names and weighted last names:
--     five common ones (Smith, Jones, Garcia, Nguyen, Popescu) each on 7 %
--     of the customers, as a town's commonest surnames are, five rare ones
--     (Zabriskie, Quennell, Vasilache, Okafor, Lindqvist) each on 0.1 %,
--     and 45 others sharing the rest (about 1.4 % each); email
--     first.last.n@<one of 8 domains>, phone +447 and 9 digits (some
--     national 07...), gender, order and appointment statistics and dates,
--     a lifetime value with cents, preferences a small JSON object;
-- so that the trigram search (ILIKE '%term%' over name, email, phone) works
-- on realistic text. bench_names keeps each seeded name: a run puts back
-- the names that PATCH runs changed (scripts/bench).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

BEGIN;
TRUNCATE customer_tags, customer_notes, customer_history, outbox, customers;
DROP TABLE IF EXISTS bench_names, bench_seed;

INSERT INTO customers (id, user_id, business_id, full_name, email, phone,
	gender, avatar_url, total_orders, total_appointments, last_order_date,
	last_appointment_date, lifetime_value, created_at, updated_at,
	preferences)
SELECT	md5('bench:' || n)::uuid,
	md5('bench-user:' || n)::uuid,
	md5('bench-business:' || (1 + (n - 1) % :businesses))::uuid,
	first || ' ' || last,
	lower(first) || '.' || lower(last) || '.' || n || '@' ||
	    (ARRAY['gmail.com', 'yahoo.co.uk', 'outlook.com', 'hotmail.com',
	    'icloud.com', 'proton.me', 'bt.com', 'example.org'])
	    [1 + (h >> 20) % 8],
	CASE WHEN h % 10 = 0 THEN NULL
	     WHEN h % 10 = 1 THEN '07' || lpad((h % 100000000)::text, 8, '0')
	     ELSE '+447' || lpad((h % 1000000000)::text, 9, '0') END,
	(ARRAY['male', 'female', 'other', NULL])[1 + (h / 7) % 4]::gender_enum,
	CASE WHEN h % 5 = 0 THEN 'https://cdn.example.org/a/' || n || '.jpg' END,
	h % 40,
	(h / 40) % 25,
	CASE WHEN h % 40 > 0 THEN date '2024-01-01' + (h % 600)::int END,
	CASE WHEN (h / 40) % 25 > 0 THEN date '2024-01-01' + (h % 500)::int END,
	((h % 4000000) / 100.0)::numeric(10, 2),
	timestamp '2023-01-01' + make_interval(secs => h % 60000000),
	timestamp '2024-06-01' + make_interval(secs => h % 20000000),
	jsonb_build_object('newsletter', h % 2 = 0, 'language',
	    (ARRAY['en', 'fr', 'ro', 'de'])[1 + h % 4])
FROM	(SELECT	n, h,
		(ARRAY['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer',
		'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
		'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah',
		'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa',
		'Anthony', 'Betty', 'Mark', 'Margaret', 'Donald', 'Sandra',
		'Steven', 'Ashley', 'Paul', 'Kimberly', 'Andrew', 'Emily',
		'Joshua', 'Donna', 'Kenneth', 'Michelle', 'Kevin', 'Carol',
		'Brian', 'Amanda', 'George', 'Melissa', 'Andrei', 'Ioana',
		'Mihai', 'Elena', 'Alexandru', 'Maria', 'Stefan', 'Ana',
		'Luca', 'Sofia', 'Mateo', 'Chloe', 'Noah', 'Zoe'])
		    [1 + (h >> 30) % 60] AS first,
		CASE WHEN r < 350 THEN (ARRAY['Smith', 'Jones', 'Garcia',
		    'Nguyen', 'Popescu'])[1 + r / 70]
		WHEN r < 355 THEN (ARRAY['Zabriskie', 'Quennell', 'Vasilache',
		    'Okafor', 'Lindqvist'])[r - 349]
		ELSE (ARRAY['Johnson', 'Williams', 'Brown', 'Miller', 'Davis',
		'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez',
		'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson',
		'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris',
		'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker',
		'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Hill',
		'Flores', 'Ionescu', 'Dumitru', 'Stan', 'Stoica', 'Gheorghe',
		'Rusu', 'Munteanu', 'Matei', 'Constantin'])[1 + (r - 355) % 45]
		END AS last
	FROM	(SELECT	n, h, (h >> 40) % 1000 AS r
		FROM	(SELECT	n, ('x' || substr(md5('bench-h:' || n), 1,
			    15))::bit(60)::bigint AS h
			FROM	generate_series(1, :rows) AS n) AS g0) AS g) AS s;

CREATE TABLE bench_names (id uuid PRIMARY KEY, full_name text NOT NULL);
INSERT INTO bench_names SELECT id, full_name FROM customers;

-- What scripts/bench checks to reuse the data set instead of seeding again.
CREATE TABLE bench_seed (version int NOT NULL, rows bigint NOT NULL);
INSERT INTO bench_seed VALUES (:version, :rows);
COMMIT;

VACUUM (ANALYZE) customers;
VACUUM (ANALYZE) bench_names;
