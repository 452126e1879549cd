/*
 * POST /customers/{id}/avatar: a JPEG or PNG (by magic bytes) of at most
 * AVATAR_MAX_BYTES, from the multipart field `file`, stored without its
 * metadata under a server-owned random name (avatar_name.h).
 *
 * Two statements. A quick read first checks that the caller may reach the
 * customer: a missing or out-of-reach one gets its 404 (and one whose
 * version If-Match does not name its 412) before any file is written, so
 * that no token can make a worker write and fsync files for ids it cannot
 * see. (With an Idempotency-Key, a 412 is the write's, as on PATCH and
 * DELETE: the write's answer is the one stored, and its statement checks
 * If-Match again.) Then the file is written (temporary file, fsync,
 * rename) and one
 * statement checks the customer and If-Match again on the row it locks
 * (it may have gone or changed meanwhile), points the row at the file and
 * queues the `updated` event.
 *
 * The outcome of that write is settled (settle()) as it arrives, whether
 * or not the client is still there: on commit the replaced file is
 * unlinked and the new one kept; when it did not commit (customer gone,
 * database error, never sent) the new file is unlinked with the state,
 * so no file is left that no row names. When the connection broke after
 * sending, the outcome is unknown: both files stay (an orphan costs disk,
 * a row naming a missing file would be a permanent 404).
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/access.h"
#include "model/avatar_name.h"
#include "infra/avatar_store.h"
#include "model/customer_row.h"
#include "api/customer_common.h"
#include "model/image.h"
#include "infra/log.h"
#include "model/multipart.h"
#include "http/op.h"
#include "http/precond.h"
#include "http/reply.h"
#include "http/route.h"
#include "model/xalloc.h"

#define UPLOADS_PREFIX "/uploads/"

/* clang-format off */
/* May the caller reach the customer? One row if so: does If-Match hold? */
static const char sql_reach[] =
    "SELECT " ETAG_SQL_IF_MATCH("$5", "c.version") " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4");

/*
 * Locks the row (so that of two concurrent uploads the second sees the
 * first's file as the one it replaces), checks If-Match ($8) on it, points
 * it at the new file, queues the event. Returns (replaced file, customer,
 * version, matched); when not matched nothing changed and the rest is
 * NULL.
 */
static const char sql_avatar[] =
    "WITH old AS ("
    " SELECT c.id, c.avatar_file,"
    "  " ETAG_SQL_IF_MATCH("$8", "c.version") " AS matched"
    " FROM customers c"
    " WHERE c.id = $1 AND " CUSTOMER_SCOPE("$2", "$3", "$4") " FOR UPDATE),"
    " upd AS ("
    " UPDATE customers c SET avatar_file = $5, avatar_url = $6,"
    "  version = c.version + 1,"
    "  updated_at = now() AT TIME ZONE 'utc'"
    " FROM old WHERE c.id = old.id AND old.matched RETURNING c.*),"
    " ev AS ("
    " INSERT INTO outbox (routing_key, business_id, customer_id, payload,"
    "  trace_id)"
    " SELECT 'v1.customer.updated', business_id, id,"
    "  jsonb_build_object('id', id, 'fields_changed',"
    "  jsonb_build_array('avatar_url'), 'version', version,"
    "  'trace_id', $7::text),"
    "  $7 FROM upd RETURNING id)"
    " SELECT CASE WHEN old.matched THEN old.avatar_file END, "
    CUSTOMER_COLUMNS ", c.version, old.matched"
    " FROM old LEFT JOIN upd c ON true";
/* clang-format on */

/* The uploaded file, in a copy of the body. */
struct upload {
	unsigned char *body;
	size_t offset;
	size_t length;
};

struct avatar_state {
	struct scope scope;
	struct upload up; /* until written */
	enum image_type type;
	int writing; /* the second statement: the update */
	int in_reach;
	char file[AVATAR_NAME_LEN + 1]; /* the new file, on disk */
	char url[sizeof(UPLOADS_PREFIX) + AVATAR_NAME_LEN];
	int committed; /* a row may name file: it stays */
	int found;
	int matched; /* If-Match named the row's version (or was absent) */
	struct etag_cond if_match;
	char etag[ETAG_MAX];
	struct jsonw json; /* the customer */
};

int h_avatar(struct http_request *);

static enum op_next prepare(struct http_request *, struct ctx *,
    struct op_query *);
static void rows(struct http_request *, struct ctx *, const PGresult *);
static enum op_next done(struct http_request *, struct ctx *,
    struct op_query *);
static enum op_next write_file(struct http_request *, struct ctx *,
    struct op_query *);
