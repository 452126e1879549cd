/* Scratch databases for one test (see scratch.h). */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "scratch.h"
#include "uuid4.h"

/* scripts/migrate against url, its output discarded. */
static void
migrate(const char *url)
{
	pid_t pid;
	int status, fd;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd != -1) {
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
		}
		(void)setenv("DATABASE_URL", url, 1);
		execl("scripts/migrate", "scripts/migrate", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "scripts/migrate failed");
}

PGconn *
scratch_db(const char *prefix, char *url, size_t len, char *name,
    size_t namelen)
{
	const char *base = env_database_url();
	const char *slash;
	char cmd[256], hex[UUID_STR_LEN];
	PGconn *c;
	PGresult *r;

	uuid4(hex);
	snprintf(name, namelen, "%s%.8s%.4s", prefix, hex, hex + 9);
	slash = strrchr(base, '/');
	cr_assert_not_null(slash);
	snprintf(url, len, "%.*s/%s", (int)(slash - base), base, name);
	c = PQconnectdb(base);
	cr_assert_eq(PQstatus(c), CONNECTION_OK);
	snprintf(cmd, sizeof(cmd), "CREATE DATABASE %s", name);
	r = PQexec(c, cmd);
	cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s",
	    PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	migrate(url);
	c = PQconnectdb(url);
	cr_assert_eq(PQstatus(c), CONNECTION_OK);
	return (c);
}

void
scratch_drop(PGconn *c, const char *name)
{
	char cmd[256];

	PQfinish(c);
	c = PQconnectdb(env_database_url());
	snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    name);
	PQclear(PQexec(c, cmd));
	PQfinish(c);
}
