/*
 * Erasure scrubs the person from earlier events (docs/events.md): the
 * personal fields of the customer's events in the outbox (sent or not)
 * become null, their event ids and keys stay, and their Redis mirror
 * items (failed_events) are removed after the commit.
 *
 * An instance of its own on a database of its own with an unreachable
 * broker, whose publisher parks the events in the shared Redis (the shared
 * service's publisher holds the shared database's lock; the shared broker
 * keeps running for other tests). Alone in its binary: run next to
 * another instance test, Criterion's runner reports a leak of its own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "redis_env.h"
#include "scratch.h"
#include "token.h"
#include "uuid4.h"

static int items_holding(redisContext *, const char *const *, size_t);

/* failed_events items whose text contains one of the n strings. */
static int
items_holding(redisContext *rc, const char *const *s, size_t n)
{
	redisReply *rep;
	size_t i, k;
	int found;

	rep = redisCommand(rc, "LRANGE failed_events 0 -1");
	cr_assert(rep != NULL && rep->type == REDIS_REPLY_ARRAY);
	found = 0;
	for (i = 0; i < rep->elements; i++) {
		for (k = 0; k < n; k++) {
			if (strstr(rep->element[i]->str, s[k]) != NULL) {
				found++;
				break;
			}
		}
	}
	freeReplyObject(rep);
	return (found);
}

/*
 * Events of a customer parked in failed_events while the broker is away
 * (one of them sent since, its item left behind as after a failed LREM),
 * then the customer is erased: the outbox keeps the events, with null for
 * each personal field, and failed_events holds none of them any more.
 */
Test(erasure_events, earlier_events_scrubbed_and_their_mirror_items_removed,
    .timeout = 90)
{
	static const char sql_rows[] =
	    "SELECT count(*) FROM outbox WHERE customer_id = $1";
	static const char sql_holding[] =
	    "SELECT count(*) FROM outbox WHERE customer_id = $1"
	    " AND strpos(payload::text, $2) > 0";
	static const char sql_parked[] =
	    "SELECT count(*) FROM outbox WHERE customer_id = $1"
	    " AND parked_at IS NOT NULL";
	char url[512], name[64], path[128], uniq[16];
	char bid[UUID_STR_LEN], uid[UUID_STR_LEN], id[UUID_STR_LEN];
	char full_name[64], email[80], label[64], *tok, *body;
	const char *secrets[3] = { full_name, email, label };
	struct instance in;
	struct http_resp *r;
	redisContext *rc;
	PGconn *c;
	json_t *j;
	long ids_before;
	int tries;

	c = scratch_db("bee_erase_", url, sizeof(url), name, sizeof(name));
	rc = redis_from_env(-1);
	instance_start_without_broker(&in, url);
	uuid4(bid);
	uuid4(uid);
	(void)snprintf(uniq, sizeof(uniq), "%.8s", uid);
	(void)snprintf(full_name, sizeof(full_name), "Erasmus Zed%s", uniq);
	(void)snprintf(email, sizeof(email), "erasmus.%s@example.com", uniq);
	(void)snprintf(label, sizeof(label), "secret-%s", uniq);

	body = cust_body(uid, bid, full_name);
	j = json_loads(body, 0, NULL);
	free(body);
	json_object_set_new(j, "email", json_string(email));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	tok = tok_internal();
	r = http_req_tok("POST", "/customers", tok, body);
	expect_status(r, 201);
	j = resp_json(r);
	(void)snprintf(id, sizeof(id), "%s", json_str(j, "id"));
	json_decref(j);
	http_resp_free(r);
	free(body);
	free(tok);

	tok = tok_admin(bid);
	(void)snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("PATCH", path, tok, "{\"phone\":\"+40712345678\"}");
	expect_status(r, 200);
	http_resp_free(r);
	(void)snprintf(path, sizeof(path), "/customers/%s/tags", id);
	cr_assert(asprintf(&body, "{\"label\":\"%s\"}", label) > 0);
	r = http_req_tok("POST", path, tok, body);
	expect_status(r, 201);
	http_resp_free(r);
	free(body);

	/* created, updated, tagged: parked and mirrored by the publisher */
	for (tries = 0; db_count_on(c, sql_parked, id, DB_END) < 3; tries++) {
		cr_assert(tries < 300, "the events were not parked");
		usleep(100 * 1000);
	}
	cr_assert_eq(db_count_on(c, sql_rows, id, DB_END), 3);
	cr_assert_geq(items_holding(rc, secrets, 3), 2,
	    "failed_events has no item with the name, email or label");
	/* one of them sent meanwhile, its item left behind */
	{
		const char *params[1] = { id };

		PQclear(PQexecParams(c,
		    "UPDATE outbox SET sent_at = now() WHERE customer_id = $1"
		    " AND routing_key = 'v1.customer.created'",
		    1, NULL, params, NULL, NULL, 0));
	}
	ids_before = db_count_on(c,
	    "SELECT count(*) FROM outbox WHERE customer_id = $1 AND "
	    "event_id IS NOT NULL",
	    id, DB_END);

	(void)snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("DELETE", path, tok, NULL);
	expect_status(r, 204);
	http_resp_free(r);

	/* the events stay (and the deleted one is added), scrubbed */
	cr_assert_eq(db_count_on(c, sql_rows, id, DB_END), ids_before + 1);
	cr_assert_eq(db_count_on(c, sql_holding, id, full_name, DB_END), 0,
	    "the name stays in the outbox");
	cr_assert_eq(db_count_on(c, sql_holding, id, email, DB_END), 0,
	    "the email stays in the outbox");
	cr_assert_eq(db_count_on(c, sql_holding, id, label, DB_END), 0,
	    "the label stays in the outbox");
	cr_assert_eq(db_count_on(c, sql_holding, id, "+40712345678", DB_END), 0,
	    "the phone stays in the outbox");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND routing_key = 'v1.customer.created'"
			 " AND payload->'full_name' = 'null'::jsonb"
			 " AND payload->'email' = 'null'::jsonb"
			 " AND payload ? 'id' AND payload ? 'user_id'",
			 id, DB_END),
	    1, "the created event lost its shape");
	cr_assert_eq(db_count_on(c,
			 "SELECT count(*) FROM outbox WHERE customer_id = $1"
			 " AND routing_key = 'v1.customer.tagged'"
			 " AND payload->'label' = 'null'::jsonb"
			 " AND payload ? 'tag_id'",
			 id, DB_END),
	    1, "the tagged event lost its shape");

	/* the mirror items go just after the commit */
	for (tries = 0; items_holding(rc, secrets, 3) > 0; tries++) {
		cr_assert(tries < 50,
		    "failed_events still holds the erased person's data");
		usleep(100 * 1000);
	}

	free(tok);
	instance_stop(&in);
	instance_expect_clean(&in);
	redisFree(rc);
	scratch_drop(c, name);
}
