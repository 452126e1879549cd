/*
 * The publisher's wake-up by its own instance's writes (outbox_wake.h).
 *
 * Why not NOTIFY: a transaction that calls pg_notify takes one lock for
 * the whole cluster at commit (PostgreSQL's PreCommit_Notify), held
 * until the commit is done, so every writing transaction of every
 * instance queued behind the others (docs/benchmark.md has the figures).
 *
 * How instead: the parent makes a socketpair and one shared word before
 * it forks, so every worker holds both ends. After a commit, a worker
 * sets the word and, only when it was clear, writes one byte; the
 * publisher clears the word and drains the bytes before each read of the
 * outbox, and polls the read end while it waits. So under load the
 * writes cost one atomic exchange each (the word stays set while the
 * publisher is busy), and no wake-up is lost: a commit either comes
 * before the clear (the read that follows sees its row) or after it (it
 * finds the word clear and writes a byte). Writes of other instances
 * reach the lock holder by its short poll (publisher.c).
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <unistd.h>

#include "events/outbox_wake.h"

static atomic_int *pending; /* shared by the workers */
static int ends[2] = { -1, -1 }; /* [0] the publisher's, [1] the writers' */

int
outbox_wake_init(void)
{
	void *p;
	int i;

	p = mmap(NULL, sizeof(*pending), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == -1) {
		(void)munmap(p, sizeof(*pending));
		return (-1);
	}
	for (i = 0; i < 2; i++)
		if (fcntl(ends[i], F_SETFL, O_NONBLOCK) == -1)
			return (-1);
	pending = p;
	atomic_init(pending, 0);
	return (0);
}

void
outbox_wake(void)
{
	if (pending == NULL || atomic_exchange(pending, 1))
		return;
	/* full (EAGAIN): bytes are waiting already, which is all it takes */
	(void)write(ends[1], "w", 1);
}

int
outbox_wake_fd(void)
{
	return (ends[0]);
}

void
outbox_wake_clear(void)
{
	char buf[64];

	if (pending == NULL)
		return;
	atomic_store(pending, 0);
	while (read(ends[0], buf, sizeof(buf)) > 0)
		;
}
