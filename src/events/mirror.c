/*
 * failed_events over blocking hiredis (see mirror.h). Any error drops the
 * connection: the caller reconnects on its next attempt, and the outbox
 * keeps the event meanwhile.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "events/mirror.h"

/* What a removed item becomes for a moment: never a JSON object. */
#define TOMBSTONE "\001bee-customers:removed"

/*
 * KEYS[1] the list, ARGV[1] MIRROR_TAIL, then the items. A script is
 * atomic: nobody sees a half-pushed batch.
 */
static const char lua_push[] =
    "local have = {}\n"
    "for _, v in ipairs(redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]),"
    " -1)) do have[v] = true end\n"
    "local n = 0\n"
    "for i = 2, #ARGV do\n"
    " if not have[ARGV[i]] then\n"
    "  redis.call('RPUSH', KEYS[1], ARGV[i]) have[ARGV[i]] = true n = n + 1\n"
    " end\n"
    "end\n"
    "return n\n";
/*
 * KEYS[1] the list, ARGV[1] a tombstone no item can be (items are JSON
 * objects), ARGV[2] MIRROR_SLACK, then the items. Items found near the
 * head become tombstones, removed by one LREM that stops at the last of
 * them; the others by LREM count 1 from the head. Returns how many were
 * found near the head.
 */
static const char lua_remove[] =
    "local want = {}\n"
    "for i = 3, #ARGV do want[ARGV[i]] = (want[ARGV[i]] or 0) + 1 end\n"
    "local head = redis.call('LRANGE', KEYS[1], 0,"
    " #ARGV - 3 + tonumber(ARGV[2]))\n"
    "local hit = 0\n"
    "for i = 1, #head do\n"
    " local c = want[head[i]]\n"
    " if c ~= nil and c > 0 then\n"
    "  redis.call('LSET', KEYS[1], i - 1, ARGV[1])\n"
    "  want[head[i]] = c - 1 hit = hit + 1\n"
    " end\n"
    "end\n"
    "if hit > 0 then redis.call('LREM', KEYS[1], hit, ARGV[1]) end\n"
    "for v, c in pairs(want) do\n"
    " for j = 1, c do redis.call('LREM', KEYS[1], 1, v) end\n"
    "end\n"
    "return hit\n";

static int command(struct mirror *, const char *const *, const size_t *, int,
    long long *, char *, size_t);
static int script(struct mirror *, const char *, const char *const *, int,
    const char *const *, int, char *, size_t);

int
mirror_parse_url(const char *url, struct mirror_url *out)
{
	const char *p, *at, *colon, *slash, *host_end, *port;
	size_t n;
	char *end;
	long v;

	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (strncmp(url, "redis://", 8) != 0)
		return (-1);
	p = url + 8;
	slash = strchr(p, '/');
	at = strchr(p, '@');
	if (at != NULL && slash != NULL && at > slash)
		at = NULL;
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL) {
			n = (size_t)(at - colon - 1);
			if (n >= sizeof(out->password))
				return (-1);
			memcpy(out->password, colon + 1, n);
		}
		p = at + 1;
	}
	host_end = slash != NULL ? slash : p + strlen(p);
	port = memchr(p, ':', (size_t)(host_end - p));
	n = (size_t)((port != NULL ? port : host_end) - p);
	if (n == 0 || n >= sizeof(out->host))
		return (-1);
	memcpy(out->host, p, n);
	if (port != NULL) {
		v = strtol(port + 1, &end, 10);
		if (end != host_end || v < 1 || v > 65535)
			return (-1);
		out->port = (int)v;
	}
	if (slash != NULL && slash[1] != '\0') {
		v = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || (*end != '\0' && *end != '?') ||
		    v < 0 || v > 1000000)
			return (-1);
		out->db = (int)v;
	}
	return (0);
}

