/*
 * Connections shared between the workers (src/http/balance.c): clients
 * that connect one at a time, as a proxy's pool grows or keep-alive
 * clients arrive, end up spread evenly over two workers. Kore 4.1 alone
 * gave them all to the worker holding its accept lock (40 of 40).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "instance.h"

#define CONNECTIONS 40
#define WORKERS 2
/* BALANCE_SLACK, and one a worker may accept before its count is seen */
#define SPREAD_MAX 2
#define REQ \
	"GET /customers/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\n" \
	"Host: balance\r\n\r\n"

static int connect_and_ask(unsigned short);
static int worker_pids(const struct instance *, pid_t *, int);
static int count_connections(pid_t, unsigned short);

Test(balance, connections_made_one_at_a_time_go_to_both_workers, .timeout = 60)
{
	static const char *const env[] = { "WORKERS", "2", NULL };
	struct instance in;
	pid_t pids[WORKERS];
	int fds[CONNECTIONS], counts[WORKERS], i, total;

	instance_start(&in, env);
	cr_assert_eq(worker_pids(&in, pids, WORKERS), WORKERS,
	    "the instance does not run two workers");
	for (i = 0; i < CONNECTIONS; i++) {
		fds[i] = connect_and_ask(in.port);
		cr_assert_geq(fds[i], 0, "connection %d got no answer", i);
		/* one at a time, as a proxy's pool grows */
		usleep(20000);
	}
	total = 0;
	for (i = 0; i < WORKERS; i++) {
		counts[i] = count_connections(pids[i], in.port);
		total += counts[i];
	}
	cr_assert_eq(total, CONNECTIONS, "found %d of the %d connections",
	    total, CONNECTIONS);
	for (i = 0; i < WORKERS; i++) {
		cr_expect(abs(counts[i] - CONNECTIONS / WORKERS) <= SPREAD_MAX,
		    "worker %d holds %d of %d connections (%d and %d)", i,
		    counts[i], CONNECTIONS, counts[0], counts[1]);
	}
	for (i = 0; i < CONNECTIONS; i++)
		(void)close(fds[i]);
	instance_stop(&in);
}

/* A kept-alive connection that had its answer (401: no token), or -1. */
static int
connect_and_ask(unsigned short port)
{
	struct sockaddr_in sin;
	struct timeval tv;
	char buf[2048];
	ssize_t n;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    send(fd, REQ, strlen(REQ), MSG_NOSIGNAL) != (ssize_t)strlen(REQ) ||
	    (n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0) {
		(void)close(fd);
		return (-1);
	}
	buf[n] = '\0';
	if (strncmp(buf, "HTTP/1.1 401 ", 13) != 0) {
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* The children of kore's parent: its workers. */
static int
worker_pids(const struct instance *in, pid_t *pids, int max)
{
	char path[128], buf[256], *p, *end;
	FILE *f;
	long pid;
	int n;

	(void)snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
	    (int)in->pid, (int)in->pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	p = fgets(buf, sizeof(buf), f);
	(void)fclose(f);
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

/*
 * The sockets among pid's descriptors that are established connections
 * to 127.0.0.1:port (/proc/net/tcp: local address, state 01, inode).
 */
static int
count_connections(pid_t pid, unsigned short port)
{
	unsigned long inodes[256], inode;
	char path[128], line[512], link[64], local[32], *field[10], *save;
	struct dirent *e;
	int n, count, i, k;
	ssize_t len;
	FILE *f;
	DIR *d;

	(void)snprintf(local, sizeof(local), "0100007F:%04X", port);
	cr_assert_not_null(f = fopen("/proc/net/tcp", "r"));
	n = 0;
	while (fgets(line, sizeof(line), f) != NULL && n < 256) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		save = NULL;
		for (k = 0; k < 10; k++) {
			field[k] = strtok_r(k == 0 ? line : NULL, " \n", &save);
			if (field[k] == NULL)
				break;
		}
		if (k == 10 && strcmp(field[1], local) == 0 &&
		    strcmp(field[3], "01") == 0)
			inodes[n++] = strtoul(field[9], NULL, 10);
	}
	(void)fclose(f);
	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	cr_assert_not_null(d = opendir(path));
	count = 0;
	while ((e = readdir(d)) != NULL) {
		(void)snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid,
		    e->d_name);
		if ((len = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		inode = strtoul(link + 8, NULL, 10);
		for (i = 0; i < n; i++) {
			if (inodes[i] == inode)
				count++;
		}
	}
	(void)closedir(d);
	return (count);
}
