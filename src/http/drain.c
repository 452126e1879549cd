/*
 * Graceful drain of a worker. Kore 4.1 breaks a worker's loop on the
 * first SIGTERM, SIGINT or SIGQUIT and drops every request in flight; the
 * module takes SIGTERM and SIGINT over in each worker (drain_start, from
 * kore_worker_configure, after Kore's own kore_signal_setup) and in the
 * parent (drain_parent_start, from kore_parent_configure). The worker
 * then stops accepting, finishes what it received, closes its keep-alive
 * connections and only then lets Kore's quit path run (SIGQUIT in
 * sig_recv), or at SHUTDOWN_GRACE_SECONDS with what is left cut off.
 * The worker's task threads (worker 1: the outbox publisher, the history
 * consumer) are asked to stop with the signal (task_threads_stop) and
 * the drain ends only once they have returned too: each finishes the
 * batch or message in hand and lets go of its connections, so that
 * another instance's takes over (events/task_thread.h). The tick polls
 * them, as it does the connections: no wait on a thread in the loop. The
 * parent forwards the first SIGTERM or SIGINT as Kore does and waits in
 * kore_worker_shutdown(); a second one, or a SIGQUIT, stops the workers at
 * once. docs/kore.md "Drain" says why each step is needed.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "events/task_log.h"
#include "events/task_thread.h"
#include "http/balance.h"
#include "http/drain.h"
#include "infra/log.h"
#include "infra/settings.h"

/* A tick of the drain: how soon it notices the signal and the end. */
#define DRAIN_TICK_MS 50
/*
 * The listening socket stops listening (new connections are refused) this
 * long after the signal: every worker has its listeners guarded by then
 * (Kore's accept handler treats an error on a listening socket as fatal).
 */
#define DRAIN_UNLISTEN_MS 250
/*
 * A keep-alive connection that sent nothing since the drain began is
 * closed after this long: a client about to reuse it gets its answer
 * (with Connection: close) instead of a connection closed under it.
 */
#define DRAIN_IDLE_MS 1000

static volatile sig_atomic_t asked; /* SIGTERM or SIGINT came */
static volatile sig_atomic_t parent_stops; /* stop signals the parent had */
static int draining;
static int done; /* drained: Kore's quit path runs */
static int unlistened;
static u_int64_t started;

static void on_worker_signal(int);
static void on_parent_signal(int);
static void handle(int, void (*)(int));
static void tick(void *, u_int64_t);
static void guard_listeners(void);
static void listener_guarded(void *, int);
static void unlisten(void);
static int sweep(u_int64_t, int);
static int idle(const struct connection *);
static void log_cut(const struct connection *);
static int threads_cut(void);
static void finish(u_int64_t, int, int, int);

void
drain_start(void)
{
	handle(SIGTERM, on_worker_signal);
	handle(SIGINT, on_worker_signal);
	handle(SIGQUIT, on_worker_signal);
	(void)kore_timer_add(tick, DRAIN_TICK_MS, NULL, 0);
}

void
drain_parent_start(void)
{
	handle(SIGTERM, on_parent_signal);
	handle(SIGINT, on_parent_signal);
	handle(SIGQUIT, on_parent_signal);
}

int
drain_active(void)
{
	return (asked != 0);
}

/*
 * Set with the response itself: Kore then writes connection: close and
 * closes the connection once the response is sent (a stream keeps the flag
 * aside until its end, src/http/stream.c).
 */
void
drain_reply_closes(struct connection *c)
{
	if (asked && c != NULL)
		c->flags |= CONN_CLOSE_EMPTY;
}

static void
handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	(void)memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	(void)sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) == -1)
		fatal("sigaction: %s", errno_s);
}

/* Only SIGQUIT reaches Kore's loop at once; the tick does the rest. */
static void
on_worker_signal(int sig)
{
	if (sig == SIGQUIT)
		kore_signal(SIGQUIT);
	else
		asked = 1;
}

/*
 * The first stop is Kore's (forwarded to the workers, then the wait in
 * kore_worker_shutdown); a later one, or a SIGQUIT, stops them at once.
 * kill() is all the forwarding does, and it is async-signal-safe.
 */
static void
on_parent_signal(int sig)
{
	if (sig == SIGQUIT || parent_stops > 0)
		kore_worker_dispatch_signal(SIGQUIT);
	parent_stops = 1;
	kore_signal(sig);
}

static void
tick(void *arg, u_int64_t now)
{
	int conns, reqs;

	(void)arg;
	if (!asked || done)
		return;
	if (!draining) {
		draining = 1;
		started = now;
		/*
		 * The worker holding the accept lock keeps it: one that
		 * accepted worker_accept_threshold connections in a row hands
		 * it on through a message the parent relays, and the parent,
		 * waiting for the workers in kore_worker_shutdown(), relays
		 * nothing any more; no worker would accept again, and
		 * unlisten()'s last accept pass would stop at the threshold,
		 * leaving the rest of the backlog to be reset.
		 */
		worker_accept_threshold = 0;
		balance_stop(); /* and unlisten() below needs Kore's limit */
		guard_listeners();
		task_threads_stop();
		log_info(NULL, "draining");
	}
	if (!unlistened && now - started >= DRAIN_UNLISTEN_MS) {
		unlistened = 1;
		unlisten();
	}
	if (now - started >=
	    (u_int64_t)settings.shutdown_grace_seconds * 1000) {
		reqs = (int)http_request_count;
		conns = sweep(now, 1);
		finish(now, conns, reqs, threads_cut());
		return;
	}
	conns = sweep(now, 0);
	if (conns == 0 && http_request_count == 0 && unlistened &&
	    task_threads_running(NULL, 0) == 0)
		finish(now, 0, 0, 0);
}

