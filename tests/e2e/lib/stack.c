/*
 * Private stacks for one test (see stack.h): scripts/stack and
 * scripts/migrate run as child processes, their output appended to one
 * log that failures quote.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stack.h"

#define STACK_SCRIPT "scripts/stack"
#define MIGRATE_SCRIPT "scripts/migrate"
#define MAX_ARGS 8

static int run(const struct stack *, const char *const *);
static void run_ok(const struct stack *, const char *const *);
static const char *log_tail(const struct stack *);
static void reaper_start(struct stack *, const char *);
static void env_load(const struct stack *, int);

/*
 * argv[0] with its arguments, output to the log; its exit status (128 +
 * signal when killed). The child only calls async-signal-safe functions:
 * the test may have threads by then.
 */
static int
run(const struct stack *s, const char *const *argv)
{
	pid_t pid;
	int fd, null, status;

	fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(fd != -1, "%s: %s", s->log, strerror(errno));
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(null != -1);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		(void)dup2(null, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		/* daemons must not keep the test's pipes and sockets open */
		(void)close_range(3, ~0U, 0);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd);
	close(null);
	cr_assert(waitpid(pid, &status, 0) == pid);
	return (
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void
run_ok(const struct stack *s, const char *const *argv)
{
	int rc;

	rc = run(s, argv);
	cr_assert(rc == 0, "%s %s exited %d; %s ends with:\n%s", argv[0],
	    argv[1] != NULL ? argv[1] : "", rc, s->log, log_tail(s));
}

/* The last 2 KiB of the log, in a static buffer. */
static const char *
log_tail(const struct stack *s)
{
	static char text[2048];
	FILE *fp;
	long size;
	size_t n;

	text[0] = '\0';
	if ((fp = fopen(s->log, "r")) == NULL)
		return (text);
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > 0)
		(void)fseek(fp,
		    size > (long)sizeof(text) - 1 ?
			size - (long)sizeof(text) + 1 :
			0,
		    SEEK_SET);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return (text);
}

/*
 * A process of its own session that waits for EOF on a pipe whose write
 * end only this process holds (close-on-exec, so neither Kore nor the
 * servers inherit it), then runs `scripts/stack reset`: on stack_reset,
 * and also when a failed assertion or a timeout ends the test first.
 */
static void
reaper_start(struct stack *s, const char *script)
{
	char c;
	ssize_t n;
	pid_t pid;
	int fds[2], fd, null;

	cr_assert(pipe2(fds, O_CLOEXEC) == 0);
	fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(fd != -1 && null != -1);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		(void)setsid();
		(void)dup2(null, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		(void)dup2(fds[0], 3);
		(void)close_range(4, ~0U, 0);
		do {
			n = read(3, &c, 1);
		} while (n > 0 || (n == -1 && errno == EINTR));
		execl(script, script, "reset", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	close(fd);
	close(null);
	s->reaper = pid;
	s->reaper_fd = fds[1];
}

/* DATABASE_URL, REDIS_URL, RABBITMQ_URL from the stack's env file. */
static void
env_load(const struct stack *s, int with_redis)
{
	char path[300], line[512], *eq;
	FILE *fp;
	int found;

	snprintf(path, sizeof(path), "%s/env", s->dir);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	found = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		if (!strcmp(line, "REDIS_URL") && !with_redis)
			continue;
		if (!strcmp(line, "DATABASE_URL") ||
		    !strcmp(line, "REDIS_URL") ||
		    !strcmp(line, "RABBITMQ_URL")) {
			cr_assert(setenv(line, eq + 1, 1) == 0);
			found++;
		}
	}
	fclose(fp);
	cr_assert_eq(found, with_redis ? 3 : 2, "%s: URLs missing", path);
	/* empty: the service and the tools leave Redis alone */
	if (!with_redis)
		cr_assert(setenv("REDIS_URL", "", 1) == 0);
}

void
stack_start(struct stack *s, const char *servers)
{
	const char *e2e, *argv[MAX_ARGS + 3];
	char parent[200], script[PATH_MAX], names[128], *name, *save;
	size_t n;

	e2e = getenv("BEE_E2E_DIR");
	cr_assert(e2e != NULL && *e2e != '\0',
	    "BEE_E2E_DIR must name the directory of the module under test");
	cr_assert_not_null(realpath(STACK_SCRIPT, script),
	    "run the e2e tests from the repository root");
	snprintf(parent, sizeof(parent), "%s/stack.XXXXXX", e2e);
	cr_assert_not_null(mkdtemp(parent));
	/* the postgres and rabbitmq users must enter it (else: /tmp) */
	cr_assert(chmod(parent, 0755) == 0);
	snprintf(s->dir, sizeof(s->dir), "%s/s", parent);
	snprintf(s->log, sizeof(s->log), "%s/stack.log", parent);
	cr_assert(setenv("STACK_DIR", s->dir, 1) == 0);
	reaper_start(s, script);

	snprintf(names, sizeof(names), "%s", servers);
	argv[0] = STACK_SCRIPT;
	argv[1] = "start";
	n = 2;
	for (name = strtok_r(names, " ", &save); name != NULL;
	     name = strtok_r(NULL, " ", &save)) {
		cr_assert(n < MAX_ARGS + 2, "too many servers");
		argv[n++] = name;
	}
	argv[n] = NULL;
	run_ok(s, argv);
	env_load(s, *servers == '\0' || strstr(servers, "redis") != NULL);
	if (*servers == '\0' || strstr(servers, "postgres") != NULL) {
		argv[0] = MIGRATE_SCRIPT;
		argv[1] = NULL;
		run_ok(s, argv);
	}
}

void
stack_ctl(struct stack *s, const char *verb, const char *server)
{
	const char *argv[] = { STACK_SCRIPT, verb, server, NULL };

	run_ok(s, argv);
}

void
stack_reset(struct stack *s)
{
	int status;

	if (s->reaper <= 0)
		return;
	close(s->reaper_fd);
	cr_assert(waitpid(s->reaper, &status, 0) == s->reaper);
	s->reaper = -1;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "scripts/stack reset failed; %s ends with:\n%s", s->log,
	    log_tail(s));
}
