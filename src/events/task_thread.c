/*
 * A task thread's life (task_thread.h): one place for how it starts, for
 * the sleep the seccomp sandbox allows, for the back-off the threads
 * share, and for their stop on a drain.
 *
 * The stop crosses threads through C11 atomics only: the worker's drain
 * (on the event loop) sets `stop`, a thread reads it in its waits and
 * loops, and sets its slot's `done` when its run returns. A thread never
 * touches Kore state, and the worker never waits on a thread: the drain
 * polls task_threads_running from its tick.
 */
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>

#include <kore/kore.h>
#include <kore/tasks.h>

#include "events/task_log.h"
#include "events/task_thread.h"

struct slot {
	struct kore_task *task;
	int (*run)(struct kore_task *);
	const char *name;
	atomic_int done;
};

static struct slot slots[TASK_THREADS_MAX];
static atomic_size_t nslots;
static atomic_int stop;

static int entry(struct kore_task *);

void
task_thread_start(struct kore_task *task, int (*run)(struct kore_task *),
    const char *name)
{
	struct slot *s;
	size_t n;

	if (worker == NULL || worker->id != 1)
		return;
	if ((n = atomic_load(&nslots)) == TASK_THREADS_MAX)
		fatal("task_thread_start: more than %d threads",
		    TASK_THREADS_MAX);
	s = &slots[n];
	s->task = task;
	s->run = run;
	s->name = name;
	atomic_store(&s->done, 0);
	/* published before the thread can look for its slot */
	atomic_store(&nslots, n + 1);
	kore_task_create(task, entry);
	task_log_start();
	kore_task_run(task);
}

/* The thread's own run, then its slot marked done for the drain. */
static int
entry(struct kore_task *t)
{
	size_t i, n;
	int rc;

	n = atomic_load(&nslots);
	for (i = 0; i < n; i++)
		if (slots[i].task == t)
			break;
	if (i == n)
		return (KORE_RESULT_ERROR);
	rc = slots[i].run(t);
	atomic_store(&slots[i].done, 1);
	return (rc);
}

/*
 * poll() as a sleep: allowed by the sandbox, unlike some sleep calls; in
 * ticks, so that a stop ends it within TASK_STOP_TICK_MS.
 */
void
task_nap(int ms)
{
	int step;

	while (ms > 0 && !task_stopping()) {
		step = ms < TASK_STOP_TICK_MS ? ms : TASK_STOP_TICK_MS;
		(void)poll(NULL, 0, step);
		ms -= step;
	}
}

void
task_backoff(int *ms)
{
	task_nap(*ms);
	*ms = *ms * 2 > TASK_BACKOFF_MAX_MS ? TASK_BACKOFF_MAX_MS : *ms * 2;
}

int
task_stopping(void)
{
	return (atomic_load(&stop));
}

void
task_threads_stop(void)
{
	atomic_store(&stop, 1);
}

size_t
task_threads_running(const char **names, size_t max)
{
	size_t i, n, left;

	n = atomic_load(&nslots);
	left = 0;
	for (i = 0; i < n; i++) {
		if (atomic_load(&slots[i].done))
			continue;
		if (left < max)
			names[left] = slots[i].name;
		left++;
	}
	return (left);
}
