/*
 * The shared metrics store and its Prometheus text rendering (metrics.h).
 * Every cell is a fixed slot (route x method x status), so no worker ever
 * allocates or locks in shared memory: a slot is found by table lookups
 * and bumped with an atomic add.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/metrics.h"

struct route_label {
	const char *route; /* the label: the template of the route */
	const char *func; /* its handler, when that has one template */
	int probe; /* a scrape or a probe: not counted */
};

static const struct route_label routes[] = {
	{ "/", "h_root", 0 },
	{ "/health", "h_health", 1 },
	{ "/ready", "h_ready", 1 },
	{ "/metrics", "h_metrics", 1 },
	{ "/customers", "h_customers", 0 },
	{ "/customers/{customer_id}", "h_customer", 0 },
	{ "/customers/{customer_id}/avatar", "h_avatar", 0 },
	{ "/customers/{customer_id}/tags", "h_tags", 0 },
	{ "/customers/{customer_id}/tags/{tag_id}", "h_tag", 0 },
	{ "/customers/{customer_id}/notes", "h_notes", 0 },
	{ "/customers/{customer_id}/notes/{note_id}", "h_note", 0 },
	{ "/customers/{customer_id}/stats", "h_stats", 0 },
	{ "/customers/{customer_id}/orders", "h_orders", 0 },
	{ "/customers/{customer_id}/appointments", "h_appointments", 0 },
	{ "/customers/{customer_id}/export", "h_export", 0 },
	{ "/gdpr/export", "h_gdpr_export", 0 },
	{ "/gdpr/delete", "h_gdpr_delete", 0 },
	/* h_tags_legacy: three templates, told apart by the path */
	{ "/customers/tags", NULL, 0 },
	{ "/customers/tags/customer/{customer_id}", NULL, 0 },
	{ "/customers/tags/{tag_id}", NULL, 0 },
	{ "/uploads/{file}", "h_upload_file", 0 },
	{ "/openapi.json", "h_openapi", 0 },
	{ "/docs", "h_docs", 0 },
	{ "/docs/oauth2-redirect", "h_docs_oauth2_redirect", 0 },
	{ "/docs/assets/{file}", "h_docs_asset", 0 },
	{ "/redoc", "h_redoc", 0 },
	{ "unmatched", "h_not_found", 0 },
	/* a template this table does not know yet: counted, not lost */
	{ "other", NULL, 0 },
};
#define ROUTES (sizeof(routes) / sizeof(routes[0]))
#define ROUTE_OTHER ((int)ROUTES - 1)

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
	"DELETE", "OPTIONS", "OTHER" };
#define METHODS (sizeof(methods) / sizeof(methods[0]))

/* The registered HTTP status codes (RFC 9110 and extensions), ascending. */
static const short statuses[] = { 100, 101, 102, 103, 200, 201, 202, 203, 204,
	205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
	401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414,
	415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
	500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511 };
#define STATUSES (sizeof(statuses) / sizeof(statuses[0]))

/* Upper bounds of the duration histogram, in microseconds; then +Inf. */
static const uint64_t bounds_us[] = { 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000 };
#define BOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))

/* byte sums, and the count both size summaries share */
enum size_slot { REQ_SUM, RESP_SUM, SIZE_COUNT, SIZE_SLOTS };

struct store {
	uint64_t requests[ROUTES][METHODS][STATUSES];
	uint64_t other_status[ROUTES][METHODS]; /* an unregistered code */
	uint64_t buckets[ROUTES][METHODS][BOUNDS + 1]; /* not cumulative */
	uint64_t duration_us[ROUTES][METHODS];
	uint64_t sizes[ROUTES][SIZE_SLOTS];
	uint64_t counters[METRIC_COUNTERS];
	int64_t gauges[METRIC_GAUGES];
	uint64_t rss[METRICS_WORKERS];
};

static struct store *store;

static int method_index(const char *);
static int status_index(int);
static void add(uint64_t *, uint64_t);
static uint64_t get(const uint64_t *);
static void render_requests(FILE *, const struct store *);
static void render_durations(FILE *, const struct store *);
static void render_sizes(FILE *, const struct store *, const char *,
    const char *, enum size_slot);
static void render_gauge(FILE *, const char *, const char *, int64_t);
static void render_counter(FILE *, const char *, const char *, uint64_t);

