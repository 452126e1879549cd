/*
 * The service's life cycle: settings and start-up checks in the parent,
 * per-worker set-up, the refusal of SIGHUP reloads, the seccomp list, and
 * the function validators named in conf/bee_customers.conf.
 */
#include <sys/stat.h>

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/tasks.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include "http/auth.h"
#include "infra/avatar_store.h"
#include "events/consumer.h"
#include "events/gin_cleaner.h"
#include "events/key_pruner.h"
#include "events/task_thread.h"
#include "api/customer_common.h"
#include "db/db.h"
#include "infra/deps.h"
#include "http/balance.h"
#include "http/drain.h"
#include "infra/log.h"
#include "infra/logfwd.h"
#include "infra/metrics.h"
#include "api/metrics_http.h"
#include "events/outbox_wake.h"
#include "events/publisher.h"
#include "infra/redis.h"
#include "http/reply.h"
#include "infra/settings.h"
#include "model/route_table.h"
#include "model/uuid.h"

#define SERVER_NAME "public"
#define AUTH_NAME "jwt"
#define CATCH_ALL "^/.*$"

void kore_parent_configure(int, char **);
void kore_worker_configure(void);
void kore_worker_teardown(void);
#if defined(BEE_COVERAGE)
/* libgcov's, in the coverage flavor (conf/build.conf) */
void __gcov_dump(void); /* NOLINT(bugprone-reserved-identifier) */
#endif
int bee_onload(int);
int v_uuid(struct http_request *, const void *);
int v_avatar_size(struct http_request *, const void *);

static const char *required_validators[] = { "v_uuid", "v_phone",
	"v_avatar_size", "v_jwt", NULL };

/*
 * Syscalls beyond Kore's own list: libpq's connect (stat, directory
 * reads), task threads (clone3, rseq), client libraries closing sockets,
 * avatar files (fsync, rename: src/infra/avatar_store.c; unlink is Kore's),
 * the publisher's task thread (gettid, sched_getaffinity at its start),
 * and mremap: glibc's realloc of a block over its mmap threshold (128 KiB
 * and up: a large JSON reply, libpq's input buffer for a large row)
 * moves it with mremap, and without it such a request killed the worker
 * with SIGSYS (mremap cannot make memory executable: Kore's mmap and
 * mprotect rules still hold).
 * sched_yield: the sanitizers' spin locks yield when two threads meet on
 * one (the asan flavor's allocator); Kore's filter kills the thread, not
 * the worker (SECCOMP_RET_KILL), so a task thread that met that lock
 * died silently: the publisher of a test instance never started, once
 * in about twenty runs of e2e_publisher (the kernel's audit log had the
 * SIGSYS, syscall 24). Allowed in every flavor: a yield changes nothing
 * but the scheduling, and a library that spins elsewhere must not cost
 * a thread either.
 * restart_syscall: a sleep (poll, nanosleep) cut short by a stop
 * (SIGSTOP and SIGCONT: `docker pause` and `unpause`, a debugger) is
 * resumed by the kernel through it; without it each sleeping thread died
 * at the resume, the publisher and the consumer among them (test:
 * publisher::a_paused_and_resumed_worker_keeps_publishing).
 * The asan flavor also lets the sanitizers finish a report: they probe
 * memory through a pipe (sanitizer_common's IsAccessibleMemoryRange), and
 * a report cut short by the sandbox is a report lost.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_SYSCALLS KORE_SYSCALL_ALLOW(pipe2),
#else
#define SANITIZER_SYSCALLS
#endif

KORE_SECCOMP_FILTER("bee_customers",
    SANITIZER_SYSCALLS KORE_SYSCALL_ALLOW(newfstatat),
    KORE_SYSCALL_ALLOW(getdents64), KORE_SYSCALL_ALLOW(clone3),
    KORE_SYSCALL_ALLOW(rseq), KORE_SYSCALL_ALLOW(shutdown),
    KORE_SYSCALL_ALLOW(getpeername), KORE_SYSCALL_ALLOW(getsockname),
    KORE_SYSCALL_ALLOW(fsync), KORE_SYSCALL_ALLOW(rename),
    KORE_SYSCALL_ALLOW(gettid), KORE_SYSCALL_ALLOW(sched_getaffinity),
    KORE_SYSCALL_ALLOW(mremap), KORE_SYSCALL_ALLOW(sched_yield),
    KORE_SYSCALL_ALLOW(restart_syscall))

static void die(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void check_config(void);
static void sweep_avatar_temporaries(void);
static void check_table(void);
static int domain_routes(const struct kore_domain *, const char *);
static void check_reach(const struct kore_domain *, const struct route_spec *);
static int reaches(const struct kore_module_handle *, const char *);
static void log_flush_tick(void *, u_int64_t);

/* Kore's own stdout lines, line-buffered before the workers fork. */
__attribute__((constructor)) static void
stdout_line_buffered(void)
{
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
}

