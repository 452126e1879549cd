/*
 * Liveness (/healthcheck, /health), readiness (/ready, from cached state),
 * the welcome document (/) and the JSON 404 for every unknown path.
 */
#include "db/db.h"
#include "infra/deps.h"
#include "http/drain.h"
#include "http/guard.h"
#include "http/reply.h"
#include "http/route.h"
#include "infra/settings.h"
#include "model/xalloc.h"

int h_root(struct http_request *);
int h_health(struct http_request *);
int h_ready(struct http_request *);
int h_not_found(struct http_request *);

int
h_root(struct http_request *req)
{
	struct ctx *c;

	if (!route_begin(req, &c))
		return (KORE_RESULT_OK);
	/* PROJECT_VERSION need not be UTF-8: reply_doc answers 500 for NULL */
	return (reply_doc(req, 200,
	    json_pack("{s:s, s:s, s:s}", "message",
		"Welcome to BeeConect Customer Service API", "version",
		settings.version, "docs_url", "/docs")));
}

int
h_health(struct http_request *req)
{
	struct ctx *c;

	if (!route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (reply_json(req, 200, "{\"status\":\"healthy\"}", 20));
}

int
h_ready(struct http_request *req)
{
	struct ctx *c;
	const char *pg, *amqp, *redis, *status;
	int ready;

	if (!route_begin(req, &c))
		return (KORE_RESULT_OK);
	ready = db_up();
	pg = ready ? "up" : "down";
	amqp = deps_up(DEP_RABBITMQ) ? "up" : "down";
	if (!deps_enabled(DEP_REDIS))
		redis = "disabled";
	else
		redis = deps_up(DEP_REDIS) ? "up" : "down";
	status = ready ? "ready" : "not_ready";
	if (drain_active()) { /* out of the balancer's rotation at once */
		ready = 0;
		status = "draining";
	}
	return (reply_doc(req, ready ? 200 : 503,
	    xjson(json_pack("{s:s, s:{s:s, s:s, s:s}}", "status", status,
		"checks", "postgres", pg, "rabbitmq", amqp, "redis", redis))));
}

int
h_not_found(struct http_request *req)
{
	(void)ctx_get(req); /* its route: "unmatched" (model/route_table.c) */
	if (request_refused(req))
		return (KORE_RESULT_OK);
	if (req->method == HTTP_METHOD_OPTIONS)
		return (reply_preflight(req, NULL));
	return (reply_detail(req, 404, "Not Found"));
}