static void settle(void *, const PGresult *, const char *);
static void state_free(void *);
static int upload_read(struct http_request *, struct upload *);
static int upload_check(struct http_request *, struct ctx *,
    const struct upload *, enum image_type *);
static int upload_store(struct http_request *, struct ctx *,
    struct avatar_state *);
static int reply_missing(struct http_request *);

static const struct op op_avatar = { prepare, NULL, rows, done };

int
h_avatar(struct http_request *req)
{
	struct ctx *c = ctx_get(req);

	if (c->op == NULL && !route_begin(req, &c))
		return (KORE_RESULT_OK);
	return (op_run_write(req, &op_avatar));
}

static void
state_free(void *arg)
{
	struct avatar_state *st = arg;

	if (!st->committed && st->file[0] != '\0')
		(void)avatar_remove(st->file);
	free(st->up.body);
	jsonw_free(&st->json);
	free(st);
}

static int
reply_missing(struct http_request *req)
{
	struct problems p;
	int rc;

	problems_init(&p);
	problems_add(&p, "missing", problem_loc("body", "file"),
	    "Field required", NULL, NULL);
	rc = reply_problems(req, &p);
	problems_free(&p);
	return (rc);
}

/*
 * The part `file` of a multipart/form-data body: 1, or 0 after a reply
 * (422 when there is no such part or no form at all, 400 for a broken
 * form, as the original answered).
 */
static int
upload_read(struct http_request *req, struct upload *up)
{
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	struct multipart_file part;
	enum multipart_status status;
	const char *type;
	size_t len, total;
	ssize_t n;

	memset(up, 0, sizeof(*up));
	if (!http_request_header(req, "content-type", &type))
		type = NULL;
	status = multipart_boundary(type, boundary);
	if (status == MULTIPART_NOT_FORM) {
		(void)reply_missing(req);
		return (0);
	}
	if (status != MULTIPART_OK) {
		(void)reply_detail(req, 400, multipart_error(status));
		return (0);
	}

	/* At most http_body_max bytes: Kore refused larger bodies. */
	total = req->http_body_length;
	if (total > 0)
		up->body = xmalloc(total);
	len = 0;
	while (len < total) {
		n = http_body_read(req, up->body + len, total - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}

	status = multipart_find_file(up->body, len, boundary, "file", &part);
	if (status != MULTIPART_OK || !part.found) {
		if (status == MULTIPART_OK)
			(void)reply_missing(req);
		else
			(void)reply_detail(req, 400, multipart_error(status));
		free(up->body);
		up->body = NULL;
		return (0);
	}
	up->offset = part.offset;
	up->length = part.length;
	return (1);
}

/* Role, then type by magic bytes, then size. 1, or 0 after a reply. */
static int
upload_check(struct http_request *req, struct ctx *c, const struct upload *up,
    enum image_type *type)
{
	char size[32];

	if (!customer_role_check(req, c))
		return (0);
	if (c->claims.role == ROLE_INTERNAL) {
		(void)reply_detail(req, 403, "Customer or admin role required");
		return (0);
	}
	*type = image_detect(up->body + up->offset, up->length);
	if (*type == IMAGE_NONE) {
		(void)reply_detail(req, 400, "Invalid file type");
		return (0);
	}
	(void)snprintf(size, sizeof(size), "%zu", up->length);
	if (kore_validator_run(req, "v_avatar_size", size) != KORE_RESULT_OK) {
		(void)reply_detail(req, 400, "File too large");
		return (0);
	}
	return (1);
}

/*
 * The image without its metadata, under a new random name. 1, or 0 after
 * a 500. Blocking file I/O on the loop: see avatar_store.h.
 */
static int
upload_store(struct http_request *req, struct ctx *c, struct avatar_state *st)
{
	const struct upload *up = &st->up;
	unsigned char rnd[AVATAR_NAME_RANDOM], *clean;
	char msg[128];
	size_t len;
	int rc;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_error(c->trace_id, "avatar: no random bytes for a name");
		(void)reply_detail(req, 500, "Internal Server Error");
		return (0);
	}
	clean = xmalloc(up->length);
	len = image_strip(st->type, up->body + up->offset, up->length, clean);
	avatar_name_make(rnd, st->type, st->file);
	rc = avatar_save(st->file, clean, len);
	free(clean);
	if (rc == -1) {
		(void)snprintf(msg, sizeof(msg),
		    "avatar: cannot write file: %s", strerror(errno));
		st->file[0] = '\0';
		log_error(c->trace_id, msg);
		(void)reply_detail(req, 500, "Internal Server Error");
		return (0);
	}
	(void)snprintf(st->url, sizeof(st->url), "%s%s", UPLOADS_PREFIX,
	    st->file);
	return (1);
}

