-- 0003: one tag per (customer_id, label), enforced by a unique index.
--
-- The original only pre-checked for an existing label, which is racy, so a
-- database it ran may hold duplicates. They are reported (one NOTICE with
-- the totals, one per merged customer/label) and merged into one row per
-- (customer_id, label), comparing labels exactly as the index will (case
-- sensitive).
--
-- Which row is kept, "the oldest": customer_tags has no timestamp and its
-- ids are random (uuid4), so insertion order is approximated by the row's
-- inserting transaction, oldest first (age(xmin): the original never
-- updates a tag, so xmin is the insert), then by physical position (ctid)
-- for rows inserted by the same transaction (a batch of labels). The kept
-- row keeps its id; ids of the merged rows disappear (a client holding one
-- gets 404 Tag not found, as after a delete).
--
-- Filling: a kept row's NULL color, priority or created_by takes the value
-- of the oldest merged row that has one. Non-NULL values of the kept row
-- are never overwritten.
--
-- While this runs, inserts into customer_tags wait (SHARE ROW EXCLUSIVE;
-- reads continue), so no new duplicate can slip in between the merge and
-- the index.

LOCK TABLE customer_tags IN SHARE ROW EXCLUSIVE MODE;

CREATE TEMPORARY TABLE tag_merge AS
SELECT	id, customer_id, label, color, priority, created_by,
	row_number() OVER w AS rank,		-- 1 = the row kept
	first_value(id) OVER w AS keep_id
FROM	customer_tags
WINDOW	w AS (PARTITION BY customer_id, label
	    ORDER BY age(xmin) DESC, ctid);

DO $$
DECLARE
	grp		record;
	removed		bigint;
	groups		bigint;
BEGIN
	SELECT count(*), count(DISTINCT keep_id) INTO removed, groups
	FROM tag_merge WHERE rank > 1;
	IF removed = 0 THEN
		RETURN;
	END IF;
	RAISE NOTICE 'customer_tags: merging % duplicate tag row(s) of % '
	    'customer/label pair(s), oldest kept', removed, groups;
	FOR grp IN
		SELECT customer_id, label, keep_id, count(*) - 1 AS n
		FROM tag_merge
		GROUP BY customer_id, label, keep_id
		HAVING count(*) > 1
		ORDER BY customer_id, label
	LOOP
		RAISE NOTICE 'customer_tags: customer % label %: kept %, '
		    'merged % duplicate(s)', grp.customer_id,
		    quote_literal(grp.label), grp.keep_id, grp.n;
	END LOOP;
END
$$;

-- Fill the kept rows' NULLs from their duplicates, oldest first.
UPDATE	customer_tags t
SET	color = coalesce(t.color, d.color),
	priority = coalesce(t.priority, d.priority),
	created_by = coalesce(t.created_by, d.created_by)
FROM	(SELECT keep_id,
	    (array_agg(color ORDER BY rank)
		FILTER (WHERE color IS NOT NULL))[1] AS color,
	    (array_agg(priority ORDER BY rank)
		FILTER (WHERE priority IS NOT NULL))[1] AS priority,
	    (array_agg(created_by ORDER BY rank)
		FILTER (WHERE created_by IS NOT NULL))[1] AS created_by
	FROM tag_merge
	WHERE rank > 1
	GROUP BY keep_id) d
WHERE	t.id = d.keep_id
AND	(t.color IS NULL OR t.priority IS NULL OR t.created_by IS NULL);

DELETE FROM customer_tags t
USING	tag_merge m
WHERE	t.id = m.id
AND	m.rank > 1;

DROP TABLE tag_merge;

-- Also serves "tags of a customer" and the cascading delete of 0002.
CREATE UNIQUE INDEX uq_customer_tag_label ON customer_tags (customer_id, label);
