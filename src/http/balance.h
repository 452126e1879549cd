/*
 * Connections shared evenly between the workers (src/http/balance.c).
 */
#ifndef BEE_BALANCE_H
#define BEE_BALANCE_H

/*
 * worker_count in the workers of a lone-worker instance: Kore counts two
 * more than it runs (the keymgr and acme slots; WORKER_SOLO_COUNT in its
 * worker.c), and a lone worker keeps the accept lock for good.
 */
#define KORE_SOLO_WORKER_COUNT 3

/* In the parent, before the workers start: the shared board. -1: errno. */
int balance_init(void);
/*
 * In each worker, from kore_worker_configure; stop_asked (drain_active)
 * says when the drain began: the balance then stops (balance_stop).
 */
void balance_start(int (*stop_asked)(void));
/*
 * The worker stops (drain, teardown): its limit is Kore's configured one
 * again, for good, and the others no longer wait for it to catch up.
 */
void balance_stop(void);

#endif
