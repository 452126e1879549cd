/*
 * Log forwarding (design.md section 7, issue 6).
 *
 * Each worker forwards its own lines: log_write hands every finished line
 * to on_line (log_set_hook), which copies it into this worker's bounded
 * queue (src/infra/logq.c: LOGQ_LINES lines or LOGQ_BYTES bytes; the oldest go
 * first and are counted). No shared state across workers, and no line
 * travels between processes.
 *
 * Who sends: one Kore task thread per worker, started here and never
 * returning, so it holds one of the worker's task_threads for good
 * (worker 1 also runs the outbox publisher's: the config has
 * task_threads 3 so one stays free). Kore is built without curl (no
 * kore/curl.h integration with the event loop), so libcurl's blocking
 * easy interface runs in that thread: a slow, failing or unreachable log
 * service blocks only the thread, never the worker's loop. The loop's
 * only cost is a memcpy and a mutex that the thread holds for
 * microseconds (never during I/O); when the thread falls behind, the
 * queue drops its oldest lines, so memory stays bounded.
 *
 * Batches: up to BATCH_LINES lines, or whatever arrived within
 * BATCH_WAIT_MS of the first line waiting, as one JSON array
 * ("[line,line]", Content-Type: application/json). A POST has CONNECT_MS
 * to connect and TOTAL_MS in all; any failure or non-2xx answer drops the
 * batch (counted, no retry: a retry would only delay newer lines behind
 * a service that is down), and the next attempt waits FAIL_PAUSE_MS.
 * One easy handle is reused, so the connection is kept alive.
 *
 * Host names: the sandboxed worker cannot run the resolver, so the parent
 * resolves the URL's host at start-up and curl gets it through
 * CURLOPT_RESOLVE (the name still serves Host and TLS). Proxies from the
 * environment are ignored for the same reason.
 *
 * The thread never calls log.c (not thread-safe): it counts, and a timer
 * on the worker's loop writes "log forwarding failing" at most every
 * WARN_EVERY_MS while batches or lines are being lost. That warning is
 * not forwarded itself (the service it is about is the one failing).
 */
#include <sys/types.h>

#include <arpa/inet.h>

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <kore/kore.h>
#include <kore/tasks.h>

#include "infra/log.h"
#include "infra/logfwd.h"
#include "infra/logq.h"
#include "infra/metrics.h"
#include "infra/monotime.h"
#include "infra/settings.h"

#define LOGQ_LINES 10000
#define LOGQ_BYTES (4 * 1024 * 1024)
#define BATCH_LINES 100
#define BATCH_WAIT_MS 1000
#define CONNECT_MS 1000
#define TOTAL_MS 2000
#define FAIL_PAUSE_MS 1000
#define WARN_TICK_MS 1000
#define WARN_EVERY_MS 10000

static char resolve_entry[320]; /* "host:port:address", or "" */

static struct kore_task task;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct logq queue; /* under lock */
static long long first_ms; /* under lock: when the oldest line came */
static char last_error[CURL_ERROR_SIZE]; /* under lock */
static atomic_uint_least64_t batches_failed, lines_failed;
static int warning; /* the loop is writing its own warning */

static void on_line(const char *, size_t);
static int run(struct kore_task *);
static size_t wait_batch(struct logq_batch *);
static int post(CURL *, const struct logq_batch *, char *);
static size_t discard(char *, size_t, size_t, void *);
static void warn_tick(void *, u_int64_t);

int
logfwd_init(char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	struct endpoint ep;
	unsigned char bin[sizeof(struct in6_addr)];
	char ip[INET6_ADDRSTRLEN];
	int rc, https;

	if (settings.log_service_url == NULL)
		return (0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		(void)snprintf(err, errlen, "LOG_SERVICE_URL: libcurl failed");
		return (-1);
	}
	https = strncmp(settings.log_service_url, "https://", 8) == 0;
	if (settings_url_endpoint(settings.log_service_url,
		https ? "443" : "80", &ep) == -1) {
		(void)snprintf(err, errlen, "LOG_SERVICE_URL: not a URL");
		return (-1);
	}
	if (inet_pton(AF_INET, ep.host, bin) == 1 ||
	    inet_pton(AF_INET6, ep.host, bin) == 1 || ep.host[0] == '[')
		return (0);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(ep.host, ep.port, &hints, &res)) != 0) {
		/* not fatal: forwarding fails (and says so), requests work */
		kore_log(LOG_NOTICE, "LOG_SERVICE_URL: cannot resolve %s: %s",
		    ep.host, gai_strerror(rc));
		return (0);
	}
	if (getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof(ip), NULL, 0,
		NI_NUMERICHOST) == 0)
		(void)snprintf(resolve_entry, sizeof(resolve_entry),
		    res->ai_family == AF_INET6 ? "%s:%s:[%s]" : "%s:%s:%s",
		    ep.host, ep.port, ip);
	freeaddrinfo(res);
	return (0);
}

void
logfwd_start(void)
{
	pthread_condattr_t attr;

	if (settings.log_service_url == NULL)
		return;
	if (logq_init(&queue, LOGQ_LINES, LOGQ_BYTES) == -1) {
		log_error(NULL, "log forwarding off: out of memory");
		return;
	}
	(void)pthread_condattr_init(&attr);
	(void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&wake, &attr);
	(void)pthread_condattr_destroy(&attr);
	log_set_hook(on_line);
	kore_task_create(&task, run);
	kore_task_run(&task);
	(void)kore_timer_add(warn_tick, WARN_TICK_MS, NULL, 0);
}