/*
 * Until the socket stops listening, connections are still accepted: a
 * client whose connect() succeeded has sent its request to us, and one
 * left in the backlog would be reset. The guard only ignores the error a
 * listening socket shut down by another worker reports.
 */
static void
guard_listeners(void)
{
	struct kore_server *srv;
	struct listener *l;

	LIST_FOREACH(srv, &kore_servers, list) {
		LIST_FOREACH(l, &srv->listeners, list)
			l->evt.handle = listener_guarded;
	}
}

static void
listener_guarded(void *arg, int error)
{
	if (!error)
		kore_listener_accept(arg, 0);
}

/*
 * Takes what waits in the backlog, then stops listening: the socket is
 * shared by every process, so one shutdown refuses new connections for
 * all. No worker takes the accept lock again (Kore asks for it only below
 * worker_max_connections); a lone worker, which keeps it, takes its
 * listeners out of its event set.
 */
static void
unlisten(void)
{
	struct kore_server *srv;
	struct listener *l;

	LIST_FOREACH(srv, &kore_servers, list) {
		LIST_FOREACH(l, &srv->listeners, list) {
			l->evt.flags |= KORE_EVENT_READ;
			kore_listener_accept(l, 0);
			(void)shutdown(l->fd, SHUT_RDWR);
		}
	}
	worker_max_connections = 0;
	/*
	 * A lone worker keeps the lock for good, so Kore never takes its
	 * listeners out of its event set, and a socket shut down stays
	 * readable: the loop would spin until the drain ends.
	 */
	if (worker_count == KORE_SOLO_WORKER_COUNT)
		kore_platform_disable_accept();
}

/*
 * Idle connections close once they sent nothing for DRAIN_IDLE_MS (counted
 * from the signal at the earliest), or all at once when cut. Returns how
 * many HTTP connections are left. No CONN_CLOSE_EMPTY here: Kore closes a
 * connection carrying it at its next event once nothing is queued, so an
 * idle one would be closed on the very request it then receives
 * (drain_reply_closes sets it with the response instead).
 */
static int
sweep(u_int64_t now, int cut)
{
	struct connection *c, *next;
	u_int64_t quiet_since;
	int left;

	left = 0;
	for (c = TAILQ_FIRST(&connections); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->proto != CONN_PROTO_HTTP)
			continue;
		if (cut)
			log_cut(c);
		/*
		 * A connection accepted in this very tick (unlisten's last
		 * pass) has its idle timer started after the tick's now: not
		 * quiet at all, never a negative age wrapped around.
		 */
		quiet_since = c->idle_timer.start > started ?
		    c->idle_timer.start :
		    started;
		if (cut ||
		    (idle(c) && now > quiet_since &&
			now - quiet_since >= DRAIN_IDLE_MS))
			kore_connection_disconnect(c);
		left++;
	}
	return (left);
}

/* No request received in part or in whole, nothing left to send. */
static int
idle(const struct connection *c)
{
	return (TAILQ_EMPTY(&c->http_requests) && TAILQ_EMPTY(&c->send_queue) &&
	    (c->rnb == NULL || c->rnb->s_off == 0));
}

/* Each request cut at the deadline, for whoever looks for its client. */
static void
log_cut(const struct connection *c)
{
	struct http_request *req;
	struct log_field f[2];

	TAILQ_FOREACH(req, &c->http_requests, olist) {
		(void)memset(f, 0, sizeof(f));
		f[0].key = "method";
		f[0].str = http_method_text(req->method);
		f[1].key = "path";
		f[1].str = req->path;
		f[1].cap = LOG_PATH_MAX;
		log_write(LOG_LEVEL_WARNING, NULL,
		    "request cut at the drain deadline", f, 2);
	}
}

/*
 * Each task thread still running at the deadline (in a batch's confirms,
 * a message's transaction): it dies with the worker, and what it held
 * stays for the next publisher or consumer (an unsent row, a requeued
 * message). Returns how many.
 */
static int
threads_cut(void)
{
	const char *names[TASK_THREADS_MAX];
	struct log_field f;
	size_t i, n;

	n = task_threads_running(names, TASK_THREADS_MAX);
	for (i = 0; i < n && i < TASK_THREADS_MAX; i++) {
		(void)memset(&f, 0, sizeof(f));
		f.key = "thread";
		f.str = names[i];
		log_write(LOG_LEVEL_WARNING, NULL,
		    "task thread cut at the drain deadline", &f, 1);
	}
	return ((int)n);
}

/* The threads' last lines (their stop) go before "drained". */
static void
finish(u_int64_t now, int conns, int reqs, int threads)
{
	struct log_field f[4];

	task_log_flush();
	(void)memset(f, 0, sizeof(f));
	f[0].key = "duration_ms";
	f[0].num = (long long)(now - started);
	f[1].key = "requests_cut";
	f[1].num = reqs;
	f[2].key = "connections_cut";
	f[2].num = conns;
	f[3].key = "threads_cut";
	f[3].num = threads;
	log_write(reqs > 0 || conns > 0 || threads > 0 ? LOG_LEVEL_WARNING :
							 LOG_LEVEL_INFO,
	    NULL, "drained", f, 4);
	log_flush();
	done = 1;
	kore_signal(SIGQUIT);
}
