/*
 * Erasure's clean-up of the Redis mirror (failed_events, mirror.h): the
 * items of the erased customer's events, which still hold the personal
 * fields the erasure scrubbed from the outbox. On the worker's loop,
 * through its asynchronous Redis connection (redis.h), never the
 * blocking mirror.c.
 */
#ifndef BEE_MIRROR_FORGET_H
#define BEE_MIRROR_FORGET_H

/*
 * items: a JSON array of the items' exact texts. Queues one LREM
 * failed_events 0 <item> each (every copy) and returns; a failure (Redis
 * unreachable, an error reply) is logged as a warning naming how many
 * items stayed. Nothing to do when REDIS_URL is empty (no mirror).
 */
void mirror_forget(const char *items, const char *trace_id);

#endif
