/*
 * Waiting in a task thread (task_nap.h): one place for the sleep the
 * seccomp sandbox allows and for the back-off the threads share.
 */
#include <poll.h>
#include <stddef.h>

#include "task_nap.h"

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
