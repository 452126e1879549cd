/*
 * Where the dependencies (enum dep; deps.h probes them) are now. Their
 * host names are resolved in the parent only: a lookup would block a
 * worker's loop, and the resolver's syscalls (sendmmsg, recvmsg, ...) are
 * outside the workers' seccomp list. Once at start-up, then again, by a
 * thread of the parent, whenever a worker or a task thread reports a
 * failed connection (resolve_again), at most once a RESOLVE_MIN_MS per
 * name; the answers sit in shared memory that every process and thread
 * reads without a lock. So a failover to a new address, or a recreated
 * container, is followed without a restart, and a name that does not
 * resolve gives each connect a clean failure instead of a resolver in the
 * sandbox.
 */
#ifndef BEE_RESOLVE_H
#define BEE_RESOLVE_H

#include <sys/socket.h>

#include <netinet/in.h>

#include "infra/settings.h"

#define RESOLVE_MIN_MS 1000

/*
 * The dependencies, probed by deps.c, followed here. DEP_RABBITMQ is
 * RABBITMQ_URL's first node; the others of a list follow DEP_REDIS
 * (DEP_RABBITMQ_NODE(i) names the i-th), unused slots disabled.
 */
enum dep {
	DEP_POSTGRES,
	DEP_RABBITMQ,
	DEP_REDIS,
	DEP_RABBITMQ_MORE,
	DEP_COUNT = DEP_RABBITMQ_MORE + RABBITMQ_NODES_MAX - 1
};

#define DEP_RABBITMQ_NODE(i) \
	((i) == 0 ? DEP_RABBITMQ : (enum dep)(DEP_RABBITMQ_MORE + (i)-1))

struct resolved {
	int ok; /* 0: disabled, or the name does not resolve */
	char ip[INET6_ADDRSTRLEN];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	unsigned int generation; /* changes when ok or the address does */
	char error[96]; /* why not, when !ok */
};

/*
 * In the parent, before the workers fork: the shared table, a first
 * lookup of each endpoint (NULL: that dependency is disabled), and the
 * thread. A name that does not resolve yet is not fatal. -1 with err
 * when the table or the thread cannot be had.
 */
int resolve_init(const struct endpoint *const eps[DEP_COUNT], char *err,
    size_t errlen);
/* A consistent copy of d's current answer; any process, any thread. */
void resolve_get(enum dep d, struct resolved *out);
/* A connection to d failed: look its name up again (async-signal-safe). */
void resolve_again(enum dep d);
/*
 * Whether a failed lookup (getaddrinfo's code) leaves the last good
 * address in place: 1 for a failure of the resolver, 0 for an answer
 * that the name has no address.
 */
int resolve_failure_keeps(int gai_rc);
/* d's host name as configured (for messages). */
const char *resolve_host(enum dep d);

#endif
