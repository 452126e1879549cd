/*
 * Cached dependency state for /ready: each worker probes PostgreSQL,
 * RabbitMQ and Redis with a non-blocking TCP connect once a second, so
 * /ready answers from memory and never waits on a dependency.
 */
#ifndef BEE_DEPS_H
#define BEE_DEPS_H

#include <sys/socket.h>

enum dep { DEP_POSTGRES, DEP_RABBITMQ, DEP_REDIS, DEP_COUNT };

/*
 * In the parent: resolve the settings' hosts (never on a worker's loop)
 * and start following them (resolve.h).
 */
int deps_resolve(char *err, size_t errlen);
/*
 * A dependency's current IP ("" when disabled or unresolved), in a buffer
 * of the calling thread's, valid until its next call for d.
 */
const char *deps_address(enum dep d);
/* In each worker: start probing. */
void deps_start(void);
int deps_up(enum dep d);
int deps_enabled(enum dep d);

#endif
