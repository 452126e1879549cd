/*
 * The route table (route_table.h) and its look-ups. The rows' order is the
 * order of the metrics' output; the config's order (first match wins) is
 * the config's own concern, checked at start-up (service.c).
 */
#include <string.h>

#include "model/route_table.h"

/* clang-format off */
static const struct route_spec rows[] = {
	/*
	 * { handler, template,
	 *     methods, token, probe, file }
	 */
	{ "h_root", "/",
	    "GET", 0, 0, "src/api/health.c" },
	{ "h_health", "/health",
	    "GET", 0, 1, "src/api/health.c" },
	{ "h_ready", "/ready",
	    "GET", 0, 1, "src/api/health.c" },
	{ "h_metrics", "/metrics",
	    "GET", 0, 1, "src/api/metrics_http.c" },
	{ "h_customers", "/customers",
	    "GET, POST", 1, 0, "src/api/customers.c" },
	{ "h_customer", "/customers/{customer_id}",
	    "GET, PATCH, DELETE", 1, 0, "src/api/customers.c" },
	{ "h_avatar", "/customers/{customer_id}/avatar",
	    "POST", 1, 0, "src/api/avatar.c" },
	{ "h_tags", "/customers/{customer_id}/tags",
	    "GET, POST", 1, 0, "src/api/tags.c" },
	{ "h_tag", "/customers/{customer_id}/tags/{tag_id}",
	    "DELETE", 1, 0, "src/api/tags.c" },
	{ "h_notes", "/customers/{customer_id}/notes",
	    "GET, POST", 1, 0, "src/api/notes.c" },
	{ "h_note", "/customers/{customer_id}/notes/{note_id}",
	    "DELETE", 1, 0, "src/api/notes.c" },
	{ "h_stats", "/customers/{customer_id}/stats",
	    "GET", 1, 0, "src/api/stats.c" },
	{ "h_orders", "/customers/{customer_id}/orders",
	    "GET", 1, 0, "src/api/history.c" },
	{ "h_appointments", "/customers/{customer_id}/appointments",
	    "GET", 1, 0, "src/api/history.c" },
	{ "h_export", "/customers/{customer_id}/export",
	    "GET", 1, 0, "src/api/gdpr.c" },
	{ "h_gdpr_export", "/gdpr/export",
	    "POST", 1, 0, "src/api/gdpr.c" },
	{ "h_gdpr_delete", "/gdpr/delete",
	    "POST", 1, 0, "src/api/gdpr_delete.c" },
	/* the original's three tag routes: one handler, one regex */
	{ "h_tags_legacy", "/customers/tags",
	    "POST", 1, 0, "src/api/tags_legacy.c" },
	{ "h_tags_legacy", "/customers/tags/customer/{customer_id}",
	    "GET", 1, 0, "src/api/tags_legacy.c" },
	{ "h_tags_legacy", "/customers/tags/{tag_id}",
	    "DELETE", 1, 0, "src/api/tags_legacy.c" },
	{ "h_upload_file", "/uploads/{file}",
	    "GET", 0, 0, "src/api/uploads.c" },
	{ "h_openapi", "/openapi.json",
	    "GET", 0, 0, "src/api/docs.c" },
	{ "h_docs", "/docs",
	    "GET", 0, 0, "src/api/docs.c" },
	{ "h_docs_oauth2_redirect", "/docs/oauth2-redirect",
	    "GET", 0, 0, "src/api/docs.c" },
	{ "h_docs_asset", "/docs/assets/{file}",
	    "GET", 0, 0, "src/api/docs.c" },
	{ "h_redoc", "/redoc",
	    "GET", 0, 0, "src/api/docs.c" },
	/* the catch-all: any method, a JSON 404 */
	{ "h_not_found", "unmatched",
	    NULL, 0, 0, "src/api/health.c" },
};
/* clang-format on */

_Static_assert(sizeof(rows) / sizeof(rows[0]) == ROUTE_SPECS,
    "ROUTE_SPECS must be the number of rows");

const struct route_spec *const route_specs = rows;

static const char *segment(const char *, size_t *);

const struct route_spec *
route_spec_of(const char *handler, const char *path)
{
	const struct route_spec *first = NULL;
	size_t i;

	if (handler == NULL)
		return (NULL);
	for (i = 0; i < ROUTE_SPECS; i++) {
		if (strcmp(route_specs[i].handler, handler) != 0)
			continue;
		if (first == NULL)
			first = &route_specs[i];
		if (path != NULL && route_matches(route_specs[i].path, path))
			return (&route_specs[i]);
	}
	return (first);
}

int
route_matches(const char *tmpl, const char *path)
{
	const char *t, *p;
	size_t tn, pn;

	if (!strncmp(path, "/api/", 5) || !strcmp(path, "/api"))
		path += 4;
	for (;;) {
		t = segment(tmpl, &tn);
		p = segment(path, &pn);
		if (t == NULL || p == NULL)
			return (t == NULL && p == NULL);
		if (!(tn > 2 && t[0] == '{' && t[tn - 1] == '}') &&
		    (tn != pn || strncmp(t, p, tn) != 0))
			return (0);
		tmpl = t + tn;
		path = p + pn;
	}
}

int
route_allows(const struct route_spec *r, const char *method)
{
	const char *s;
	size_t n;

	if (r->allow == NULL)
		return (1);
	if (!strcmp(method, "HEAD"))
		method = "GET";
	if ((n = strlen(method)) == 0)
		return (0);
	for (s = r->allow; (s = strstr(s, method)) != NULL; s += n) {
		if ((s == r->allow || s[-1] == ' ') &&
		    (s[n] == '\0' || s[n] == ','))
			return (1);
	}
	return (0);
}

int
route_example(const struct route_spec *r, char *buf, size_t len)
{
	const char *s;
	size_t n = 0;

	if (r->path[0] != '/' || len == 0)
		return (-1);
	for (s = r->path; *s != '\0'; s++) {
		if (n + 1 >= len)
			return (-1);
		if (*s == '{') {
			buf[n++] = 'x';
			if ((s = strchr(s, '}')) == NULL)
				return (-1);
			continue;
		}
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return (0);
}

/* The next segment of s, its length in *len; NULL at the end. */
static const char *
segment(const char *s, size_t *len)
{
	while (*s == '/')
		s++;
	if (*s == '\0')
		return (NULL);
	*len = strcspn(s, "/");
	return (s);
}
