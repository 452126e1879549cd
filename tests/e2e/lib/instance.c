/*
 * Instances of the service for one test (see instance.h). Factored out of
 * test_lifecycle.c: the same scratch-directory layout and process handling.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "expect.h"
#include "http.h"
#include "instance.h"

#define CONF "conf/bee_customers.conf"
/* scripts/dev's list: sanitizer reports and sandbox kills. */
#define REPORT_RE \
	"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|" \
	"runtime error:|died from sandbox violation|seccomp violation"
/* Kore's line for a worker that exited abnormally (it then respawns it). */
#define WORKER_GONE_RE "worker [0-9]+ \\(pid: [0-9]+\\) \\(hdlr: .*\\) gone"
/* How many such deaths a test caused on purpose, for scripts/dev's scan. */
#define DEATHS_FILE "worker-deaths-expected"

static void remember_group(pid_t);
static void release_shm(pid_t);
static void forget_group(pid_t);
static void kill_groups(void);
static void conf_write(const char *, const char *, const char *);
static void command_line(const char *, const char *, char *, size_t);
static int private_hosts(const struct instance *);
static int grace_of(const char *const *);
static int listening(unsigned short);
static const char *file_line(const struct instance *, const char *,
    const char *);
static void expect_file_clean(const struct instance *, const char *);
static int file_count(const struct instance *, const char *, const char *,
    char *, size_t);

long
instance_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

unsigned short
instance_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	len = sizeof(sin);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

/* The repository's config, with `from` dropped (to NULL) or replaced. */
static void
conf_write(const char *path, const char *from, const char *to)
{
	FILE *in, *out;
	char line[1024], *hit;

	in = fopen(CONF, "r");
	cr_assert_not_null(in, "run the e2e tests from the repository root");
	out = fopen(path, "w");
	cr_assert_not_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		hit = from != NULL ? strstr(line, from) : NULL;
		if (hit != NULL && to == NULL)
			continue;
		if (hit != NULL) {
			fprintf(out, "%.*s%s%s", (int)(hit - line), line, to,
			    hit + strlen(from));
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	cr_assert(fclose(out) == 0);
}

void
instance_prepare(struct instance *in, const char *from, const char *to)
{
	const char *e2e;
	char path[512];

	e2e = getenv("BEE_E2E_DIR");
	cr_assert(e2e != NULL && *e2e != '\0',
	    "BEE_E2E_DIR must name the directory of the module under test");
	snprintf(in->dir, sizeof(in->dir), "%s/instance.XXXXXX", e2e);
	cr_assert_not_null(mkdtemp(in->dir));
	snprintf(path, sizeof(path), "%s/conf", in->dir);
	cr_assert(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/" CONF, in->dir);
	conf_write(path, from, to);
	snprintf(path, sizeof(path), "%s/bee_customers.so", in->dir);
	cr_assert(symlink("../bee_customers.so", path) == 0);
	in->port = instance_free_port();
	in->pid = -1;
	in->hosts[0] = '\0';
	in->deaths_expected = 0;
}

/*
 * In the child, before exec: in->hosts over /etc/hosts and "hosts: files"
 * over /etc/nsswitch.conf, seen by this process and its children only
 * (the test runs as root). 0, or -1.
 */
static int
private_hosts(const struct instance *in)
{
	char nss[600];
	FILE *fp;

	snprintf(nss, sizeof(nss), "%s/nsswitch.conf", in->dir);
	if ((fp = fopen(nss, "w")) == NULL)
		return (-1);
	fputs("hosts: files\n", fp);
	if (fclose(fp) != 0 || unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount(in->hosts, "/etc/hosts", NULL, MS_BIND, NULL) == -1 ||
	    mount(nss, "/etc/nsswitch.conf", NULL, MS_BIND, NULL) == -1)
		return (-1);
	return (0);
}

/* One line of a command's output (no shell involved). */
static void
command_line(const char *prog, const char *arg, char *out, size_t outlen)
{
	ssize_t n;
	size_t off;
	pid_t pid;
	int fds[2];

	cr_assert(pipe(fds) == 0);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	off = 0;
	while (off + 1 < outlen &&
	    (n = read(fds[0], out + off, outlen - off - 1)) > 0)
		off += (size_t)n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	out[off] = '\0';
	out[strcspn(out, "\n")] = '\0';
	cr_assert(out[0] == '/', "%s %s gave no path", prog, arg);
}

/* gcc's sanitizer runtimes: the module under test is the asan build. */
void
instance_preload(char *out, size_t outlen)
{
	char asan[512], ubsan[512];

	command_line("gcc", "-print-file-name=libasan.so", asan, sizeof(asan));
	command_line("gcc", "-print-file-name=libubsan.so", ubsan,
	    sizeof(ubsan));
	cr_assert((size_t)snprintf(out, outlen, "%s %s", asan, ubsan) < outlen);
}

void
instance_spawn(struct instance *in, const char *const *env)
{
	char port[16], preload[1200], out[512], err[512];
	size_t i;
	pid_t pid;

	snprintf(port, sizeof(port), "%u", in->port);
	instance_preload(preload, sizeof(preload));
	in->grace_s = grace_of(env);
	snprintf(out, sizeof(out), "%s/kore.out", in->dir);
	snprintf(err, sizeof(err), "%s/kore.err", in->dir);
	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		setpgid(0, 0);
		/* a test that fails half-way must not leave kore behind */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(in->dir) == -1 || freopen(out, "w", stdout) == NULL ||
		    freopen(err, "w", stderr) == NULL)
			_exit(120);
		if (in->hosts[0] != '\0' && private_hosts(in) == -1) {
			perror("private /etc/hosts");
			_exit(122);
		}
		setenv("HOST", "127.0.0.1", 1);
		setenv("PORT", port, 1);
		setenv("WORKERS", "1", 1);
		setenv("UPLOAD_DIR", "uploads", 1);
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		setenv("LD_PRELOAD", preload, 1);
		for (i = 0; env != NULL && env[i] != NULL; i += 2)
			setenv(env[i], env[i + 1], 1);
		execlp("kore", "kore", "-fnr", "-c", CONF, (char *)NULL);
		_exit(121);
	}
	setpgid(pid, pid);
	in->pid = pid;
	remember_group(pid);
}

