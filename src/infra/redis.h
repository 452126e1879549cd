/*
 * One asynchronous Redis connection per worker, on Kore's event loop
 * (hiredis' async API with a small Kore adapter), reconnected in the
 * background. Used by the rate limiter; REDIS_URL empty disables it.
 */
#ifndef BEE_REDIS_H
#define BEE_REDIS_H

#include <stddef.h>

struct redisReply;

/* reply is NULL when the command failed or the connection went away. */
typedef void (*redis_reply_fn)(struct redisReply *reply, void *arg);

/* In each worker, after deps_resolve() ran in the parent. */
void redis_start(void);
int redis_connected(void);
/* -1 (and no callback) when not connected. */
int redis_command(redis_reply_fn fn, void *arg, int argc, const char **argv,
    const size_t *lens);
/*
 * A stopping worker: write the queued commands now (their replies are
 * not awaited), since the loop that would have written them is over.
 */
void redis_flush(void);

#endif