static void
die(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "bee-customers: %s\n", msg);
	exit(1);
}

void
kore_parent_configure(int argc, char **argv)
{
	struct kore_server *srv;
	struct kore_validator *phone;
	char err[SETTINGS_ERRLEN];

	(void)argc;
	(void)argv;
	if (settings_load(&settings, NULL, err, sizeof(err)) == -1)
		die("%s", err);
	log_init(settings.service_name, settings.log_level);
	if (settings.weak_secret)
		log_warn(NULL,
		    "SECRET_KEY is shorter than 32 bytes; use a "
		    "long random secret or RS256");

	check_config();
	phone = kore_validator_lookup("v_phone");
	customer_phone_rule.pattern = phone->arg;

	if (settings.workers > 0)
		worker_count = (u_int8_t)settings.workers;
	if ((srv = kore_server_lookup(SERVER_NAME)) == NULL)
		die("config: no server block named '%s'", SERVER_NAME);
	if (!kore_server_bind(srv, settings.host, settings.port, NULL))
		die("cannot listen on %s:%s", settings.host, settings.port);

	if (metrics_init() == -1)
		die("metrics: shared memory: %s", strerror(errno));
	if (balance_init() == -1)
		die("connection balance: shared memory: %s", strerror(errno));
	if (deps_resolve(err, sizeof(err)) == -1)
		die("%s", err);
	if (logfwd_init(err, sizeof(err)) == -1)
		die("%s", err);
	db_register(settings.database_conninfo, settings.db_pool_size);
	if (outbox_wake_init() == -1)
		die("outbox wake-up: %s", strerror(errno));
	db_on_commit(outbox_wake);

	if (mkdir(settings.upload_dir, 0755) == -1 && errno != EEXIST)
		die("UPLOAD_DIR %s: %s", settings.upload_dir, strerror(errno));
	sweep_avatar_temporaries();

	drain_parent_start();
	log_write(LOG_LEVEL_INFO, NULL, "starting", NULL, 0);
	log_flush();
}

void
kore_worker_configure(void)
{
	log_init(settings.service_name, settings.log_level);
	reply_init(settings.cors_origins);
	deps_start();
	redis_start();
	publisher_start();
	consumer_start();
	gin_cleaner_start();
	key_pruner_start();
	logfwd_start();
	metrics_worker_start();
	/* one write per 50 ms instead of one per request */
	log_batch(1);
	(void)kore_timer_add(log_flush_tick, 50, NULL, 0);
	drain_start();
	balance_start(drain_active);
}

/*
 * A stopping worker ends here instead of in exit(): exit() runs every
 * shared library's destructor, and under the asan runtime p11-kit's
 * (loaded by libpq's GSSAPI and LDAP dependencies) deadlocks on glibc's
 * locale lock, leaving a worker that never exits. What Kore's own
 * clean-up would still do (free memory, close sockets) the kernel does;
 * PostgreSQL connections are closed properly first, once the writes in
 * flight have their outcome and its follow-up (file unlinks, Redis).
 */
void
kore_worker_teardown(void)
{
	balance_stop();
	db_close_all(); /* after the outcome of its writes (db.c) */
	redis_flush(); /* the commands those queued */
	log_flush();
	kore_msg_send(KORE_MSG_PARENT, KORE_MSG_SHUTDOWN, NULL, 0);
	(void)fflush(stdout);
#if defined(BEE_COVERAGE)
	__gcov_dump(); /* _exit skips the destructor that writes the counters */
#endif
	_exit(0);
}

/*
 * SIGHUP would reload the module with live connections and timers that
 * point into the old image: refused (restart to apply changes).
 */
