/*
 * The Grafana dashboard (monitoring/grafana/dashboards/bee-customers.json)
 * finds its data by metric name, and a name the service does not expose
 * only shows as an empty panel. Every metric its PromQL selects must be a
 * series of GET /metrics, once the service has answered a counted request.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "http.h"
#include "token.h"

#define DASHBOARD "monitoring/grafana/dashboards/bee-customers.json"
#define MAX_NAMES 64

static int name_char(int, int);
static void add_name(char **, size_t *, const char *, size_t);
static void expr_names(const char *, char **, size_t *);
static void panel_names(json_t *, char **, size_t *);
static int exposed(const char *, const char *);

static int
name_char(int c, int first)
{
	if (isalpha(c) || c == '_' || c == ':')
		return (1);
	return (!first && isdigit(c));
}

static void
add_name(char **names, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len))
			return;
	cr_assert_lt(*n, MAX_NAMES, "more metric names than expected");
	names[(*n)++] = strndup(s, len);
}

/*
 * A metric selector in the dashboard is always `name{...}`: an identifier
 * right before a brace. Label matchers and strings inside braces or quotes
 * are skipped. `up` is Prometheus' own series, not the service's.
 */
static void
expr_names(const char *e, char **names, size_t *n)
{
	const char *p, *start;
	int depth = 0, quoted = 0;

	for (p = e; *p != '\0'; p++) {
		if (quoted) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quoted = 0;
			continue;
		}
		if (*p == '"') {
			quoted = 1;
			continue;
		}
		if (*p == '{' || *p == '}') {
			depth += *p == '{' ? 1 : -1;
			continue;
		}
		if (depth > 0 || !name_char((unsigned char)*p, 1) ||
		    (p > e && name_char((unsigned char)p[-1], 0)))
			continue;
		start = p;
		while (name_char((unsigned char)p[1], 0))
			p++;
		if (p[1] == '{' &&
		    !(p - start == 1 && !strncmp(start, "up", 2)))
			add_name(names, n, start, (size_t)(p - start + 1));
	}
}

static void
panel_names(json_t *panels, char **names, size_t *n)
{
	json_t *panel, *target;
	size_t i, j;
	const char *expr;

	json_array_foreach(panels, i, panel) {
		panel_names(json_object_get(panel, "panels"), names, n);
		json_array_foreach(json_object_get(panel, "targets"), j,
		    target) {
			expr =
			    json_string_value(json_object_get(target, "expr"));
			if (expr != NULL)
				expr_names(expr, names, n);
		}
	}
}

/* A sample line of the exposition starts with the name, then `{` or ` `. */
static int
exposed(const char *text, const char *name)
{
	const char *line = text;
	size_t len = strlen(name);

	while (line != NULL && *line != '\0') {
		if (*line != '#' && !strncmp(line, name, len) &&
		    (line[len] == '{' || line[len] == ' '))
			return (1);
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return (0);
}

Test(dashboard, metric_names_exposed, .timeout = 30)
{
	char *names[MAX_NAMES], *tok;
	size_t n = 0, i, missing = 0;
	json_error_t err;
	json_t *dash;
	struct http_resp *r;

	dash = json_load_file(DASHBOARD, 0, &err);
	cr_assert_not_null(dash, "%s: %s (line %d)", DASHBOARD, err.text,
	    err.line);
	panel_names(json_object_get(dash, "panels"), names, &n);
	json_decref(dash);
	/* the contract's names: requests, latency, sizes, events, limits, ... */
	cr_assert_geq(n, 14, "only %zu metric names found in %s", n, DASHBOARD);

	/* a counted request (probes and scrapes are not), for the series
	 * that exist per handler */
	tok = tok_superadmin();
	r = http_req_tok("GET",
	    "/customers/00000000-0000-4000-8000-000000000001", tok, NULL);
	cr_assert_eq(r->status, 404);
	http_resp_free(r);
	free(tok);

	r = http_req("GET", "/metrics", NULL, NULL, 0);
	cr_assert_eq(r->status, 200);
	for (i = 0; i < n; i++) {
		if (!exposed(r->body, names[i])) {
			cr_log_error(
			    "%s uses %s, which /metrics does not expose",
			    DASHBOARD, names[i]);
			missing++;
		}
		free(names[i]);
	}
	http_resp_free(r);
	cr_assert_eq(missing, 0,
	    "%zu dashboard metric(s) missing from /metrics", missing);
}
