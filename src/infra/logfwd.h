/*
 * Log forwarding (design.md section 7): with LOG_SERVICE_URL set, every
 * structured log line of a worker is also POSTed to the log service in
 * JSON-array batches, from a bounded queue. See logfwd.c.
 */
#ifndef BEE_LOGFWD_H
#define BEE_LOGFWD_H

#include <stddef.h>
#include <stdint.h>

/*
 * In the parent, before the workers fork: libcurl's global set-up and the
 * log service's host resolved (the workers' sandbox has no resolver).
 * Returns 0, or -1 with a message in err. Nothing when forwarding is off.
 */
int logfwd_init(char *err, size_t errlen);
/* In each worker (kore_worker_configure): starts its forwarding thread. */
void logfwd_start(void);
/* Lines this worker did not deliver: queue overflow plus failed batches. */
uint64_t logfwd_dropped(void);

#endif
