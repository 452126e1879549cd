/*
 * The history consumer's queues (docs/events.md, consumed events; docs/
 * operations.md, "A RabbitMQ cluster"): quorum queues by default, with
 * HISTORY_DELIVERY_LIMIT as x-delivery-limit on bee.customers.history.
 * The broker says which arguments a queue has by refusing (406) a
 * declaration of other ones and accepting the same ones.
 *
 * A queue declared classic before is refused by the broker when the
 * service declares it quorum: the service logs why, at every attempt, and
 * consumes it with HISTORY_QUEUE_TYPE=classic. That runs on a stack of its
 * own (lib/stack.c): the shared broker's queues stay as the service made
 * them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <string.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <criterion/criterion.h>

#include "broker.h"
#include "instance.h"
#include "stack.h"

#define QUEUE "bee.customers.history"
#define DLQ "bee.customers.history.dlq"
#define DLX "bee.customers.history.dlx"

static int declare(const char *, const char *, int, int);

/*
 * Declares queue (durable) with x-queue-type `type` (NULL: none), the DLX
 * when dlx, and x-delivery-limit when limit > 0: 0 when the broker
 * accepts, else the reply code of the channel it closed.
 */
static int
declare(const char *queue, const char *type, int dlx, int limit)
{
	amqp_connection_state_t c;
	amqp_table_entry_t arg[3];
	amqp_table_t args;
	amqp_rpc_reply_t r;
	int n, code;

	n = 0;
	if (dlx) {
		arg[n].key = amqp_cstring_bytes("x-dead-letter-exchange");
		arg[n].value.kind = AMQP_FIELD_KIND_UTF8;
		arg[n++].value.value.bytes = amqp_cstring_bytes(DLX);
	}
	if (type != NULL) {
		arg[n].key = amqp_cstring_bytes("x-queue-type");
		arg[n].value.kind = AMQP_FIELD_KIND_UTF8;
		arg[n++].value.value.bytes = amqp_cstring_bytes(type);
	}
	if (limit > 0) {
		arg[n].key = amqp_cstring_bytes("x-delivery-limit");
		arg[n].value.kind = AMQP_FIELD_KIND_I32;
		arg[n++].value.value.i32 = limit;
	}
	args.num_entries = n;
	args.entries = arg;
	c = broker_open();
	(void)amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0,
	    args);
	r = amqp_get_rpc_reply(c);
	if (r.reply_type == AMQP_RESPONSE_NORMAL) {
		broker_close(c);
		return (0);
	}
	cr_assert_eq(r.reply_type, AMQP_RESPONSE_SERVER_EXCEPTION);
	cr_assert_eq(r.reply.id, AMQP_CHANNEL_CLOSE_METHOD);
	code = ((amqp_channel_close_t *)r.reply.decoded)->reply_code;
	(void)amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	(void)amqp_destroy_connection(c);
	return (code);
}

Test(history_queue, quorum_with_a_delivery_limit)
{
	/* the shared service consumes them: they are declared */
	cr_assert(broker_wait_consumers(QUEUE, 1, 10000), "nobody consumes %s",
	    QUEUE);
	cr_assert_eq(declare(QUEUE, "quorum", 1, 50), 0,
	    "%s is not a quorum queue with a delivery limit of 50", QUEUE);
	cr_assert_eq(declare(QUEUE, "classic", 1, 0), AMQP_PRECONDITION_FAILED);
	cr_assert_eq(declare(QUEUE, "quorum", 1, 49), AMQP_PRECONDITION_FAILED,
	    "the delivery limit is not 50");
	cr_assert_eq(declare(DLQ, "quorum", 0, 0), 0,
	    "%s is not a quorum queue without a limit", DLQ);
	cr_assert_eq(declare(DLQ, "classic", 0, 0), AMQP_PRECONDITION_FAILED);
}

Test(history_queue, classic_queue_refused_then_kept_by_the_setting,
    .timeout = 120)
{
	static const char *const quorum[] = { "WORKERS", "1", NULL };
	static const char *const classic[] = { "WORKERS", "1",
		"HISTORY_QUEUE_TYPE", "classic", NULL };
	struct instance in;
	struct stack s;

	stack_start(&s, "postgres rabbitmq");
	/* as a release before quorum queues left them */
	cr_assert_eq(declare(DLQ, NULL, 0, 0), 0);
	cr_assert_eq(declare(QUEUE, NULL, 1, 0), 0);

	instance_start(&in, quorum);
	cr_assert(instance_wait_file_matches(&in, "kore.err",
		      "the broker refuses its queue.*" DLQ
		      " exists with other arguments: set HISTORY_QUEUE_TYPE",
		      15000),
	    "the refusal is not logged");
	cr_assert(broker_wait_consumers(QUEUE, 0, 100),
	    "consuming a queue it refused");
	instance_stop(&in);

	instance_start(&in, classic);
	cr_assert(broker_wait_consumers(QUEUE, 1, 20000),
	    "HISTORY_QUEUE_TYPE=classic does not consume the classic queue");
	cr_assert(!instance_file_matches(&in, "kore.err", "refuses its queue"));
	instance_stop(&in);
	stack_reset(&s);
}
