/*
 * Dependency probes. Host names are resolved once in the parent (the
 * sandboxed workers cannot run the resolver); each worker then keeps one
 * non-blocking connect in flight per dependency and reads its outcome on
 * the next tick, so a probe never blocks the loop.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>

#include "deps.h"
#include "settings.h"

#define PROBE_INTERVAL_MS 1000

struct probe {
	int enabled;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char ip[INET6_ADDRSTRLEN];
	int fd;
	int up;
};

static struct probe probes[DEP_COUNT];

static int resolve(struct probe *, const struct endpoint *, char *, size_t,
    const char *);
static void probe_tick(void *, u_int64_t);
static void probe_collect(struct probe *);
static void probe_launch(struct probe *);

int
deps_resolve(char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < DEP_COUNT; i++)
		probes[i].fd = -1;
	if (resolve(&probes[DEP_POSTGRES], &settings.database, err, errlen,
		"DATABASE_URL") == -1)
		return (-1);
	if (resolve(&probes[DEP_RABBITMQ], &settings.rabbitmq, err, errlen,
		"RABBITMQ_URL") == -1)
		return (-1);
	if (*settings.redis_url != '\0' &&
	    resolve(&probes[DEP_REDIS], &settings.redis, err, errlen,
		"REDIS_URL") == -1)
		return (-1);
	return (0);
}

/*
 * A name that does not resolve yet (a container starting) is not fatal:
 * the dependency shows as down and libpq resolves it when it connects.
 */
static int
resolve(struct probe *p, const struct endpoint *ep, char *err, size_t errlen,
    const char *name)
{
	struct addrinfo hints, *res;
	int rc;

	p->enabled = 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(ep->host, ep->port, &hints, &res);
	if (rc != 0) {
		(void)snprintf(err, errlen, "%s: cannot resolve %s: %s", name,
		    ep->host, gai_strerror(rc));
		kore_log(LOG_NOTICE, "%s", err);
		return (0);
	}
	memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
	p->addrlen = res->ai_addrlen;
	if (getnameinfo(res->ai_addr, res->ai_addrlen, p->ip, sizeof(p->ip),
		NULL, 0, NI_NUMERICHOST) != 0)
		p->ip[0] = '\0';
	freeaddrinfo(res);
	return (0);
}

const char *
deps_address(enum dep d)
{
	return (probes[d].ip);
}

void
deps_start(void)
{
	size_t i;

	struct pollfd pfd;

	/* Before serving: a first answer within 200 ms, so /ready is true. */
	for (i = 0; i < DEP_COUNT; i++) {
		probes[i].fd = -1;
		probe_launch(&probes[i]);
		if (probes[i].fd == -1)
			continue;
		pfd.fd = probes[i].fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, 200);
		probe_collect(&probes[i]);
	}
	(void)kore_timer_add(probe_tick, PROBE_INTERVAL_MS, NULL, 0);
}

int
deps_up(enum dep d)
{
	return (probes[d].up);
}

int
deps_enabled(enum dep d)
{
	return (probes[d].enabled);
}

static void
probe_tick(void *arg, u_int64_t now)
{
	size_t i;

	(void)arg;
	(void)now;
	for (i = 0; i < DEP_COUNT; i++) {
		probe_collect(&probes[i]);
		probe_launch(&probes[i]);
	}
}

/* The connect started a tick ago: up if it completed without error. */
static void
probe_collect(struct probe *p)
{
	struct pollfd pfd;
	socklen_t len;
	int soerr;

	if (p->fd == -1)
		return;
	pfd.fd = p->fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	soerr = -1;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT)) {
		len = sizeof(soerr);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			soerr = -1;
	}
	p->up = soerr == 0;
	(void)close(p->fd);
	p->fd = -1;
}

static void
probe_launch(struct probe *p)
{
	int fd;

	if (!p->enabled || p->addrlen == 0)
		return;
	fd = socket(p->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	if (connect(fd, (struct sockaddr *)&p->addr, p->addrlen) == 0) {
		p->up = 1;
		(void)close(fd);
		return;
	}
	if (errno != EINPROGRESS) {
		p->up = 0;
		(void)close(fd);
		return;
	}
	p->fd = fd;
}