int
instance_wait_exit(struct instance *in, int ms)
{
	long deadline;
	int status;
	pid_t r;

	deadline = instance_now_ms() + ms;
	do {
		r = waitpid(in->pid, &status, WNOHANG);
		if (r == in->pid) {
			in->pid = -1;
			return (WIFEXITED(status) ? WEXITSTATUS(status) :
						    128 + WTERMSIG(status));
		}
		usleep(20000);
	} while (instance_now_ms() < deadline);
	return (-1);
}

pid_t
instance_worker_pid(const struct instance *in)
{
	pid_t pid;

	return (instance_worker_pids(in, &pid, 1) == 1 ? pid : 0);
}

int
instance_worker_pids(const struct instance *in, pid_t *pids, int max)
{
	char path[128], buf[256], *p, *end;
	FILE *f;
	long pid;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)in->pid,
	    (int)in->pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	n = 0;
	while (p != NULL && n < max) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		pids[n++] = (pid_t)pid;
		p = end;
	}
	return (n);
}

void
instance_wait_worker_settling(const struct instance *in, int ms)
{
	char path[64], buf[256];
	long deadline;
	FILE *f;
	pid_t w;
	int in_poll;

	deadline = instance_now_ms() + ms;
	for (;;) {
		in_poll = 0;
		if ((w = instance_worker_pid(in)) > 0) {
			snprintf(path, sizeof(path), "/proc/%d/syscall",
			    (int)w);
			if ((f = fopen(path, "r")) != NULL) {
				in_poll = fgets(buf, sizeof(buf), f) != NULL &&
				    strtol(buf, NULL, 10) == SYS_poll;
				fclose(f);
			}
		}
		if (in_poll)
			return;
		cr_assert(instance_now_ms() < deadline,
		    "the worker did not wait for its writes within %d ms", ms);
		usleep(10000);
	}
}

