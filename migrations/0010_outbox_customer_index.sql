-- Erasure (src/api/customer_delete.c) scrubs the personal fields of the erased
-- customer's earlier events and rebuilds their Redis mirror items: by
-- customer_id, which without an index read the whole outbox (every event
-- of OUTBOX_RETENTION_DAYS) in each erasure.
CREATE INDEX ix_outbox_customer ON outbox (customer_id);
