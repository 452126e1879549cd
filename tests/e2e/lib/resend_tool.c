/*
 * A child process of the test: its output lands in an unlinked temporary
 * file, read back once it has exited, so that nothing is left behind
 * however the test ends.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "resend_tool.h"

int
resend_tool(const char *key, const char *const *env, const char *arg, char *out,
    size_t outlen)
{
	char path[] = "/tmp/resend-out.XXXXXX";
	pid_t pid;
	int fd, status, i;
	ssize_t n;

	fd = mkstemp(path);
	cr_assert_neq(fd, -1);
	(void)unlink(path);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (key != NULL)
			(void)setenv("FAILED_EVENTS_KEY", key, 1);
		for (i = 0; env != NULL && env[i] != NULL; i += 2)
			(void)setenv(env[i], env[i + 1], 1);
		execl("scripts/resend-failed-events", "resend-failed-events",
		    arg, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	(void)lseek(fd, 0, SEEK_SET);
	n = read(fd, out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}
