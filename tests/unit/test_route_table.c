/*
 * route_table.c: the table every route fact comes from, its look-ups, and
 * its agreement with the config (conf/bee_customers.conf) and with the
 * files that define the handlers. Run from the repository root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/route_table.h"

#define CONF "conf/bee_customers.conf"

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
	NULL };

static char *file_text(const char *);
static int known_method(const char *, size_t);

static char *
file_text(const char *path)
{
	FILE *fp;
	char *text;
	long n;

	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s: run from the repository root", path);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	cr_assert_geq(n = ftell(fp), 0);
	rewind(fp);
	cr_assert_not_null(text = malloc((size_t)n + 1));
	cr_assert_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	(void)fclose(fp);
	return (text);
}

static int
known_method(const char *s, size_t n)
{
	size_t i;

	for (i = 0; methods[i] != NULL; i++) {
		if (strlen(methods[i]) == n && !strncmp(methods[i], s, n))
			return (1);
	}
	return (0);
}

Test(route_table, every_template_is_unique)
{
	size_t i, j;

	for (i = 0; i < ROUTE_SPECS; i++) {
		for (j = i + 1; j < ROUTE_SPECS; j++)
			cr_expect_str_neq(route_specs[i].path,
			    route_specs[j].path, "rows %zu and %zu", i, j);
	}
}

/* "GET, POST": known names, each once, ", " between; HEAD comes with GET. */
Test(route_table, methods_are_valid_allow_values)
{
	const struct route_spec *r;
	const char *s, *seen[8];
	size_t i, k, n, count;

	for (i = 0; i < ROUTE_SPECS; i++) {
		r = &route_specs[i];
		if (r->allow == NULL) {
			cr_expect_neq(r->path[0], '/', "%s answers any method",
			    r->path);
			continue;
		}
		count = 0;
		for (s = r->allow;; s += n + 2) {
			n = strcspn(s, ",");
			cr_expect(known_method(s, n), "%s: Allow \"%s\"",
			    r->path, r->allow);
			for (k = 0; k < count; k++)
				cr_expect(strncmp(seen[k], s, n) != 0 ||
					seen[k][n] != ',' && seen[k][n] != '\0',
				    "%s: twice in \"%s\"", r->path, r->allow);
			cr_assert_lt(count, sizeof(seen) / sizeof(seen[0]));
			seen[count++] = s;
			if (s[n] == '\0')
				break;
			cr_assert_eq(s[n + 1], ' ', "%s: Allow \"%s\"", r->path,
			    r->allow);
		}
	}
}

Test(route_table, allows_whole_names_and_head_with_get)
{
	const struct route_spec *one, *stats;

	one = route_spec_of("h_customer", NULL);
	cr_assert_not_null(one);
	cr_expect(route_allows(one, "GET"));
	cr_expect(route_allows(one, "HEAD"));
	cr_expect(route_allows(one, "PATCH"));
	cr_expect(route_allows(one, "DELETE"));
	cr_expect(!route_allows(one, "PUT"));
	cr_expect(!route_allows(one, "POST"));
	cr_expect(!route_allows(one, "ATCH"));
	cr_expect(!route_allows(one, "DEL"));
	cr_expect(!route_allows(one, "OPTIONS"));
	cr_expect(!route_allows(one, ""));
	stats = route_spec_of("h_gdpr_export", NULL);
	cr_assert_not_null(stats);
	cr_expect(!route_allows(stats, "HEAD"));
	cr_expect(route_allows(route_spec_of("h_not_found", NULL), "PUT"));
}

Test(route_table, probes_need_no_token)
{
	size_t i;

	for (i = 0; i < ROUTE_SPECS; i++)
		cr_expect(!(route_specs[i].probe && route_specs[i].token), "%s",
		    route_specs[i].path);
}

Test(route_table, templates_match_paths_by_segment)
{
	const char *t = "/customers/{customer_id}/tags/{tag_id}";

	cr_expect(route_matches(t, "/customers/a/tags/b"));
	cr_expect(route_matches(t, "/api/customers/a/tags/b/"));
	cr_expect(!route_matches(t, "/customers/a/tags"));
	cr_expect(!route_matches(t, "/customers/a/tags/b/c"));
	cr_expect(!route_matches(t, "/customers/a/notes/b"));
	cr_expect(!route_matches(t, "/apix/customers/a/tags/b"));
	cr_expect(!route_matches("/customers", "/customersx"));
	cr_expect(route_matches("/", "/"));
	cr_expect(!route_matches("/", "/x"));
}

