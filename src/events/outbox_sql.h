/*
 * The published body and the Redis failed_events item of outbox row o,
 * as SQL (design.md section 6). occurred_at is created_at in UTC, ISO 8601
 * with microseconds and +00:00; the item is jsonb's canonical text, so the
 * same row always gives the same bytes, when parking and when removing.
 * One definition, so that every side builds the same bytes: the
 * publisher, erasure (src/api/customer_delete.c rebuilds the erased customer's
 * items from their payloads before scrubbing them, to remove those items
 * with LREM), and the e2e tests that seed or read parked rows' items
 * (tests/e2e/test_publisher.c, test_resend.c), which include this file by
 * its path. SQL_ITEM reads the body as b.body:
 * LATERAL (SELECT SQL_BODY AS body) b.
 */
#ifndef BEE_OUTBOX_SQL_H
#define BEE_OUTBOX_SQL_H

#define SQL_BODY \
	"(o.payload || jsonb_build_object('event_id', o.event_id," \
	" 'occurred_at', to_char(o.created_at AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')," \
	" 'business_id', o.business_id))"
#define SQL_ITEM \
	"jsonb_build_object('event', o.routing_key, 'payload', b.body," \
	" 'trace_id', o.trace_id, 'message_id', o.event_id)::text"

#endif
