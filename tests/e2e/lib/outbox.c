/*
 * What the delete and patch tests assert of their event, written once: the
 * row's columns are read one by one so that a failure names the column.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "db.h"
#include "expect.h"
#include "outbox.h"

char *
outbox_event(const char *cid, const char *key, const char *bid,
    const char *trace, json_t **payload)
{
	char *text, *row_bid, *row_trace;
	json_t *p;

	cr_assert_eq(db_count("SELECT count(*) FROM outbox WHERE "
			      "customer_id = $1 AND routing_key = $2",
			 cid, key, DB_END),
	    1, "want one %s row", key);
	text = db_value("SELECT payload::text FROM outbox WHERE "
			"customer_id = $1 AND routing_key = $2",
	    cid, key, DB_END);
	row_bid = db_value("SELECT business_id::text FROM outbox WHERE "
			   "customer_id = $1 AND routing_key = $2",
	    cid, key, DB_END);
	row_trace = db_value("SELECT trace_id FROM outbox WHERE "
			     "customer_id = $1 AND routing_key = $2",
	    cid, key, DB_END);
	cr_assert_str_eq(row_bid, bid, "outbox business_id");
	p = json_loads(text, 0, NULL);
	cr_assert(p != NULL);
	cr_assert_eq(json_object_size(p), 4, "payload keys: %s", text);
	cr_assert_str_eq(json_str(p, "id"), cid);
	/* the version after the change: an update or erasure follows 1 */
	cr_assert(json_is_integer(json_object_get(p, "version")) &&
		json_integer_value(json_object_get(p, "version")) >= 2,
	    "payload version: %s", text);
	cr_assert(json_str(p, "trace_id") != NULL, "payload: %s", text);
	cr_assert_str_eq(json_str(p, "trace_id"), row_trace);
	if (trace != NULL)
		cr_assert_str_eq(json_str(p, "trace_id"), trace);
	free(row_bid);
	free(row_trace);
	*payload = p;
	return (text);
}