/* Each path row is found again from its handler and an example path. */
Test(route_table, every_row_is_found_from_its_paths)
{
	const struct route_spec *r;
	char path[256], slash[260];
	size_t i;

	for (i = 0; i < ROUTE_SPECS; i++) {
		r = &route_specs[i];
		if (r->path[0] != '/') {
			cr_expect_eq(route_example(r, path, sizeof(path)), -1);
			cr_expect_eq(route_spec_of(r->handler, "/x"), r);
			continue;
		}
		cr_assert_eq(route_example(r, path, sizeof(path)), 0, "%s",
		    r->path);
		cr_expect(route_matches(r->path, path), "%s", path);
		cr_expect_eq(route_spec_of(r->handler, path), r, "%s", path);
		(void)snprintf(slash, sizeof(slash), "/api%s/", path);
		cr_expect_eq(route_spec_of(r->handler, slash), r, "%s", slash);
	}
	cr_expect_eq(route_example(&route_specs[0], path, 1), -1);
}

/* The templates of requests refused before their handler (ctx_get). */
Test(route_table, templates_of_requests_refused_before_their_handler)
{
	cr_expect_str_eq(route_spec_of("h_customer", "/x")->path,
	    "/customers/{customer_id}");
	cr_expect_str_eq(route_spec_of("h_tags_legacy", "/api/customers/tags/")
			     ->path,
	    "/customers/tags");
	cr_expect_str_eq(route_spec_of("h_tags_legacy",
			     "/customers/tags/customer/abc")
			     ->path,
	    "/customers/tags/customer/{customer_id}");
	cr_expect_str_eq(route_spec_of("h_tags_legacy", "/customers/tags/abc")
			     ->path,
	    "/customers/tags/{tag_id}");
	cr_expect_str_eq(route_spec_of("h_docs_asset", "/x")->path,
	    "/docs/assets/{file}");
	cr_expect_null(route_spec_of("h_nothing", "/"));
	cr_expect_null(route_spec_of(NULL, "/"));
}

/* Its file defines the handler, as a newcomer following the table expects. */
Test(route_table, every_handler_is_defined_in_its_file)
{
	const struct route_spec *r;
	char def[128];
	char *text;
	size_t i;

	for (i = 0; i < ROUTE_SPECS; i++) {
		r = &route_specs[i];
		text = file_text(r->file);
		(void)snprintf(def, sizeof(def),
		    "\nint\n%s(struct http_request *req)\n{", r->handler);
		cr_expect_not_null(strstr(text, def), "%s does not define %s",
		    r->file, r->handler);
		free(text);
	}
}

/*
 * Every route line of the config names a handler of the table, behind the
 * jwt block exactly when its row needs a token, and the last comment line
 * above its group of route lines names the handler's file; every handler
 * of the table has a route line.
 */
Test(route_table, the_config_routes_every_handler_and_names_its_file)
{
	const struct route_spec *r;
	char *text, *line, *save, path[512], func[64], auth[64];
	const char *comment = "";
	int routed[ROUTE_SPECS] = { 0 };
	size_t i, lines = 0;

	text = file_text(CONF);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (*line == '#') {
			comment = line;
			continue;
		}
		if (strncmp(line, "route", 5) != 0 ||
		    (line[5] != ' ' && line[5] != '\t')) {
			comment = "";
			continue;
		}
		lines++;
		auth[0] = '\0';
		cr_assert_geq(sscanf(line + 5, "%511s %63s %63s", path, func,
				  auth),
		    2, "%s", line);
		r = route_spec_of(func, NULL);
		cr_assert_not_null(r, "%s: %s is not in the route table", path,
		    func);
		cr_expect_eq(r->token, !strcmp(auth, "jwt"), "%s %s %s", path,
		    func, auth);
		cr_expect_not_null(strstr(comment, r->file),
		    "the comment line above `route %s %s` does not name %s",
		    path, func, r->file);
		for (i = 0; i < ROUTE_SPECS; i++) {
			if (!strcmp(route_specs[i].handler, func))
				routed[i] = 1;
		}
	}
	cr_expect_gt(lines, 0);
	for (i = 0; i < ROUTE_SPECS; i++)
		cr_expect(routed[i], "no route line names %s",
		    route_specs[i].handler);
	free(text);
}