static int
listening(unsigned short port)
{
	struct sockaddr_in sin;
	int fd, ok;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return (ok);
}

void
instance_wait_ready(struct instance *in)
{
	struct http_resp *r;
	char port[16];
	long deadline;

	snprintf(port, sizeof(port), "%u", in->port);
	setenv("BEE_PORT", port, 1);
	setenv("BEE_HOST", "127.0.0.1", 1);
	deadline = instance_now_ms() + 15000;
	while (!listening(in->port)) {
		cr_assert(waitpid(in->pid, NULL, WNOHANG) == 0,
		    "kore exited during start-up: %s",
		    instance_file_text(in, "kore.err"));
		cr_assert(instance_now_ms() < deadline,
		    "kore did not listen in 15 s");
		usleep(50000);
	}
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
}

void
instance_start(struct instance *in, const char *const *env)
{
	instance_prepare(in, NULL, NULL);
	instance_spawn(in, env);
	instance_wait_ready(in);
}

void
instance_start_without_broker(struct instance *in, const char *db_url)
{
	char dead[128];
	const char *env[] = { "DATABASE_URL", db_url, "RABBITMQ_URL", dead,
		NULL };

	(void)snprintf(dead, sizeof(dead), "amqp://guest:guest@127.0.0.1:%u/",
	    instance_free_port());
	instance_start(in, env);
}

/*
 * The SHUTDOWN_GRACE_SECONDS an instance runs with: env's, else the test's
 * environment's, else the service's default of 20.
 */
static int
grace_of(const char *const *env)
{
	const char *v;
	size_t i;
	long s;

	v = getenv("SHUTDOWN_GRACE_SECONDS");
	for (i = 0; env != NULL && env[i] != NULL; i += 2)
		if (!strcmp(env[i], "SHUTDOWN_GRACE_SECONDS"))
			v = env[i + 1];
	s = v != NULL ? strtol(v, NULL, 10) : 0;
	return (s > 0 && s <= 3600 ? (int)s : 20);
}

/*
 * SIGKILL: a test's instance has nothing to finish. Under `scripts/dev
 * coverage` (BEE_E2E_GRACEFUL_STOP) it is asked to stop first, so that its
 * processes write their coverage counters: it drains, so the SIGKILL
 * comes after its grace plus 10 s (a worker's 5 s wait for its writes,
 * the parent's reaping), as scripts/lib.sh waits for a Kore it stops.
 */
void
instance_stop(struct instance *in)
{
	long deadline;

	if (in->pid > 0) {
		if (getenv("BEE_E2E_GRACEFUL_STOP") != NULL &&
		    kill(-in->pid, SIGTERM) == 0) {
			deadline =
			    instance_now_ms() + (long)(in->grace_s + 10) * 1000;
			while (waitpid(in->pid, NULL, WNOHANG) == 0 &&
			    instance_now_ms() < deadline)
				usleep(20000);
		}
		kill(-in->pid, SIGKILL);
		waitpid(in->pid, NULL, 0);
		release_shm(in->pid);
		forget_group(in->pid);
		in->pid = -1;
	}
	instance_expect_clean(in);
}

void
instance_expect_worker_death(struct instance *in)
{
	char path[512];
	FILE *fp;

	in->deaths_expected++;
	snprintf(path, sizeof(path), "%s/" DEATHS_FILE, in->dir);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	fprintf(fp, "%d\n", in->deaths_expected);
	cr_assert(fclose(fp) == 0);
}

/*
 * A failed assertion ends the test before instance_stop: the parent dies
 * with the test (PR_SET_PDEATHSIG) but Kore's workers would outlive it,
 * so the test process kills every group it started when it exits.
 */