uint64_t
logfwd_dropped(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = queue.dropped;
	pthread_mutex_unlock(&lock);
	return (n + atomic_load(&lines_failed));
}

/* Loop side (log_write): queue the line; wake the thread when it waits. */
static void
on_line(const char *line, size_t len)
{
	if (warning)
		return;
	pthread_mutex_lock(&lock);
	if (queue.count == 0)
		first_ms = monotime_ms();
	metrics_add(METRIC_LOG_FORWARD_DROPPED, logq_push(&queue, line, len));
	if (queue.count == 1 || queue.count == BATCH_LINES)
		(void)pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

static int
run(struct kore_task *t)
{
	struct logq_line lines[BATCH_LINES];
	struct logq_batch b;
	struct curl_slist *resolve;
	char error[CURL_ERROR_SIZE];
	CURL *curl;

	(void)t;
	resolve = NULL;
	if (resolve_entry[0] != '\0')
		resolve = curl_slist_append(NULL, resolve_entry);
	curl = NULL;
	b.lines = lines;
	b.count = 0;
	for (;;) {
		if (wait_batch(&b) == 0)
			continue;
		if (curl == NULL && (curl = curl_easy_init()) != NULL)
			(void)curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
		error[0] = '\0';
		if (curl == NULL || post(curl, &b, error) == -1) {
			atomic_fetch_add(&batches_failed, 1);
			atomic_fetch_add(&lines_failed, b.count);
			metrics_add(METRIC_LOG_FORWARD_DROPPED, b.count);
			pthread_mutex_lock(&lock);
			(void)snprintf(last_error, sizeof(last_error), "%s",
			    curl == NULL ? "curl_easy_init failed" : error);
			pthread_mutex_unlock(&lock);
			logq_batch_clear(&b);
			(void)poll(NULL, 0, FAIL_PAUSE_MS);
			continue;
		}
		logq_batch_clear(&b);
	}
	/* NOTREACHED */
	return (KORE_RESULT_OK);
}

/* Thread side: waits for BATCH_LINES lines or BATCH_WAIT_MS, takes them. */
static size_t
wait_batch(struct logq_batch *b)
{
	struct timespec until;
	long long deadline;

	pthread_mutex_lock(&lock);
	while (queue.count == 0)
		(void)pthread_cond_wait(&wake, &lock);
	deadline = first_ms + BATCH_WAIT_MS;
	while (queue.count > 0 && queue.count < BATCH_LINES &&
	    monotime_ms() < deadline) {
		until.tv_sec = deadline / 1000;
		until.tv_nsec = (deadline % 1000) * 1000000;
		(void)pthread_cond_timedwait(&wake, &lock, &until);
	}
	(void)logq_take(&queue, b, BATCH_LINES);
	/* what stays waits from now on */
	first_ms = monotime_ms();
	pthread_mutex_unlock(&lock);
	return (b->count);
}

/* One POST of the batch as a JSON array: 0 on a 2xx answer, else -1. */
static int
post(CURL *curl, const struct logq_batch *b, char *error)
{
	struct curl_slist *headers;
	CURLcode rc;
	long status;
	size_t len;
	char *body;

	if ((body = logq_batch_json(b, &len)) == NULL) {
		(void)snprintf(error, CURL_ERROR_SIZE, "out of memory");
		return (-1);
	}
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* no 100-continue round trip: the service answers or not */
	headers = curl_slist_append(headers, "Expect:");
	(void)curl_easy_setopt(curl, CURLOPT_URL, settings.log_service_url);
	(void)curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_PROXY, "");
	(void)curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)CONNECT_MS);
	(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)TOTAL_MS);
	(void)curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	(void)curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	(void)curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	(void)curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	(void)curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
	rc = curl_easy_perform(curl);
	status = 0;
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else if (error[0] == '\0')
		(void)snprintf(error, CURL_ERROR_SIZE, "%s",
		    curl_easy_strerror(rc));
	if (rc == CURLE_OK && (status < 200 || status > 299))
		(void)snprintf(error, CURL_ERROR_SIZE, "HTTP status %ld",
		    status);
	(void)curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	free(body);
	return (rc == CURLE_OK && status >= 200 && status <= 299 ? 0 : -1);
}

static size_t
discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return (size * n);
}

/* Loop side: a warning while lines are lost, at most every WARN_EVERY_MS. */
static void
warn_tick(void *arg, u_int64_t now)
{
	static uint64_t reported;
	static long long last_ms;
	struct log_field f[3];
	char error[CURL_ERROR_SIZE];
	uint64_t batches, dropped;
	long long ms;

	(void)arg;
	(void)now;
	ms = monotime_ms();
	dropped = logfwd_dropped();
	if (dropped == reported ||
	    (last_ms != 0 && ms - last_ms < WARN_EVERY_MS))
		return;
	batches = atomic_load(&batches_failed);
	pthread_mutex_lock(&lock);
	(void)snprintf(error, sizeof(error), "%s", last_error);
	pthread_mutex_unlock(&lock);
	memset(f, 0, sizeof(f));
	f[0].key = "log_forward_dropped";
	f[0].num = (long long)dropped;
	f[1].key = "batches_failed";
	f[1].num = (long long)batches;
	f[2].key = "error";
	f[2].str = error;
	warning = 1;
	log_write(LOG_LEVEL_WARNING, NULL, "log forwarding failing", f,
	    error[0] != '\0' ? 3 : 2);
	warning = 0;
	reported = dropped;
	last_ms = ms;
}
