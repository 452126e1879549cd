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

#include "mirror.h"

static int command(struct mirror *, const char *const *, const size_t *, int,
    long long *, char *, size_t);

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

int
mirror_push(struct mirror *m, const char *item, char *err, size_t errlen)
{
	const char *argv[3] = { "RPUSH", MIRROR_LIST, item };
	size_t lens[3] = { 5, sizeof(MIRROR_LIST) - 1, strlen(item) };

	return (command(m, argv, lens, 3, NULL, err, errlen));
}

int
mirror_remove(struct mirror *m, const char *item, char *err, size_t errlen)
{
	const char *argv[4] = { "LREM", MIRROR_LIST, "0", item };
	size_t lens[4] = { 4, sizeof(MIRROR_LIST) - 1, 1, strlen(item) };

	return (command(m, argv, lens, 4, NULL, err, errlen));
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
