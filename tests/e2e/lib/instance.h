/*
 * Service instances of a test's own, for what the shared e2e service cannot
 * show: another setting (CUSTOMER_PATCH_RATE=3/second, CORS_ORIGINS, a dead
 * REDIS_URL), a broken config, a signal.
 *
 * An instance runs the module under test (the asan build in BEE_E2E_DIR)
 * with the stock kore binary, from a scratch directory BEE_E2E_DIR/
 * instance.XXXXXX holding a copy of conf/ and kore.out/kore.err, on a free
 * loopback port, with one worker. It inherits the test's environment
 * (DATABASE_URL, REDIS_URL, SECRET_KEY, ...): the same servers as the
 * shared service. Typical use:
 *
 *	static const char *const env[] = { "CORS_ORIGINS", "https://a.example",
 *		NULL };
 *	struct instance in;
 *
 *	instance_start(&in, env);	(http_req() now talks to it)
 *	...
 *	instance_stop(&in);		(and checks its logs)
 *
 * Every function asserts with Criterion; run the tests from the repository
 * root (the config is read from conf/).
 */
#ifndef E2E_INSTANCE_H
#define E2E_INSTANCE_H

#include <sys/types.h>

struct instance {
	char dir[256]; /* scratch directory */
	pid_t pid; /* kore's parent, leader of its process group */
	unsigned short port; /* loopback port it listens on */
	/*
	 * Set after instance_prepare: a file that instance_spawn bind-mounts
	 * over /etc/hosts, in a mount namespace of the instance's own, with
	 * an nsswitch.conf that reads only files for hosts. Rewritten in
	 * place (same inode), it moves a name while the instance runs.
	 */
	char hosts[512];
	/* workers the test killed on purpose (instance_expect_worker_death) */
	int deaths_expected;
	/* its SHUTDOWN_GRACE_SECONDS (instance_spawn): how long it drains */
	int grace_s;
};

/*
 * A scratch directory with conf/bee_customers.conf copied from the
 * repository: unchanged when from is NULL, else with the line containing
 * from dropped (to NULL) or that text replaced by to. Picks a free port.
 */
void instance_prepare(struct instance *, const char *from, const char *to);
/*
 * Starts kore (-fnr) in its own process group with the sanitizer runtimes
 * preloaded. env is NULL or a NULL-terminated list of name, value pairs
 * set after the defaults (HOST, PORT, WORKERS=1, UPLOAD_DIR).
 */
void instance_spawn(struct instance *, const char *const *env);
/*
 * Waits until it answers GET /healthcheck (15 s at most; fails with its
 * kore.err if it exits), then points this test's HTTP client at it
 * (BEE_HOST, BEE_PORT).
 */
void instance_wait_ready(struct instance *);
/* instance_prepare(no change), instance_spawn, instance_wait_ready. */
void instance_start(struct instance *, const char *const *env);
/*
 * instance_start on the database at db_url with RABBITMQ_URL a loopback
 * port nobody listens on: its publisher parks every event (Redis
 * failed_events), as when the broker is away.
 */
void instance_start_without_broker(struct instance *, const char *db_url);
/* kore's exit status (128 + signal when killed), or -1 if still up at ms. */
int instance_wait_exit(struct instance *, int ms);
/*
 * SIGKILL to its process group (harmless when already stopped), then
 * instance_expect_clean: every test that stops its instance has its logs
 * checked. scripts/dev test scans the logs of every instance again, so
 * one that is never stopped is checked too. Under `scripts/dev coverage`
 * (BEE_E2E_GRACEFUL_STOP) a SIGTERM first, and the SIGKILL only after its
 * grace plus 10 s, as scripts/lib.sh's kore_stop_seconds.
 */
void instance_stop(struct instance *);
/*
 * Fails the test on a sanitizer report or seccomp kill in its output, or
 * on a worker that died (Kore respawns it, so nothing else would show it)
 * beyond those announced with instance_expect_worker_death.
 */
void instance_expect_clean(const struct instance *);
/* The pid of its (only) worker, 0 when it has none. */
pid_t instance_worker_pid(const struct instance *);
/* The pids of its workers (the parent's children), at most max of them. */
int instance_worker_pids(const struct instance *, pid_t *, int max);
/*
 * Waits (ms at most, else fails) until its worker, told to stop, waits in
 * its teardown for the outcome of the writes in flight: its main thread
 * blocks in poll(2) there, and nowhere else once serving (the loop waits
 * in epoll_wait). The worker waits so for 5 s at most.
 */
void instance_wait_worker_settling(const struct instance *, int ms);
/* The test is about to kill one of its workers: not a failure. */
void instance_expect_worker_death(struct instance *);
/* The start of one of its files as text, in a static buffer. */
const char *instance_file_text(const struct instance *, const char *);
/* 1 when a line of one of its files (kore.err, ...) matches an ERE. */
int instance_file_matches(const struct instance *, const char *, const char *);
/*
 * The same, waiting up to ms for the line: a worker writes its log lines
 * in batches, every 50 ms.
 */
int instance_wait_file_matches(const struct instance *, const char *,
    const char *, int ms);

/* A loopback TCP port nobody listens on at the time of the call. */
unsigned short instance_free_port(void);
/* LD_PRELOAD for the asan module: gcc's libasan and libubsan. */
void instance_preload(char *, size_t);
/* CLOCK_MONOTONIC in milliseconds, for deadlines and latencies. */
long instance_now_ms(void);

#endif
