/*
 * RABBITMQ_URL's nodes tried in turn (amqp_nodes.h). A node that fails is
 * looked up again, as any dependency whose connection fails: it may have
 * moved.
 */
#include <stdio.h>

#include "events/amqp_nodes.h"
#include "infra/resolve.h"
#include "infra/settings.h"

int
amqp_nodes_open(size_t *next, amqp_node_open open, void *arg, char *err,
    size_t errlen)
{
	struct resolved r;
	size_t k, i, n;
	enum dep d;

	n = settings.rabbitmq_nodes;
	for (k = 0; k < n; k++) {
		i = (*next + k) % n;
		d = DEP_RABBITMQ_NODE(i);
		resolve_get(d, &r);
		/* never the resolver in the sandbox: it would kill the worker */
		if (!r.ok)
			(void)snprintf(err, errlen,
			    "RabbitMQ host %s does not resolve",
			    settings.rabbitmq[i].host);
		else if (open(arg, settings.rabbitmq_node_url[i], r.ip, err,
			     errlen) == 0) {
			*next = (i + 1) % n;
			return (0);
		}
		resolve_again(d);
	}
	return (-1);
}
