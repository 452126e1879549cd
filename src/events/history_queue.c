/*
 * The history queues' declaration (history_queue.h). RabbitMQ refuses to
 * redeclare a queue with other arguments (406 PRECONDITION_FAILED, the
 * channel closed): an existing classic queue stays classic until it is
 * deleted, so that refusal is named for what it is, with the setting and
 * the migration that end it (docs/operations.md, "A RabbitMQ cluster").
 */
#include <stdio.h>

#include <amqp.h>
#include <amqp_framing.h>

#include "events/history_queue.h"
#include "infra/settings.h"

#define ARGS_MAX 3

int
history_queue_declare(amqp_connection_state_t a, int channel, const char *name,
    const char *dlx, char *err, size_t errlen)
{
	amqp_table_entry_t arg[ARGS_MAX];
	amqp_table_t args;
	amqp_rpc_reply_t r;
	amqp_channel_close_t *why;
	int n;

	n = 0;
	if (dlx != NULL) {
		arg[n].key = amqp_cstring_bytes("x-dead-letter-exchange");
		arg[n].value.kind = AMQP_FIELD_KIND_UTF8;
		arg[n++].value.value.bytes = amqp_cstring_bytes(dlx);
	}
	if (settings.history_queue_type == QUEUE_QUORUM) {
		arg[n].key = amqp_cstring_bytes("x-queue-type");
		arg[n].value.kind = AMQP_FIELD_KIND_UTF8;
		arg[n++].value.value.bytes = amqp_cstring_bytes("quorum");
		/* the dead-letter queue keeps what comes: no limit there */
		if (dlx != NULL) {
			arg[n].key = amqp_cstring_bytes("x-delivery-limit");
			arg[n].value.kind = AMQP_FIELD_KIND_I32;
			arg[n++].value.value.i32 =
			    settings.history_delivery_limit;
		}
	}
	args.num_entries = n;
	args.entries = arg;
	(void)amqp_queue_declare(a, (amqp_channel_t)channel,
	    amqp_cstring_bytes(name), 0, 1, 0, 0, args);
	r = amqp_get_rpc_reply(a);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return (0);
	if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
	    r.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
	    (why = r.reply.decoded)->reply_code == AMQP_PRECONDITION_FAILED) {
		(void)snprintf(err, errlen,
		    "%s exists with other arguments: set HISTORY_QUEUE_TYPE "
		    "to its type, or migrate it (docs/operations.md, \"A "
		    "RabbitMQ cluster\"); broker: %.*s",
		    name, (int)why->reply_text.len,
		    (const char *)why->reply_text.bytes);
		return (HISTORY_QUEUE_MISMATCH);
	}
	(void)snprintf(err, errlen, "queue.declare %s: %s", name,
	    r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ?
		amqp_error_string2(r.library_error) :
		"refused by the broker");
	return (-1);
}
