/*
 * A task thread's life (task_thread.h): one place for how it starts, for
 * the sleep the seccomp sandbox allows and for the back-off the threads
 * share.
 */
#include <poll.h>
#include <stddef.h>

#include <kore/kore.h>
#include <kore/tasks.h>

#include "events/task_log.h"
#include "events/task_thread.h"

void
task_thread_start(struct kore_task *task, int (*run)(struct kore_task *))
{
	if (worker == NULL || worker->id != 1)
		return;
	kore_task_create(task, run);
	task_log_start();
	kore_task_run(task);
}

/* poll() as a sleep: allowed by the sandbox, unlike some sleep calls. */
void
task_nap(int ms)
{
	(void)poll(NULL, 0, ms);
}

void
task_backoff(int *ms)
{
	task_nap(*ms);
	*ms = *ms * 2 > TASK_BACKOFF_MAX_MS ? TASK_BACKOFF_MAX_MS : *ms * 2;
}