static pid_t groups[16];
static size_t ngroups;

static void
kill_groups(void)
{
	size_t i;

	for (i = 0; i < ngroups; i++) {
		(void)kill(-groups[i], SIGKILL);
		release_shm(groups[i]);
	}
}

/* A group instance_stop reaped: no kill at exit (its pgid may be reused). */
static void
forget_group(pid_t pgid)
{
	size_t i;

	for (i = 0; i < ngroups; i++) {
		if (groups[i] == pgid) {
			groups[i] = groups[--ngroups];
			return;
		}
	}
}

/*
 * Kore's parent makes a System V shared memory segment at start (its
 * workers' accept lock) and removes it only on a clean shutdown: each
 * killed instance left one behind, and after a few thousand (a day of
 * test runs on one machine) shmget failed with ENOSPC and no instance
 * started. Marks the segments the parent `pid` created for removal: the
 * kernel removes each once its last process (a worker still dying) has
 * let go of it.
 */
static void
release_shm(pid_t pid)
{
	struct shmid_ds ds;
	struct shm_info info;
	int i, max, id;

	max = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
	for (i = 0; i <= max; i++) {
		if ((id = shmctl(i, SHM_STAT, &ds)) == -1)
			continue;
		if (ds.shm_cpid == pid)
			(void)shmctl(id, IPC_RMID, NULL);
	}
}

static void
remember_group(pid_t pgid)
{
	static int registered; /* ngroups comes back to 0 (forget_group) */

	if (!registered)
		registered = atexit(kill_groups) == 0;
	if (ngroups < sizeof(groups) / sizeof(groups[0]))
		groups[ngroups++] = pgid;
}

/* The first line of a file that matches an extended regex, or NULL. */
static const char *
file_line(const struct instance *in, const char *name, const char *re)
{
	static char line[4096];
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", in->dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (str_matches(line, re)) {
			fclose(fp);
			return (line);
		}
	}
	fclose(fp);
	return (NULL);
}

static void
expect_file_clean(const struct instance *in, const char *name)
{
	const char *line;

	line = file_line(in, name, REPORT_RE);
	cr_assert(line == NULL, "report in %s/%s: %s", in->dir, name, line);
}

int
instance_file_matches(const struct instance *in, const char *name,
    const char *re)
{
	return (file_line(in, name, re) != NULL);
}

int
instance_wait_file_matches(const struct instance *in, const char *name,
    const char *re, int ms)
{
	long deadline;

	deadline = instance_now_ms() + ms;
	while (!instance_file_matches(in, name, re)) {
		if (instance_now_ms() >= deadline)
			return (0);
		(void)usleep(50000);
	}
	return (1);
}

/*
 * How many lines of a file match an extended regex; the first one in
 * first (when not NULL).
 */
static int
file_count(const struct instance *in, const char *name, const char *re,
    char *first, size_t firstlen)
{
	char path[512], line[4096];
	FILE *fp;
	int n;

	snprintf(path, sizeof(path), "%s/%s", in->dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (!str_matches(line, re))
			continue;
		if (n++ == 0 && first != NULL)
			snprintf(first, firstlen, "%s", line);
	}
	fclose(fp);
	return (n);
}

void
instance_expect_clean(const struct instance *in)
{
	char out[4096], err[4096];
	int n;

	expect_file_clean(in, "kore.out");
	expect_file_clean(in, "kore.err");
	out[0] = err[0] = '\0';
	n = file_count(in, "kore.out", WORKER_GONE_RE, out, sizeof(out)) +
	    file_count(in, "kore.err", WORKER_GONE_RE, err, sizeof(err));
	cr_assert(n <= in->deaths_expected,
	    "%d worker(s) of %s died (%d on purpose): %s%s", n, in->dir,
	    in->deaths_expected, out, err);
}

const char *
instance_file_text(const struct instance *in, const char *name)
{
	static char text[8192];
	char path[512];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", in->dir, name);
	text[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL)
		return (text);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return (text);
}