int
bee_onload(int action)
{
	if (action == KORE_MODULE_UNLOAD) {
		log_warn(NULL,
		    "module reload refused: restart the service "
		    "to apply changes");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

int
v_uuid(struct http_request *req, const void *data)
{
	char out[UUID_STRLEN], err[UUID_ERRLEN];

	(void)req;
	return (uuid_parse(data, out, err, sizeof(err)) == 0 ?
		KORE_RESULT_OK :
		KORE_RESULT_ERROR);
}

/* data: the upload's size in bytes, as a decimal string. */
int
v_avatar_size(struct http_request *req, const void *data)
{
	char *end;
	unsigned long n;

	(void)req;
	errno = 0;
	n = strtoul(data, &end, 10);
	if (errno != 0 || end == data || *end != '\0')
		return (KORE_RESULT_ERROR);
	return (n <= settings.avatar_max_bytes ? KORE_RESULT_OK :
						 KORE_RESULT_ERROR);
}

static void
log_flush_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	log_flush();
}

/*
 * A crash between an avatar's write and its rename leaves a .tmp- file;
 * an hour is far beyond any upload (http_body_timeout), so instances
 * sharing the volume never lose one they are writing.
 */
static void
sweep_avatar_temporaries(void)
{
	char msg[128];
	int n;

	if ((n = avatar_sweep_temporaries(time(NULL) - 3600)) <= 0)
		return;
	(void)snprintf(msg, sizeof(msg),
	    "removed %d temporary avatar file(s) left by a crash", n);
	log_warn(NULL, msg);
}

/*
 * Kore only prints unknown directives: check that what it parsed is the
 * service we mean, or refuse to start. Every handler and whether it sits
 * behind the jwt block come from the route table (model/route_table.c).
 */
static void
check_config(void)
{
	struct kore_server *srv;
	struct kore_domain *dom;
	struct kore_module_handle *hdlr, *last;
	struct kore_auth *auth;
	const struct route_spec *r;
	const char **v;
	int need;

	for (v = required_validators; *v != NULL; v++) {
		if (kore_validator_lookup(*v) == NULL)
			die("config: validator %s is missing", *v);
	}
	/*
	 * A task that never returns holds a task thread for good, and Kore
	 * queues a task behind a busy thread when none is free: one too
	 * few, and the last thread started (the key pruner, the log
	 * forwarder) would silently never run.
	 */
	need = TASK_THREADS_WORKER1 + (settings.log_service_url != NULL);
	if (kore_task_threads < need)
		die("config: task_threads %u is too few: worker 1 runs %d "
		    "threads that never return (publisher, consumer, GIN "
		    "cleaner, key pruner%s); set it to %d or more (the "
		    "shipped config keeps one more free)",
		    (unsigned)kore_task_threads, need,
		    settings.log_service_url != NULL ? ", log forwarder" : "",
		    need);
	if ((auth = kore_auth_lookup(AUTH_NAME)) == NULL ||
	    auth->type != KORE_AUTH_TYPE_REQUEST || auth->validator == NULL ||
	    strcmp(auth->validator->name, "v_jwt") != 0)
		die("config: authentication block '%s' must be of type "
		    "request with validator v_jwt",
		    AUTH_NAME);

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			last = NULL;
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if ((r = route_spec_of(hdlr->func, NULL)) ==
				    NULL)
					die("config: route %s names unknown "
					    "handler %s",
					    hdlr->path, hdlr->func);
				if (r->token && hdlr->auth != auth)
					die("config: route %s (%s) must be "
					    "behind the '%s' block",
					    hdlr->path, hdlr->func, AUTH_NAME);
				last = hdlr;
			}
			if (last == NULL || strcmp(last->path, CATCH_ALL) ||
			    strcmp(last->func, "h_not_found"))
				die("config: domain %s must end with "
				    "'route %s h_not_found'",
				    dom->domain, CATCH_ALL);
		}
	}
	check_table();
}

/*
 * Every handler of the route table has a route line, and in each domain
 * that routes it, the paths of its templates reach it: a route line
 * missing, or placed after one that takes its paths, would answer 404s or
 * run the wrong handler. (A domain may route a few handlers only, such as
 * an internal one for /metrics and /ready.)
 */
static void
check_table(void)
{
	struct kore_server *srv;
	struct kore_domain *dom;
	const struct route_spec *r;
	size_t i;
	int routed;

	for (i = 0; i < ROUTE_SPECS; i++) {
		r = &route_specs[i];
		routed = 0;
		LIST_FOREACH(srv, &kore_servers, list) {
			TAILQ_FOREACH(dom, &srv->domains, list) {
				if (!domain_routes(dom, r->handler))
					continue;
				routed = 1;
				check_reach(dom, r);
			}
		}
		if (!routed)
			die("config: no route names %s (%s)", r->handler,
			    r->file);
	}
}

static int
domain_routes(const struct kore_domain *dom, const char *handler)
{
	const struct kore_module_handle *hdlr;

	TAILQ_FOREACH(hdlr, &dom->handlers, list) {
		if (!strcmp(hdlr->func, handler))
			return (1);
	}
	return (0);
}

static void
check_reach(const struct kore_domain *dom, const struct route_spec *r)
{
	const struct kore_module_handle *hdlr;
	char path[256];

	if (route_example(r, path, sizeof(path)) == -1)
		return; /* not a path: the catch-all, checked above */
	TAILQ_FOREACH(hdlr, &dom->handlers, list) {
		if (reaches(hdlr, path))
			break;
	}
	if (hdlr == NULL || strcmp(hdlr->func, r->handler) != 0)
		die("config: domain %s routes %s to %s instead of %s (%s)",
		    dom->domain, path, hdlr != NULL ? hdlr->func : "nothing",
		    r->handler, r->file);
}

/* As Kore matches: a string compare for a path, a regex otherwise. */
static int
reaches(const struct kore_module_handle *hdlr, const char *path)
{
	if (hdlr->type == HANDLER_TYPE_STATIC)
		return (strcmp(hdlr->path, path) == 0);
	return (regexec(&hdlr->rctx, path, 0, NULL, 0) == 0);
}
