/*
 * The dependencies' addresses, resolved in the parent and shared with
 * the workers (resolve.h).
 *
 * The table is an anonymous shared mapping made before the workers fork.
 * Each slot is a seqlock: the parent's thread, its only writer, makes the
 * sequence odd, writes, makes it even; a reader copies and retries when
 * the sequence moved. Workers ask for a lookup by bumping the slot's
 * `wanted` counter; the thread polls the counters every POLL_MS (a
 * counter needs no message channel back to the parent, which Kore's
 * parent cannot answer on) and looks a name up when its counter moved,
 * at most once a RESOLVE_MIN_MS. The thread blocks every signal, so Kore's
 * parent loop keeps receiving them; it writes no log line (log.c is not
 * thread-safe): the workers log what changed (deps.c).
 *
 * Fork safety: Kore forks (and respawns) workers from the parent while the
 * thread runs. A worker forked while the thread was starting, or inside
 * getaddrinfo, could inherit a lock it holds (the allocator's, the
 * sanitizers' thread registry) and hang on it. So resolve_init returns
 * only once the thread runs its loop, which takes no lock between
 * lookups, and a lookup holds `busy`, which a pthread_atfork handler takes
 * before any fork: a fork waits for the lookup in progress instead.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "infra/monotime.h"
#include "infra/resolve.h"

#define POLL_MS 100
/* a reader gives up waiting for a writer that died (the parent killed) */
#define READ_TRIES 100000

struct slot {
	unsigned int seq; /* odd while the parent writes */
	unsigned int wanted; /* bumped by resolve_again */
	struct resolved now;
};

static struct slot *slots; /* shared, DEP_COUNT of them */
static const struct endpoint *endpoints[DEP_COUNT];
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t running_cv = PTHREAD_COND_INITIALIZER;
static int running;

static void lookup(enum dep);
static void publish(enum dep, const struct resolved *);
static void *run(void *);
static void fork_prepare(void);
static void fork_done(void);

int
resolve_init(const struct endpoint *const eps[DEP_COUNT], char *err,
    size_t errlen)
{
	pthread_t t;
	sigset_t all, old;
	size_t i;
	int rc;

	slots = mmap(NULL, sizeof(*slots) * DEP_COUNT, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		slots = NULL;
		(void)snprintf(err, errlen, "resolver: shared memory: %s",
		    strerror(errno));
		return (-1);
	}
	memset(slots, 0, sizeof(*slots) * DEP_COUNT);
	for (i = 0; i < DEP_COUNT; i++) {
		endpoints[i] = eps[i];
		if (eps[i] != NULL)
			lookup((enum dep)i);
	}
	if ((rc = pthread_atfork(fork_prepare, fork_done, fork_done)) != 0) {
		(void)snprintf(err, errlen, "resolver: atfork: %s",
		    strerror(rc));
		return (-1);
	}
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, run, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		(void)snprintf(err, errlen, "resolver: thread: %s",
		    strerror(rc));
		return (-1);
	}
	(void)pthread_detach(t);
	(void)pthread_mutex_lock(&busy);
	while (!running)
		(void)pthread_cond_wait(&running_cv, &busy);
	(void)pthread_mutex_unlock(&busy);
	return (0);
}

