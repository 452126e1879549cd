/*
 * Connections shared evenly between the workers.
 *
 * Kore 4.1 gives new connections to the worker that holds its accept
 * lock, and that worker keeps the lock until it accepts
 * worker_accept_threshold connections in one wake-up or is full
 * (worker_max_connections): connections that arrive one at a time (a
 * proxy's pool growing with the load, clients with keep-alive) all went
 * to one worker, which did the whole instance's work while the other
 * idled (40 of 40 connections, tests/e2e/test_balance.c).
 *
 * Every BALANCE_TICK_MS each worker publishes its count of connections
 * and a heartbeat on a board in shared memory, and compares: a worker
 * more than BALANCE_SLACK above the least loaded live worker lowers its
 * own worker_max_connections to that worker's count plus the slack and
 * hands the lock on (kore_worker_make_busy); for Kore it is full, so it
 * does not take the lock back until the others have caught up. Deciding
 * on the tick, not on every connection, bounds the hand-overs to a
 * hundred a second per worker whatever the rate of new connections. The
 * least loaded worker is never capped, so some worker accepts within a
 * tick (counts read a tick old may cap two workers for that tick), or
 * within BALANCE_ALIVE_MS and a tick when the least loaded one stalls
 * without the lock: one whose loop has not ticked for that long (hung,
 * killed, restarting) does not count, and one that restarts counts from
 * zero, so new connections go to it first. A burst that arrives within
 * one tick is shared as Kore shares it, worker_accept_threshold at a
 * time. A lone worker has no one to share with: no tick.
 *
 * From the stop signal on, the drain owns these settings: the first tick
 * that sees the signal (or the drain's first, balance_stop) puts Kore's
 * limit back, which the drain's last accept pass needs, and the balance
 * hands the lock on no more: the parent relays no such hand-over once it
 * waits for the workers.
 */
#include <sys/mman.h>
#include <stdint.h>

#include <kore/kore.h>

#include "http/balance.h"

/* Kore's worker ids are below this (KORE_WORKER_MAX). */
#define BALANCE_WORKERS 256
#define BALANCE_SLACK 1
#define BALANCE_TICK_MS 10
#define BALANCE_ALIVE_MS 30

struct slot {
	uint32_t conns;
	uint64_t beat_ms; /* kore_time_ms() (monotonic), 0: not running */
};

/* Indexed by Kore's worker id: 1 to worker_count - KORE_WORKER_BASE. */
struct board {
	struct slot slot[BALANCE_WORKERS];
};

static struct board *board;
static struct slot *mine;
static u_int32_t configured_max;
static int stopped;
static int (*stopping)(void); /* the drain began (drain_active) */

static void tick(void *, u_int64_t);

int
balance_init(void)
{
	void *p;

	if (board != NULL)
		return (0);
	p = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	board = p;
	return (0);
}

void
balance_start(int (*stop_asked)(void))
{
	configured_max = worker_max_connections;
	stopping = stop_asked;
	if (board == NULL || worker == NULL || worker->id >= BALANCE_WORKERS ||
	    worker_count == KORE_SOLO_WORKER_COUNT)
		return;
	mine = &board->slot[worker->id];
	__atomic_store_n(&mine->conns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&mine->beat_ms, kore_time_ms(), __ATOMIC_RELAXED);
	(void)kore_timer_add(tick, BALANCE_TICK_MS, NULL, 0);
}

void
balance_stop(void)
{
	if (stopped)
		return;
	stopped = 1;
	if (mine != NULL)
		__atomic_store_n(&mine->beat_ms, 0, __ATOMIC_RELAXED);
	worker_max_connections = configured_max;
}

static void
tick(void *arg, u_int64_t now)
{
	uint32_t i, least, n;
	uint64_t beat;

	(void)arg;
	if (stopped)
		return;
	if (stopping != NULL && stopping()) {
		balance_stop();
		return;
	}
	__atomic_store_n(&mine->conns, worker_active_connections,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&mine->beat_ms, now, __ATOMIC_RELAXED);
	least = UINT32_MAX;
	for (i = 1; i <= (uint32_t)(worker_count - KORE_WORKER_BASE); i++) {
		if (&board->slot[i] == mine)
			continue;
		beat =
		    __atomic_load_n(&board->slot[i].beat_ms, __ATOMIC_RELAXED);
		if (beat == 0 || beat + BALANCE_ALIVE_MS < now)
			continue;
		n = __atomic_load_n(&board->slot[i].conns, __ATOMIC_RELAXED);
		if (n < least)
			least = n;
	}
	if (least != UINT32_MAX && least + BALANCE_SLACK < configured_max &&
	    worker_active_connections > least + BALANCE_SLACK) {
		worker_max_connections = least + BALANCE_SLACK;
		if (worker->has_lock)
			kore_worker_make_busy();
	} else {
		worker_max_connections = configured_max;
	}
}