static enum op_next
prepare(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct avatar_state *st;
	struct upload up;
	enum image_type type;

	if (!customer_path_id(req, c) || !upload_read(req, &up))
		return (OP_REPLIED);
	if (!upload_check(req, c, &up, &type)) {
		free(up.body);
		return (OP_REPLIED);
	}
	st = xcalloc(1, sizeof(*st));
	c->state = st;
	c->state_free = state_free;
	st->up = up;
	st->type = type;
	if (!precond_if_match(req, &st->if_match))
		return (OP_REPLIED);

	customer_query(c, &st->scope, q, sql_reach);
	q->nparams = 5;
	q->values[4] = etag_cond_param(&st->if_match);
	return (OP_QUERY);
}

static void
rows(struct http_request *req, struct ctx *c, const PGresult *res)
{
	struct avatar_state *st = c->state;

	if (PQntuples(res) != 1)
		return;
	st->matched = *PQgetvalue(res, 0, PQnfields(res) - 1) == 't';
	/* a replay's rows are the update's */
	if (!st->writing && !c->replayed) {
		st->in_reach = 1;
		return;
	}
	if (st->found)
		return;
	st->found = 1;
	if (!st->matched)
		return;
	customer_row_json(res, 0, 1, &st->json);
	(void)etag_format(PQgetvalue(res, 0, 1 + CUSTOMER_NCOLUMNS), st->etag);
}

/* The customer is in reach: the file, then the update. */
static enum op_next
write_file(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct avatar_state *st = c->state;
	int ok;

	ok = upload_store(req, c, st);
	free(st->up.body);
	st->up.body = NULL;
	if (!ok)
		return (OP_REPLIED);
	st->writing = 1;
	q->sql = sql_avatar;
	q->nparams = 8;
	q->values[0] = c->customer_id;
	access_params(&st->scope, &q->values[1]);
	q->values[4] = st->file;
	q->values[5] = st->url;
	q->values[6] = c->trace_id;
	q->values[7] = etag_cond_param(&st->if_match);
	q->settle = settle;
	return (OP_QUERY);
}

/*
 * The update's outcome, with or without the request (db.h): on commit
 * the new file stays and the replaced one goes.
 */
static void
settle(void *arg, const PGresult *res, const char *trace_id)
{
	struct avatar_state *st = arg;
	const char *old;

	if (res == NULL) {
		st->committed = 1;
		log_warn(trace_id,
		    "avatar: outcome unknown (database connection lost): "
		    "the new and the replaced file both stay");
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    *PQgetvalue(res, 0, PQnfields(res) - 1) != 't')
		return; /* not committed or If-Match failed: state_free unlinks */
	st->committed = 1;
	if (PQgetisnull(res, 0, 0))
		return;
	old = PQgetvalue(res, 0, 0);
	/* Only a name of the generated form; never a path from avatar_url. */
	if (strcmp(old, st->file) != 0 && avatar_remove(old) == -1 &&
	    errno != EINVAL)
		log_warn(trace_id, "avatar: cannot unlink the replaced file");
}

static enum op_next
done(struct http_request *req, struct ctx *c, struct op_query *q)
{
	struct avatar_state *st = c->state;
	struct log_field f[2];
	int wrote =
	    st->writing || c->replayed; /* a replay's rows: the write's */

	/*
	 * found (by the read, then by the write, or in the write's stored
	 * rows), but not the version named; with an Idempotency-Key, the
	 * write's statement answers it (stored)
	 */
	if ((wrote ? st->found : st->in_reach && c->idem == NULL) &&
	    !st->matched) {
		(void)precond_failed(req);
		return (OP_REPLIED);
	}
	if (!st->writing && st->in_reach)
		return (write_file(req, c, q));
	/* when not found, state_free unlinks the file no row names, if any */
	if (customer_write_failed(req, st->found, &st->json))
		return (OP_REPLIED);
	memset(f, 0, sizeof(f));
	f[0].key = "customer_id";
	f[0].str = c->customer_id;
	f[1].key = "avatar_file";
	f[1].str = st->file;
	if (!c->replayed)
		log_write(LOG_LEVEL_INFO, c->trace_id,
		    "Customer avatar updated", f, 2);
	precond_etag(req, st->etag);
	(void)reply_json(req, 200, st->json.buf, st->json.len);
	return (OP_REPLIED);
}
