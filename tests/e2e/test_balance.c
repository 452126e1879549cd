/*
 * Connections shared between the workers (src/http/balance.c): clients
 * that connect one at a time, as a proxy's pool grows or keep-alive
 * clients arrive, end up spread evenly over two workers. Kore 4.1 alone
 * gave them all to the worker holding its accept lock (40 of 40).
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "http.h"
#include "instance.h"

#define CONNECTIONS 40
#define WORKERS 2
/* BALANCE_SLACK, and one a worker may accept before its next tick */
#define SPREAD_MAX 2
#define PATH "/customers/00000000-0000-4000-8000-000000000000"

static int count_connections(pid_t, unsigned short);

Test(balance, connections_made_one_at_a_time_go_to_both_workers, .timeout = 60)
{
	static const char *const env[] = { "WORKERS", "2", NULL };
	struct instance in;
	struct http_conn *conns[CONNECTIONS];
	struct http_resp *r;
	pid_t pids[WORKERS];
	int counts[WORKERS], i, total;

	instance_start(&in, env);
	cr_assert_eq(instance_worker_pids(&in, pids, WORKERS), WORKERS,
	    "the instance does not run two workers");
	/* both past kore_worker_configure, on the board */
	usleep(300000);
	for (i = 0; i < CONNECTIONS; i++) {
		/* kept alive, after its answer (401: no token) */
		conns[i] = http_conn_open();
		r = http_conn_req(conns[i], "GET", PATH, NULL, NULL, 0);
		cr_assert_eq(r->status, 401, "connection %d: %d", i, r->status);
		http_resp_free(r);
		/* one at a time, as a proxy's pool grows: a tick apart */
		usleep(50000);
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
		http_conn_close(conns[i]);
	instance_stop(&in);
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