void
resolve_get(enum dep d, struct resolved *out)
{
	unsigned int before, after;
	int tries;

	memset(out, 0, sizeof(*out));
	if (slots == NULL)
		return;
	for (tries = 0; tries < READ_TRIES; tries++) {
		before = __atomic_load_n(&slots[d].seq, __ATOMIC_ACQUIRE);
		if (before & 1)
			continue;
		memcpy(out, &slots[d].now, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(&slots[d].seq, __ATOMIC_RELAXED);
		if (before == after)
			return;
	}
	memset(out, 0, sizeof(*out));
	(void)snprintf(out->error, sizeof(out->error), "resolver stuck");
}

void
resolve_again(enum dep d)
{
	if (slots != NULL && endpoints[d] != NULL)
		(void)__atomic_add_fetch(&slots[d].wanted, 1, __ATOMIC_RELEASE);
}

const char *
resolve_host(enum dep d)
{
	return (endpoints[d] != NULL ? endpoints[d]->host : "");
}

/* The parent's thread: a lookup for each slot whose counter moved. */
static void *
run(void *arg)
{
	unsigned int seen[DEP_COUNT], w;
	long long last[DEP_COUNT];
	size_t i;

	(void)arg;
	memset(last, 0, sizeof(last));
	for (i = 0; i < DEP_COUNT; i++)
		seen[i] = __atomic_load_n(&slots[i].wanted, __ATOMIC_ACQUIRE);
	(void)pthread_mutex_lock(&busy);
	running = 1;
	(void)pthread_cond_signal(&running_cv);
	(void)pthread_mutex_unlock(&busy);
	for (;;) {
		(void)poll(NULL, 0, POLL_MS);
		for (i = 0; i < DEP_COUNT; i++) {
			w = __atomic_load_n(&slots[i].wanted, __ATOMIC_ACQUIRE);
			if (w == seen[i] ||
			    monotime_ms() - last[i] < RESOLVE_MIN_MS)
				continue;
			seen[i] = w;
			last[i] = monotime_ms();
			(void)pthread_mutex_lock(&busy);
			lookup((enum dep)i);
			(void)pthread_mutex_unlock(&busy);
		}
	}
	return (NULL);
}

/*
 * The first address of the name (as libpq, hiredis and rabbitmq-c would
 * take). A failure replaces the old address only when it says the name
 * has no address (resolve_failure_keeps): a resolver down for a moment
 * must not turn a dependency whose old address still works into one that
 * refuses every connect.
 */
static void
lookup(enum dep d)
{
	struct addrinfo hints, *res;
	struct resolved r;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(endpoints[d]->host, endpoints[d]->port, &hints, &res);
	if (rc != 0) {
		if (slots[d].now.ok && resolve_failure_keeps(rc))
			return;
		(void)snprintf(r.error, sizeof(r.error), "%s",
		    gai_strerror(rc));
		publish(d, &r);
		return;
	}
	if (res->ai_addrlen <= sizeof(r.addr) &&
	    getnameinfo(res->ai_addr, res->ai_addrlen, r.ip, sizeof(r.ip), NULL,
		0, NI_NUMERICHOST) == 0) {
		memcpy(&r.addr, res->ai_addr, res->ai_addrlen);
		r.addrlen = res->ai_addrlen;
		r.ok = 1;
	} else {
		(void)snprintf(r.error, sizeof(r.error), "unusable address");
	}
	freeaddrinfo(res);
	publish(d, &r);
}

/*
 * EAI_NONAME, EAI_NODATA and EAI_ADDRFAMILY are answers: the name, as the
 * DNS (or /etc/hosts) has it now, has no address, so the old one is gone
 * (a container removed, a record deleted). Everything else says nothing
 * about the name: EAI_AGAIN (a timeout, SERVFAIL), EAI_SYSTEM,
 * EAI_MEMORY, and EAI_FAIL too, which glibc returns for a server that
 * refused or could not parse the query (NO_RECOVERY: REFUSED, FORMERR,
 * NOTIMP), a fault of the resolver path and not of the name.
 */
int
resolve_failure_keeps(int gai_rc)
{
	switch (gai_rc) {
	case 0:
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return (0);
	default:
		return (1);
	}
}

/* Writes r into d's slot (a new generation only when it differs). */
static void
publish(enum dep d, const struct resolved *r)
{
	struct slot *s = &slots[d];
	struct resolved next;

	next = *r;
	next.generation = s->now.generation;
	if (r->ok != s->now.ok || strcmp(r->ip, s->now.ip) != 0 ||
	    s->now.generation == 0)
		next.generation++;
	(void)__atomic_add_fetch(&s->seq, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&s->now, &next, sizeof(next));
	(void)__atomic_add_fetch(&s->seq, 1, __ATOMIC_RELEASE);
}

/* Before a fork: wait for the lookup in progress; none starts meanwhile. */
static void
fork_prepare(void)
{
	(void)pthread_mutex_lock(&busy);
}

/* After it, in both processes (the child's copy is its forking thread's). */
static void
fork_done(void)
{
	(void)pthread_mutex_unlock(&busy);
}
