/*
 * The OpenAPI document and its pages (src/api/docs.c): no token, security
 * headers, only the listed files of DOCS_ASSETS_DIR (no traversal, no
 * other file of the folder), and, in an instance of its own without the
 * files, the 503 pages that name the command, the title from SERVICE_NAME,
 * and the files found once installed, without a restart. The pages in a
 * browser and the document against real responses: tests/docs.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "expect.h"
#include "http.h"
#include "instance.h"

static void expect_page_headers(const struct http_resp *);
static void copy_file(const char *, const char *, const char *);
static long file_size(const char *, const char *);

static void
expect_page_headers(const struct http_resp *r)
{
	const char *csp;

	expect_module_headers(r);
	cr_expect_str_eq(http_hdr(r, "content-type"),
	    "text/html; charset=utf-8");
	cr_expect_str_eq(http_hdr(r, "x-content-type-options"), "nosniff");
	cr_expect_str_eq(http_hdr(r, "cache-control"), "no-cache");
	csp = http_hdr(r, "content-security-policy");
	cr_assert_not_null(csp);
	cr_expect_not_null(strstr(csp, "script-src 'self';"), "%s", csp);
	cr_expect_not_null(strstr(csp, "default-src 'none'"), "%s", csp);
	/* so the CSP holds: every script of the page is a file */
	cr_expect_null(strstr(r->body, "<script>"), "inline script: %s",
	    r->body);
}

static long
file_size(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return (stat(path, &st) == 0 ? (long)st.st_size : -1);
}

static void
copy_file(const char *from_dir, const char *to_dir, const char *name)
{
	char from[1024], to[1024];
	FILE *in, *out;
	char buf[65536];
	size_t n;

	snprintf(from, sizeof(from), "%s/%s", from_dir, name);
	snprintf(to, sizeof(to), "%s/%s", to_dir, name);
	cr_assert_not_null(in = fopen(from, "rb"), "%s", from);
	cr_assert_not_null(out = fopen(to, "wb"), "%s", to);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		cr_assert_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	cr_assert_eq(fclose(out), 0);
}

Test(docs, pages_without_a_token)
{
	static const char *pages[] = { "/docs", "/docs/", "/redoc",
		"/docs/oauth2-redirect", NULL };
	struct http_resp *r;
	const char **p;

	for (p = pages; *p != NULL; p++) {
		r = http_req("GET", *p, NULL, NULL, 0);
		expect_status(r, 200);
		expect_page_headers(r);
		cr_expect_not_null(strstr(r->body,
				       "<script src=\"/docs/assets/"),
		    "%s: %s", *p, r->body);
		http_resp_free(r);
	}
	r = http_req("GET", "/redoc", NULL, NULL, 0);
	cr_expect_not_null(
	    strstr(http_hdr(r, "content-security-policy"), "worker-src blob:"));
	http_resp_free(r);
}

Test(docs, head_and_other_methods)
{
	struct http_resp *r;

	r = http_req("HEAD", "/docs", NULL, NULL, 0);
	expect_status(r, 200);
	cr_expect_eq(r->body_len, 0);
	http_resp_free(r);
	r = http_req("POST", "/openapi.json", NULL, "{}", 2);
	expect_detail(r, 405, "Method Not Allowed");
	cr_expect_str_eq(http_hdr(r, "allow"), "GET");
	http_resp_free(r);
}

Test(docs, openapi_json)
{
	struct http_resp *r;
	json_t *doc;
	json_error_t err;

	r = http_req("GET", "/openapi.json", NULL, NULL, 0);
	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	cr_expect_str_eq(http_hdr(r, "x-content-type-options"), "nosniff");
	doc = json_loadb(r->body, r->body_len, 0, &err);
	cr_assert_not_null(doc, "%s", err.text);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "openapi")),
	    "3.1.0");
	cr_expect_str_eq(json_string_value(
			     json_object_get(json_object_get(doc, "info"),
				 "title")),
	    "BeeConect Customer Service");
	cr_expect_not_null(json_object_get(json_object_get(doc, "paths"),
	    "/customers/{customer_id}"));
	json_decref(doc);
	http_resp_free(r);
}

/* Each listed file, byte for byte, with its type and a day of caching. */
Test(docs, listed_files)
{
	static const struct {
		const char *name, *type;
	} files[] = {
		{ "swagger-ui.css", "text/css; charset=utf-8" },
		{ "swagger-ui-bundle.js", "text/javascript; charset=utf-8" },
		{ "oauth2-redirect.js", "text/javascript; charset=utf-8" },
		{ "redoc.standalone.js", "text/javascript; charset=utf-8" },
		{ "favicon-32x32.png", "image/png" },
	};
	const char *dir;
	struct http_resp *r;
	char path[256];
	size_t i;

	if ((dir = getenv("BEE_DOCS_ASSETS_DIR")) == NULL)
		cr_skip_test("BEE_DOCS_ASSETS_DIR is not set");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/docs/assets/%s", files[i].name);
		r = http_req("GET", path, NULL, NULL, 0);
		expect_status(r, 200);
		expect_module_headers(r);
		cr_expect_str_eq(http_hdr(r, "content-type"), files[i].type);
		cr_expect_str_eq(http_hdr(r, "cache-control"),
		    "public, max-age=86400");
		cr_expect_str_eq(http_hdr(r, "x-content-type-options"),
		    "nosniff");
		cr_expect_eq((long)r->body_len, file_size(dir, files[i].name),
		    "%s", files[i].name);
		http_resp_free(r);
	}
	r = http_req("GET", "/docs/assets/swagger-init.js", NULL, NULL, 0);
	expect_status(r, 200);
	cr_expect_not_null(strstr(r->body, "SwaggerUIBundle({"));
	http_resp_free(r);
}

