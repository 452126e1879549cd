/*
 * RABBITMQ_URL's nodes for the service's AMQP clients (the publisher task
 * and the history consumer): a connect goes round the list from the node
 * after the one the client last reached, so a client whose node failed
 * moves on to the next, and a fresh client starts at the first. Each node
 * is dialled at the address the parent resolved for it (resolve.h), never
 * by name: the workers cannot run the resolver.
 */
#ifndef BEE_AMQP_NODES_H
#define BEE_AMQP_NODES_H

#include <stddef.h>

/* Opens a client on one node: 0, or -1 with the reason in err. */
typedef int (*amqp_node_open)(void *arg, const char *url, const char *address,
    char *err, size_t errlen);

/*
 * Tries each node once, from *next on (0 at first), until `open` succeeds
 * on one; *next becomes the node after it. 0, or -1 with the last node's
 * reason in err.
 */
int amqp_nodes_open(size_t *next, amqp_node_open open, void *arg, char *err,
    size_t errlen);

#endif
