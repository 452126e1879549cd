/*
 * The Redis at REDIS_URL (redis://host:port[/db], as scripts/dev writes
 * it), for tests that read what the service left there (failed_events).
 */
#ifndef E2E_REDIS_ENV_H
#define E2E_REDIS_ENV_H

#include <hiredis/hiredis.h>

/*
 * Connected, database db selected (-1: the URL's); fails the test
 * otherwise.
 */
redisContext *redis_from_env(int db);

#endif