int
mirror_connect(struct mirror *m, const char *url, const char *address,
    int timeout_ms, char *err, size_t errlen)
{
	struct mirror_url u;
	struct timeval tv;
	redisContext *c;
	const char *argv[2];
	size_t lens[2];
	char db[16];

	m->ctx = NULL;
	if (mirror_parse_url(url, &u) == -1) {
		(void)snprintf(err, errlen, "REDIS_URL: not parsed");
		return (-1);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	c = redisConnectWithTimeout(address != NULL && *address != '\0' ?
		address :
		u.host,
	    u.port, tv);
	if (c == NULL || c->err) {
		(void)snprintf(err, errlen, "redis connect: %s",
		    c != NULL ? c->errstr : "out of memory");
		if (c != NULL)
			redisFree(c);
		return (-1);
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		(void)snprintf(err, errlen, "redis: cannot set timeout");
		redisFree(c);
		return (-1);
	}
	m->ctx = c;
	if (u.password[0] != '\0') {
		argv[0] = "AUTH";
		argv[1] = u.password;
		lens[0] = 4;
		lens[1] = strlen(u.password);
		if (command(m, argv, lens, 2, NULL, err, errlen) == -1)
			return (-1);
	}
	if (u.db > 0) {
		(void)snprintf(db, sizeof(db), "%d", u.db);
		argv[0] = "SELECT";
		argv[1] = db;
		lens[0] = 6;
		lens[1] = strlen(db);
		if (command(m, argv, lens, 2, NULL, err, errlen) == -1)
			return (-1);
	}
	return (0);
}

/*
 * One command; an error reply or a lost connection drops the connection.
 * An integer reply goes to *integer when that is not NULL.
 */
static int
command(struct mirror *m, const char *const *argv, const size_t *lens, int argc,
    long long *integer, char *err, size_t errlen)
{
	redisReply *r;

	if (m->ctx == NULL) {
		(void)snprintf(err, errlen, "redis: not connected");
		return (-1);
	}
	r = redisCommandArgv(m->ctx, argc, (const char **)(uintptr_t)argv,
	    lens);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		(void)snprintf(err, errlen, "redis %s: %s", argv[0],
		    r != NULL ? r->str : ((redisContext *)m->ctx)->errstr);
		if (r != NULL)
			freeReplyObject(r);
		mirror_close(m);
		return (-1);
	}
	if (integer != NULL)
		*integer = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return (0);
}

/*
 * EVAL of src on MIRROR_LIST with the nargs arguments args, then the n
 * items. 0, or -1 (the connection is dropped).
 */
static int
script(struct mirror *m, const char *src, const char *const *args, int nargs,
    const char *const *items, int n, char *err, size_t errlen)
{
	const char **argv;
	size_t *lens;
	int argc, i, rc;

	argc = 4 + nargs + n;
	argv = calloc((size_t)argc, sizeof(*argv));
	lens = calloc((size_t)argc, sizeof(*lens));
	if (argv == NULL || lens == NULL) {
		free(argv);
		free(lens);
		(void)snprintf(err, errlen, "redis EVAL: out of memory");
		return (-1);
	}
	argv[0] = "EVAL";
	argv[1] = src;
	argv[2] = "1";
	argv[3] = MIRROR_LIST;
	for (i = 0; i < nargs; i++)
		argv[4 + i] = args[i];
	for (i = 0; i < n; i++)
		argv[4 + nargs + i] = items[i];
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	rc = command(m, argv, lens, argc, NULL, err, errlen);
	free(argv);
	free(lens);
	return (rc);
}

int
mirror_push(struct mirror *m, const char *const *items, int n, char *err,
    size_t errlen)
{
	char tail[16];
	const char *args[1] = { tail };

	if (n == 0)
		return (0);
	(void)snprintf(tail, sizeof(tail), "%d", MIRROR_TAIL);
	return (script(m, lua_push, args, 1, items, n, err, errlen));
}

int
mirror_remove(struct mirror *m, const char *const *items, int n, char *err,
    size_t errlen)
{
	char slack[16];
	const char *args[2] = { TOMBSTONE, slack };

	if (n == 0)
		return (0);
	(void)snprintf(slack, sizeof(slack), "%d", MIRROR_SLACK);
	return (script(m, lua_remove, args, 2, items, n, err, errlen));
}

int
mirror_length(struct mirror *m, long long *n, char *err, size_t errlen)
{
	const char *argv[2] = { "LLEN", MIRROR_LIST };
	size_t lens[2] = { 4, sizeof(MIRROR_LIST) - 1 };

	return (command(m, argv, lens, 2, n, err, errlen));
}

void
mirror_close(struct mirror *m)
{
	if (m->ctx != NULL)
		redisFree(m->ctx);
	m->ctx = NULL;
}
