/*
 * GET /metrics and the per-worker upkeep of the shared store (metrics.h):
 * each worker writes its resident set size once a second, so a scrape
 * answers from memory and never reads another process.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "infra/deps.h"
#include "infra/metrics.h"
#include "http/reply.h"
#include "http/route.h"

#define RSS_EVERY_MS 1000
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int h_metrics(struct http_request *);

static void rss_tick(void *, u_int64_t);
static uint64_t rss_bytes(void);
static int dep_state(enum dep);

void
metrics_worker_start(void)
{
	rss_tick(NULL, 0);
	(void)kore_timer_add(rss_tick, RSS_EVERY_MS, NULL, 0);
}

int
h_metrics(struct http_request *req)
{
	struct ctx *c;
	int deps[METRIC_DEPS];
	char *text;
	size_t len;

	if (!route_begin(req, "/metrics", HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	deps[METRIC_DEP_POSTGRES] = db_up();
	deps[METRIC_DEP_RABBITMQ] = dep_state(DEP_RABBITMQ);
	deps[METRIC_DEP_REDIS] = dep_state(DEP_REDIS);
	if ((text = metrics_render(deps, &len)) == NULL)
		return (reply_detail(req, 500, "Internal Server Error"));
	(void)reply_body(req, 200, CONTENT_TYPE, text, len);
	free(text);
	return (KORE_RESULT_OK);
}

/* 1 up, 0 down, -1 not configured (then not rendered). */
static int
dep_state(enum dep d)
{
	if (!deps_enabled(d))
		return (-1);
	return (deps_up(d) ? 1 : 0);
}

static void
rss_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	metrics_rss(worker->id, rss_bytes());
}

/* The second field of /proc/self/statm, in pages. */
static uint64_t
rss_bytes(void)
{
	char buf[128], *p, *end;
	unsigned long long pages;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	if ((p = strchr(buf, ' ')) == NULL)
		return (0);
	pages = strtoull(p + 1, &end, 10);
	if (end == p + 1)
		return (0);
	return ((uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE));
}
