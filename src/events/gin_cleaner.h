/*
 * The GIN cleaner: a task thread in worker 1 that moves the pending list
 * of every GIN index the service's role owns (the trigram index of the
 * search, migration 0015) into the index proper, every second. See
 * gin_cleaner.c for why a write would otherwise stall.
 */
#ifndef BEE_GIN_CLEANER_H
#define BEE_GIN_CLEANER_H

/* From kore_worker_configure: starts the thread in worker 1 only. */
void gin_cleaner_start(void);

#endif
