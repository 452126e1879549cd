/*
 * The published body and the Redis mirror item of outbox row `o`, as SQL
 * text: the publisher builds both from the row, and erasure (src/
 * customer_delete.c) rebuilds the items of the erased customer's rows
 * from their payloads before scrubbing them, to remove those items byte
 * for byte (LREM). One definition, so that the two always match.
 * occurred_at is created_at in UTC, ISO 8601 with microseconds and +00:00.
 * SQL_ITEM reads the body as b.body: LATERAL (SELECT SQL_BODY AS body) b.
 */
#ifndef BEE_OUTBOX_ITEM_H
#define BEE_OUTBOX_ITEM_H

#define SQL_BODY \
	"(o.payload || jsonb_build_object('event_id', o.event_id," \
	" 'occurred_at', to_char(o.created_at AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')," \
	" 'business_id', o.business_id))"
#define SQL_ITEM \
	"jsonb_build_object('event', o.routing_key, 'payload', b.body," \
	" 'trace_id', o.trace_id, 'message_id', o.event_id)::text"

#endif