/* Off the list is the JSON 404, even a file the folder holds. */
Test(docs, nothing_else)
{
	static const char *paths[] = { "/docs/assets/VERSIONS",
		"/docs/assets/..", "/docs/assets/..%2f..%2fetc%2fpasswd",
		"/docs/assets/%2e%2e%2fVERSIONS",
		"/docs/assets/swagger-ui.css/",
		"/docs/assets/../../conf/bee_customers.conf",
		"/docs/assets/swagger-ui.css%00.png", "/docs/assets/",
		"/docs/assets/index.html", NULL };
	struct http_resp *r;
	const char **p;

	for (p = paths; *p != NULL; p++) {
		r = http_req("GET", *p, NULL, NULL, 0);
		cr_expect_eq(r->status, 404, "%s: %d", *p, r->status);
		cr_expect_str_eq(r->body, "{\"detail\":\"Not Found\"}", "%s",
		    *p);
		http_resp_free(r);
	}
}

Test(docs, without_files_then_installed, .timeout = 60)
{
	static const char *files[] = { "swagger-ui.css", "swagger-ui-bundle.js",
		"oauth2-redirect.js", "redoc.standalone.js",
		"favicon-32x32.png", NULL };
	static const char *pages[] = { "/docs", "/redoc",
		"/docs/oauth2-redirect", NULL };
	struct instance in;
	struct http_resp *r;
	const char *src, *env[9], **p;
	char dir[300];
	json_t *doc, *info;

	if ((src = getenv("BEE_DOCS_ASSETS_DIR")) == NULL)
		cr_skip_test("BEE_DOCS_ASSETS_DIR is not set");
	instance_prepare(&in, NULL, NULL);
	snprintf(dir, sizeof(dir), "%s/no-docs", in.dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
	env[0] = "DOCS_ASSETS_DIR";
	env[1] = dir;
	env[2] = "SERVICE_NAME";
	env[3] = "Bee \"Docs\" Test";
	env[4] = "PROJECT_VERSION";
	env[5] = "9.8.7";
	env[6] = NULL;
	instance_spawn(&in, env);
	instance_wait_ready(&in);

	for (p = pages; *p != NULL; p++) {
		r = http_req("GET", *p, NULL, NULL, 0);
		cr_expect_eq(r->status, 503, "%s: %d", *p, r->status);
		cr_expect_str_eq(http_hdr(r, "content-type"),
		    "text/html; charset=utf-8");
		cr_expect_not_null(strstr(r->body,
				       "<code>scripts/dev docs</code>"),
		    "%s: %s", *p, r->body);
		cr_expect_not_null(strstr(r->body, "DOCS_ASSETS_DIR"));
		http_resp_free(r);
	}
	r = http_req("GET", "/docs/assets/swagger-ui.css", NULL, NULL, 0);
	expect_detail(r, 503, "Docs files not installed: run scripts/dev docs");
	http_resp_free(r);
	/* compiled in: there without the folder */
	r = http_req("GET", "/docs/assets/swagger-init.js", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);

	/* the title and version of the document, from the settings */
	r = http_req("GET", "/openapi.json", NULL, NULL, 0);
	expect_status(r, 200);
	doc = json_loadb(r->body, r->body_len, 0, NULL);
	cr_assert_not_null(doc);
	info = json_object_get(doc, "info");
	cr_expect_str_eq(json_string_value(json_object_get(info, "title")),
	    "Bee \"Docs\" Test");
	cr_expect_str_eq(json_string_value(json_object_get(info, "version")),
	    "9.8.7");
	json_decref(doc);
	http_resp_free(r);

	for (p = files; *p != NULL; p++)
		copy_file(src, dir, *p);
	for (p = pages; *p != NULL; p++) {
		r = http_req("GET", *p, NULL, NULL, 0);
		cr_expect_eq(r->status, 200, "%s after install: %d", *p,
		    r->status);
		http_resp_free(r);
	}
	r = http_req("GET", "/docs/assets/swagger-ui.css", NULL, NULL, 0);
	expect_status(r, 200);
	cr_expect_eq((long)r->body_len, file_size(src, "swagger-ui.css"));
	http_resp_free(r);

	instance_stop(&in);
	instance_expect_clean(&in);
}