int
metrics_init(void)
{
	void *p;
	int g;

	if (store != NULL)
		return (0);
	p = mmap(NULL, sizeof(*store), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	store = p;
	for (g = 0; g < METRIC_GAUGES; g++)
		store->gauges[g] = -1; /* unknown until first measured */
	return (0);
}

void
metrics_reset(void)
{
	if (store != NULL)
		(void)munmap(store, sizeof(*store));
	store = NULL;
}

int
metrics_route_index(const char *route)
{
	size_t i;

	for (i = 0; i < ROUTES - 1; i++) {
		if (!strcmp(routes[i].route, route))
			return ((int)i);
	}
	return (-1);
}

const char *
metrics_route_of_handler(const char *func, const char *path)
{
	size_t i, n;

	if (func == NULL)
		return (NULL);
	if (!strcmp(func, "h_tags_legacy") && path != NULL) {
		if (!strncmp(path, "/api/", 5))
			path += 4;
		n = strlen(path);
		if (n > 0 && path[n - 1] == '/')
			n--;
		if (n == strlen("/customers/tags"))
			return ("/customers/tags");
		if (!strncmp(path, "/customers/tags/customer/", 25))
			return ("/customers/tags/customer/{customer_id}");
		return ("/customers/tags/{tag_id}");
	}
	for (i = 0; i < ROUTES; i++) {
		if (routes[i].func != NULL && !strcmp(routes[i].func, func))
			return (routes[i].route);
	}
	return (NULL);
}

void
metrics_request(const char *route, const char *method, int status,
    uint64_t duration_us, size_t request_bytes, size_t response_bytes)
{
	int r, m, s;
	size_t b;

	if (store == NULL)
		return;
	if ((r = metrics_route_index(route)) == -1)
		r = ROUTE_OTHER;
	if (routes[r].probe)
		return;
	m = method_index(method);
	if ((s = status_index(status)) == -1)
		add(&store->other_status[r][m], 1);
	else
		add(&store->requests[r][m][s], 1);
	for (b = 0; b < BOUNDS && duration_us > bounds_us[b]; b++)
		;
	add(&store->buckets[r][m][b], 1);
	add(&store->duration_us[r][m], duration_us);
	add(&store->sizes[r][REQ_SUM], request_bytes);
	add(&store->sizes[r][RESP_SUM], response_bytes);
	add(&store->sizes[r][SIZE_COUNT], 1);
}

void
metrics_add(enum metric_counter m, uint64_t n)
{
	if (store != NULL && n > 0)
		add(&store->counters[m], n);
}

void
metrics_gauge(enum metric_gauge g, int64_t value)
{
	if (store != NULL)
		__atomic_store_n(&store->gauges[g], value, __ATOMIC_RELAXED);
}

void
metrics_rss(unsigned int worker_id, uint64_t bytes)
{
	if (store != NULL && worker_id < METRICS_WORKERS)
		__atomic_store_n(&store->rss[worker_id], bytes,
		    __ATOMIC_RELAXED);
}

char *
metrics_render(const int deps_up[METRIC_DEPS], size_t *len)
{
	static const char *const dep_names[METRIC_DEPS] = { "postgres",
		"rabbitmq", "redis" };
	const struct store *s;
	struct store *zero;
	FILE *f;
	char *out;
	uint64_t rss;
	size_t i;
	int d;

	out = NULL;
	*len = 0;
	zero = NULL;
	if ((s = store) == NULL) {
		/* not initialised (a test, a tool): everything 0, unknown */
		if ((zero = calloc(1, sizeof(*zero))) == NULL)
			return (NULL);
		zero->gauges[METRIC_OUTBOX_PENDING] = -1;
		zero->gauges[METRIC_FAILED_EVENTS] = -1;
		s = zero;
	}
	if ((f = open_memstream(&out, len)) == NULL) {
		free(zero);
		return (NULL);
	}
	render_requests(f, s);
	render_durations(f, s);
	render_sizes(f, s, "http_request_size_bytes",
	    "Sizes of request bodies (Content-Length).", REQ_SUM);
	render_sizes(f, s, "http_response_size_bytes",
	    "Sizes of response bodies.", RESP_SUM);
	render_gauge(f, "outbox_pending",
	    "Outbox events not yet confirmed by the broker (NaN: unknown).",
	    __atomic_load_n(&s->gauges[METRIC_OUTBOX_PENDING],
		__ATOMIC_RELAXED));
	render_gauge(f, "failed_events_length",
	    "Items in the Redis list failed_events (NaN: unknown).",
	    __atomic_load_n(&s->gauges[METRIC_FAILED_EVENTS],
		__ATOMIC_RELAXED));
	render_counter(f, "amqp_returns_total",
	    "Events the broker returned as unroutable.",
	    get(&s->counters[METRIC_AMQP_RETURNS]));
	render_counter(f, "log_forward_dropped_total",
	    "Log lines the forwarder dropped (queue full or delivery failed).",
	    get(&s->counters[METRIC_LOG_FORWARD_DROPPED]));
	render_counter(f, "log_lines_dropped_total",
	    "Log lines dropped because stderr could not take them.",
	    get(&s->counters[METRIC_LOG_LINES_DROPPED]));
	render_counter(f, "rate_limited_total",
	    "Requests refused by the PATCH rate limit (429).",
	    get(&s->counters[METRIC_RATE_LIMITED]));

	(void)fputs("# HELP dependency_up Whether a dependency answers "
		    "(1) or not (0), as this worker last saw it.\n"
		    "# TYPE dependency_up gauge\n",
	    f);
	for (d = 0; d < METRIC_DEPS; d++) {
		if (deps_up[d] >= 0)
			(void)fprintf(f,
			    "dependency_up{dependency=\"%s\"} %d\n",
			    dep_names[d], deps_up[d] ? 1 : 0);
	}
	/* one series per process, as the name means; sum() for the service */
	(void)fputs("# HELP process_resident_memory_bytes Resident memory of "
		    "each worker process, in bytes.\n"
		    "# TYPE process_resident_memory_bytes gauge\n",
	    f);
	for (i = 0; i < METRICS_WORKERS; i++) {
		if ((rss = get(&s->rss[i])) != 0)
			(void)fprintf(f,
			    "process_resident_memory_bytes{worker=\"%zu\"} "
			    "%llu\n",
			    i, (unsigned long long)rss);
	}

	free(zero);
	/* a failed write (out of memory) must not pass as a short scrape */
	if (ferror(f)) {
		(void)fclose(f);
		free(out);
		return (NULL);
	}
	if (fclose(f) != 0) {
		free(out);
		return (NULL);
	}
	return (out);
}

static void
render_requests(FILE *f, const struct store *s)
{
	size_t r, m, k;
	uint64_t n;

	(void)fputs("# HELP http_requests_total Requests answered, by route "
		    "template, method and status code.\n"
		    "# TYPE http_requests_total counter\n",
	    f);
	for (r = 0; r < ROUTES; r++) {
		for (m = 0; m < METHODS; m++) {
			for (k = 0; k < STATUSES; k++) {
				if ((n = get(&s->requests[r][m][k])) == 0)
					continue;
				(void)fprintf(f,
				    "http_requests_total{handler=\"%s\","
				    "method=\"%s\",status=\"%d\"} %llu\n",
				    routes[r].route, methods[m], statuses[k],
				    (unsigned long long)n);
			}
			if ((n = get(&s->other_status[r][m])) != 0)
				(void)fprintf(f,
				    "http_requests_total{handler=\"%s\","
				    "method=\"%s\",status=\"other\"} %llu\n",
				    routes[r].route, methods[m],
				    (unsigned long long)n);
		}
	}
}

static void
render_durations(FILE *f, const struct store *s)
{
	size_t r, m, b;
	uint64_t n, total;

	(void)fputs("# HELP http_request_duration_seconds Time from the "
		    "first byte handled to the response queued.\n"
		    "# TYPE http_request_duration_seconds histogram\n",
	    f);
	for (r = 0; r < ROUTES; r++) {
		for (m = 0; m < METHODS; m++) {
			total = 0;
			for (b = 0; b <= BOUNDS; b++)
				total += get(&s->buckets[r][m][b]);
			if (total == 0)
				continue;
			n = 0;
			for (b = 0; b <= BOUNDS; b++) {
				n += get(&s->buckets[r][m][b]);
				if (b < BOUNDS)
					(void)fprintf(f,
					    "http_request_duration_seconds_"
					    "bucket{handler=\"%s\",method="
					    "\"%s\",le=\"%g\"} %llu\n",
					    routes[r].route, methods[m],
					    (double)bounds_us[b] / 1e6,
					    (unsigned long long)n);
				else
					(void)fprintf(f,
					    "http_request_duration_seconds_"
					    "bucket{handler=\"%s\",method="
					    "\"%s\",le=\"+Inf\"} %llu\n",
					    routes[r].route, methods[m],
					    (unsigned long long)n);
			}
			(void)fprintf(f,
			    "http_request_duration_seconds_sum{handler=\"%s\","
			    "method=\"%s\"} %.6f\n"
			    "http_request_duration_seconds_count{handler=\"%s\","
			    "method=\"%s\"} %llu\n",
			    routes[r].route, methods[m],
			    (double)get(&s->duration_us[r][m]) / 1e6,
			    routes[r].route, methods[m], (unsigned long long)n);
		}
	}
}

static void
render_sizes(FILE *f, const struct store *s, const char *name, const char *help,
    enum size_slot sum)
{
	size_t r;
	uint64_t n;

	(void)fprintf(f, "# HELP %s %s\n# TYPE %s summary\n", name, help, name);
	for (r = 0; r < ROUTES; r++) {
		if ((n = get(&s->sizes[r][SIZE_COUNT])) == 0)
			continue;
		(void)fprintf(f,
		    "%s_sum{handler=\"%s\"} %llu\n"
		    "%s_count{handler=\"%s\"} %llu\n",
		    name, routes[r].route,
		    (unsigned long long)get(&s->sizes[r][sum]), name,
		    routes[r].route, (unsigned long long)n);
	}
}

static void
render_gauge(FILE *f, const char *name, const char *help, int64_t v)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (v < 0)
		(void)fprintf(f, "%s NaN\n", name);
	else
		(void)fprintf(f, "%s %lld\n", name, (long long)v);
}

static void
render_counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name,
	    help, name, name, (unsigned long long)v);
}

static int
method_index(const char *method)
{
	size_t i;

	for (i = 0; i < METHODS - 1; i++) {
		if (!strcmp(methods[i], method))
			return ((int)i);
	}
	return ((int)METHODS - 1);
}

static int
status_index(int status)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = STATUSES;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (statuses[mid] == status)
			return ((int)mid);
		if (statuses[mid] < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

static void
add(uint64_t *p, uint64_t n)
{
	(void)__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return (__atomic_load_n(p, __ATOMIC_RELAXED));
}
