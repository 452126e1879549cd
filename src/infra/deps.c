/*
 * Dependency probes. Host names are resolved in the parent (resolve.c:
 * the sandboxed workers cannot run the resolver); each worker keeps one
 * non-blocking connect in flight per dependency, to its current address,
 * and reads its outcome on the next tick, so a probe never blocks the
 * loop. A failed probe asks the parent to resolve the name again, and a
 * new answer is logged: a dependency that moved is followed within about
 * a second. Each node of a RabbitMQ list is probed on its own, and
 * RabbitMQ is up while any of them answers.
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

#include "infra/deps.h"
#include "infra/log.h"
#include "infra/resolve.h"
#include "infra/settings.h"

#define PROBE_INTERVAL_MS 1000

struct probe {
	int enabled;
	unsigned int generation; /* of the address last logged */
	int fd;
	int up;
};

static struct probe probes[DEP_COUNT];
static const char *const dep_names[DEP_RABBITMQ_MORE] = { "PostgreSQL",
	"RabbitMQ", "Redis" };

static const char *dep_name(enum dep);
static void notice_unresolved(enum dep, const struct resolved *);
static void probe_tick(void *, u_int64_t);
static void probe_collect(enum dep);
static void probe_launch(enum dep);
static void log_address(enum dep);

int
deps_resolve(char *err, size_t errlen)
{
	const struct endpoint *eps[DEP_COUNT];
	struct resolved r;
	size_t i;

	memset(eps, 0, sizeof(eps));
	eps[DEP_POSTGRES] = &settings.database;
	for (i = 0; i < settings.rabbitmq_nodes; i++)
		eps[DEP_RABBITMQ_NODE(i)] = &settings.rabbitmq[i];
	eps[DEP_REDIS] = *settings.redis_url != '\0' ? &settings.redis : NULL;
	for (i = 0; i < DEP_COUNT; i++) {
		probes[i].fd = -1;
		probes[i].enabled = eps[i] != NULL;
	}
	if (resolve_init(eps, err, errlen) == -1)
		return (-1);
	/* not fatal: a container starting; resolved again on demand */
	for (i = 0; i < DEP_COUNT; i++) {
		resolve_get((enum dep)i, &r);
		if (probes[i].enabled && !r.ok)
			notice_unresolved((enum dep)i, &r);
	}
	return (0);
}

static const char *
dep_name(enum dep d)
{
	return (d < DEP_RABBITMQ_MORE ? dep_names[d] : "RabbitMQ");
}

static void
notice_unresolved(enum dep d, const struct resolved *r)
{
	kore_log(LOG_NOTICE,
	    "%s host %s does not resolve (%s): tried again "
	    "when a connection fails",
	    dep_name(d), resolve_host(d), r->error);
}

/*
 * The current address, in a buffer of the calling thread's for each
 * dependency (task threads ask too): valid until its next call for d.
 */
const char *
deps_address(enum dep d)
{
	static __thread char ip[DEP_COUNT][INET6_ADDRSTRLEN];
	struct resolved r;

	resolve_get(d, &r);
	(void)snprintf(ip[d], sizeof(ip[d]), "%s", r.ok ? r.ip : "");
	return (ip[d]);
}

void
deps_start(void)
{
	size_t i;

	struct pollfd pfd;

	/* Before serving: a first answer within 200 ms, so /ready is true. */
	for (i = 0; i < DEP_COUNT; i++) {
		probes[i].fd = -1;
		probes[i].generation = 1; /* the start-up answer, logged */
		probe_launch((enum dep)i);
		if (probes[i].fd == -1)
			continue;
		pfd.fd = probes[i].fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, 200);
		probe_collect((enum dep)i);
	}
	(void)kore_timer_add(probe_tick, PROBE_INTERVAL_MS, NULL, 0);
}

/* RabbitMQ is up when any of its nodes answers. */
int
deps_up(enum dep d)
{
	size_t i;

	if (d != DEP_RABBITMQ)
		return (probes[d].up);
	for (i = 0; i < settings.rabbitmq_nodes; i++)
		if (probes[DEP_RABBITMQ_NODE(i)].up)
			return (1);
	return (0);
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
		probe_collect((enum dep)i);
		probe_launch((enum dep)i);
	}
}

/* The connect started a tick ago: up if it completed without error. */
static void
probe_collect(enum dep d)
{
	struct probe *p = &probes[d];
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
	if (!p->up)
		resolve_again(d);
}

static void
probe_launch(enum dep d)
{
	struct probe *p = &probes[d];
	struct resolved r;
	int fd;

	if (!p->enabled)
		return;
	log_address(d);
	resolve_get(d, &r);
	if (!r.ok) {
		p->up = 0;
		resolve_again(d);
		return;
	}
	fd = socket(r.addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	if (connect(fd, (struct sockaddr *)&r.addr, r.addrlen) == 0) {
		p->up = 1;
		(void)close(fd);
		return;
	}
	if (errno != EINPROGRESS) {
		p->up = 0;
		(void)close(fd);
		resolve_again(d);
		return;
	}
	p->fd = fd;
}

/* Once per worker and change: where d is now, or why it is nowhere. */
static void
log_address(enum dep d)
{
	struct resolved r;
	char msg[512];

	resolve_get(d, &r);
	if (r.generation == probes[d].generation)
		return;
	probes[d].generation = r.generation;
	if (r.ok)
		(void)snprintf(msg, sizeof(msg), "%s host %s resolves to %s",
		    dep_name(d), resolve_host(d), r.ip);
	else
		(void)snprintf(msg, sizeof(msg),
		    "%s host %s does not resolve: %s", dep_name(d),
		    resolve_host(d), r.error);
	if (r.ok)
		log_info(NULL, msg);
	else
		log_error(NULL, msg);
}
