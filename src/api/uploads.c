/*
 * GET /uploads/{file}: the avatars, public (an <img> cannot send a token;
 * the names are 128 random bits). Only a name of the generated form that a
 * customer row references is read, from UPLOAD_DIR and nowhere else: no
 * listing, no traversal (the name never becomes a path unless it is 32 hex
 * digits and an extension), and a file no row names, an orphan or one
 * being replaced, is not served. Anything else is the catch-all's 404.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/avatar_name.h"
#include "infra/avatar_store.h"
#include "model/image.h"
#include "infra/log.h"
#include "http/op.h"
#include "http/reply.h"
#include "http/route.h"

#define UPLOADS_PREFIX "/uploads/"

/*
 * Names never change meaning (a new upload is a new name), so browsers
 * and proxies may keep them; a day bounds how long a cache may still
 * show an erased avatar.
 */
#define UPLOADS_CACHE_CONTROL "public, max-age=86400, immutable"

static const char sql_referenced[] =
    "SELECT 1 FROM customers WHERE avatar_file = $1 LIMIT 1";

struct file_state {
	char name[AVATAR_NAME_LEN + 1];
	enum image_type type;
	int referenced;
};

int h_upload_file(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static void state_free(void *);

static const struct op op_file = { prepare, NULL, rows, done };

int
h_upload_file(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL &&
	    !route_begin(req, "/uploads/{file}", HTTP_METHOD_GET, "GET", &c))
		return (KORE_RESULT_OK);
	return (op_run(req, &op_file));
}

static void
state_free(void *arg)
{
	free(arg);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct file_state *st;
	const char *name;
	enum image_type type;

	/* The route is ^/uploads/[^/]+$; the path is not percent-decoded. */
	if (strncmp(req->path, UPLOADS_PREFIX, strlen(UPLOADS_PREFIX)) != 0)
		type = IMAGE_NONE;
	else
		type = avatar_name_type(req->path + strlen(UPLOADS_PREFIX));
	if (type == IMAGE_NONE) {
		(void)reply_detail(req, 404, "Not Found");
		return (OP_REPLIED);
	}
	name = req->path + strlen(UPLOADS_PREFIX);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		fatal("uploads: out of memory");
	c->state = st;
	c->state_free = state_free;
	(void)memcpy(st->name, name, AVATAR_NAME_LEN + 1);
	st->type = type;
	q->sql = sql_referenced;
	q->nparams = 1;
	q->values[0] = st->name;
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct file_state *st = c->state;

	if (PQntuples(res) > 0)
		st->referenced = 1;
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct file_state *st = c->state;
	unsigned char *data;
	size_t len;

	if (!st->referenced) {
		(void)reply_detail(req, 404, "Not Found");
		return (OP_REPLIED);
	}
	/* Blocking read of a local file of at most ~1 MiB: avatar_store.h. */
	if (avatar_load(st->name, &data, &len) == -1) {
		if (errno != ENOENT)
			log_error(c->trace_id, "uploads: cannot read a file");
		else
			log_warn(c->trace_id,
			    "uploads: referenced file missing");
		(void)reply_detail(req, 404, "Not Found");
		return (OP_REPLIED);
	}
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'");
	http_response_header(req, "cache-control", UPLOADS_CACHE_CONTROL);
	(void)reply_body(req, 200, image_content_type(st->type), data, len);
	free(data);
	return (OP_REPLIED);
}
