/*
 * How a write wakes its own instance's outbox publisher without NOTIFY
 * (docs/events.md "Waking the publisher"): a shared word and a
 * socketpair made before the workers fork. See outbox_wake.c.
 */
#ifndef BEE_OUTBOX_WAKE_H
#define BEE_OUTBOX_WAKE_H

/* In the parent, before the workers fork: 0, or -1 with errno. */
int outbox_wake_init(void);
/* Any worker, after a write committed: cheap, never blocks. */
void outbox_wake(void);
/* The publisher: the descriptor its wait polls for reading. */
int outbox_wake_fd(void);
/*
 * The publisher, before each read of the outbox: every commit that
 * comes after this call wakes it again.
 */
void outbox_wake_clear(void);

#endif
