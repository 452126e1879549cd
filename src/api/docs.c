/*
 * The OpenAPI document and its pages, without a token and without the
 * internet: GET /openapi.json (assets/openapi.json, its title and version
 * from SERVICE_NAME and PROJECT_VERSION), /docs (Swagger UI), /redoc
 * (ReDoc), /docs/oauth2-redirect (as FastAPI served it) and
 * /docs/assets/{file}: our init script (compiled in) and the vendor files
 * of DOCS_ASSETS_DIR (src/infra/docs_files.c, a fixed list). Without those
 * files the pages answer 503 with the command that installs them.
 *
 * The pages run no inline script, so they are sent with a strict
 * Content-Security-Policy; styles may be inline (both UIs set style
 * attributes) and ReDoc runs its search in a worker it builds from a blob.
 */
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

/* kodev's assets.h needs struct http_request declared first */
#include "assets.h"
#include "infra/docs_files.h"
#include "infra/log.h"
#include "http/reply.h"
#include "http/route.h"
#include "infra/settings.h"

#define ASSETS_PREFIX "/docs/assets/"
#define HTML "text/html; charset=utf-8"

#define CSP_PAGE \
	"default-src 'none'; script-src 'self'; " \
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
	"font-src 'self' data:; connect-src 'self'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#define CSP_REDOC CSP_PAGE "; worker-src blob:"

/* Pages and the document follow the deployed build; vendor files for a day. */
#define CACHE_PAGE "no-cache"
#define CACHE_FILE "public, max-age=86400"

int h_openapi(struct http_request *);
int h_docs(struct http_request *);
int h_docs_oauth2_redirect(struct http_request *);
int h_redoc(struct http_request *);
int h_docs_asset(struct http_request *);

static int not_installed(struct http_request *, const char *);
static void security_headers(struct http_request *, const char *, const char *);
static const char *openapi_document(size_t *);
static int page(struct http_request *, const char *, int, const char *,
    const char *, const void *, size_t);

/* The document as served, built once per worker (see openapi_document). */
static char *openapi_text;
static size_t openapi_len;

/* %s: "Swagger UI" or "ReDoc" */
#define MISSING_PAGE \
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" \
	"<title>API documentation unavailable</title></head><body>" \
	"<h1>API documentation unavailable</h1>" \
	"<p>The %s files are not installed in this service's " \
	"<code>DOCS_ASSETS_DIR</code>.</p>" \
	"<p>Install them with <code>scripts/dev docs</code> (the npm " \
	"packages pinned by package-lock.json), then reload this page. The " \
	"document itself is at <a href=\"/openapi.json\">/openapi.json</a>." \
	"</p></body></html>\n"

int
h_openapi(struct http_request *req)
{
	struct ctx *c;
	const char *doc;
	size_t len;

	if (!route_begin(req, "/openapi.json", HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	if ((doc = openapi_document(&len)) == NULL)
		return (reply_detail(req, 500, "Internal Server Error"));
	security_headers(req, "default-src 'none'", CACHE_PAGE);
	return (reply_json(req, 200, doc, len));
}

/* One of the docs pages: compiled in, shown once its vendor files are. */
static int
page(struct http_request *req, const char *route, int group, const char *vendor,
    const char *csp, const void *html, size_t len)
{
	struct ctx *c;

	if (!route_begin(req, route, HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	if (!docs_files_ready(settings.docs_assets_dir, group))
		return (not_installed(req, vendor));
	security_headers(req, csp, CACHE_PAGE);
	return (reply_body(req, 200, HTML, html, len));
}

int
h_docs(struct http_request *req)
{
	return (page(req, "/docs", DOCS_SWAGGER, "Swagger UI", CSP_PAGE,
	    asset_docs_html, asset_len_docs_html));
}

int
h_docs_oauth2_redirect(struct http_request *req)
{
	return (page(req, "/docs/oauth2-redirect", DOCS_SWAGGER, "Swagger UI",
	    CSP_PAGE, asset_oauth2_redirect_html,
	    asset_len_oauth2_redirect_html));
}

int
h_redoc(struct http_request *req)
{
	return (page(req, "/redoc", DOCS_REDOC, "ReDoc", CSP_REDOC,
	    asset_redoc_html, asset_len_redoc_html));
}

int
h_docs_asset(struct http_request *req)
{
	struct ctx *c;
	const struct docs_file *f;
	const unsigned char *data;
	const char *name;
	size_t len;

	if (!route_begin(req, "/docs/assets/{file}", HTTP_METHOD_GET, "GET",
		&c))
		return (KORE_RESULT_OK);
	/* The route is ^/docs/assets/[^/]+$; the path is not percent-decoded. */
	name = req->path + strlen(ASSETS_PREFIX);
	if (!strcmp(name, "swagger-init.js")) {
		security_headers(req, "default-src 'none'", CACHE_PAGE);
		return (reply_body(req, 200, "text/javascript; charset=utf-8",
		    asset_swagger_init_js, asset_len_swagger_init_js));
	}
	if ((f = docs_file_lookup(name)) == NULL)
		return (reply_detail(req, 404, "Not Found"));
	if (docs_file_get(settings.docs_assets_dir, f, &data, &len) == -1) {
		log_warn(c->trace_id,
		    "docs: a file of DOCS_ASSETS_DIR cannot be read; "
		    "run scripts/dev docs");
		return (reply_detail(req, 503,
		    "Docs files not installed: run scripts/dev docs"));
	}
	security_headers(req, "default-src 'none'", CACHE_FILE);
	return (reply_body(req, 200, f->content_type, data, len));
}

static int
not_installed(struct http_request *req, const char *what)
{
	static int warned;
	struct kore_buf buf;
	int rc;

	/* Once per worker: the page itself tells every visitor. */
	if (!warned) {
		warned = 1;
		log_warn(ctx_get(req)->trace_id,
		    "docs: Swagger UI or ReDoc files missing from "
		    "DOCS_ASSETS_DIR; run scripts/dev docs");
	}
	kore_buf_init(&buf, sizeof(MISSING_PAGE) + 16);
	kore_buf_appendf(&buf, MISSING_PAGE, what);
	security_headers(req, "default-src 'none'", "no-store");
	rc = reply_body(req, 503, HTML, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (rc);
}

static void
security_headers(struct http_request *req, const char *csp, const char *cache)
{
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "content-security-policy", csp);
	http_response_header(req, "cache-control", cache);
	http_response_header(req, "referrer-policy", "no-referrer");
}

/*
 * assets/openapi.json with info.title = SERVICE_NAME and info.version =
 * PROJECT_VERSION (design.md section 2), serialized once per worker and
 * kept for its life (settings never change without a restart).
 */
static const char *
openapi_document(size_t *len)
{
	json_t *doc, *info;
	json_error_t err;

	if (openapi_text != NULL) {
		*len = openapi_len;
		return (openapi_text);
	}
	doc = json_loadb((const char *)asset_openapi_json,
	    asset_len_openapi_json, 0, &err);
	if (doc == NULL || (info = json_object_get(doc, "info")) == NULL ||
	    json_object_set_new(info, "title",
		json_string(settings.service_name)) == -1 ||
	    json_object_set_new(info, "version",
		json_string(settings.version)) == -1) {
		log_error(NULL, "docs: assets/openapi.json cannot be loaded");
		json_decref(doc);
		return (NULL);
	}
	openapi_text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (openapi_text == NULL)
		return (NULL);
	openapi_len = strlen(openapi_text);
	*len = openapi_len;
	return (openapi_text);
}
