/*
 * hiredis on the worker's loop. The adapter keeps the socket registered
 * level-triggered for the directions hiredis asks for; a kore_event must
 * be the first member of what epoll hands back. Connection loss is
 * retried every second by a timer; commands in flight get a NULL reply.
 */
#include <sys/epoll.h>

#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <kore/kore.h>

#include "infra/deps.h"
#include "infra/log.h"
#include "infra/redis.h"
#include "infra/resolve.h"
#include "infra/settings.h"

#define REDIS_RETRY_MS 1000

struct kredis {
	struct kore_event evt; /* first: epoll's udata points here */
	redisAsyncContext *ac;
	int fd;
	int want; /* EPOLLIN | EPOLLOUT */
	int registered;
};

struct pending {
	redis_reply_fn fn;
	void *arg;
};

static struct kredis *conn;
static int connected;
static int enabled;
static char password[256];
static char dbnum[8];

static void parse_url(void);
static void try_connect(void *, u_int64_t);
static void update(struct kredis *);
static void handle(void *, int);
static void add_read(void *);
static void del_read(void *);
static void add_write(void *);
static void del_write(void *);
static void cleanup(void *);
static void on_connect(const redisAsyncContext *, int);
static void on_disconnect(const redisAsyncContext *, int);
static void on_reply(redisAsyncContext *, void *, void *);

void
redis_start(void)
{
	if (*settings.redis_url == '\0')
		return;
	enabled = 1;
	parse_url();
	try_connect(NULL, 0);
	(void)kore_timer_add(try_connect, REDIS_RETRY_MS, NULL, 0);
}

int
redis_connected(void)
{
	return (connected);
}

/* redis://[:password@]host[:port][/db] */
static void
parse_url(void)
{
	const char *p, *at, *colon, *slash;

	p = strstr(settings.redis_url, "://");
	p = p ? p + 3 : settings.redis_url;
	slash = strchr(p, '/');
	at = strchr(p, '@');
	if (at != NULL && (slash == NULL || at < slash)) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL &&
		    (size_t)(at - colon - 1) < sizeof(password))
			(void)kore_strlcpy(password, colon + 1,
			    (size_t)(at - colon));
	}
	if (slash != NULL && slash[1] >= '0' && slash[1] <= '9')
		(void)kore_strlcpy(dbnum, slash + 1,
		    strspn(slash + 1, "0123456789") + 1 < sizeof(dbnum) ?
			strspn(slash + 1, "0123456789") + 1 :
			sizeof(dbnum));
}

static void
try_connect(void *arg, u_int64_t now)
{
	redisAsyncContext *ac;
	struct kredis *k;
	const char *argv[2];
	size_t lens[2];

	(void)arg;
	(void)now;
	if (!enabled || conn != NULL)
		return;
	/* the parent's current answer: no resolver on the loop */
	if (*deps_address(DEP_REDIS) == '\0') {
		resolve_again(DEP_REDIS);
		return;
	}
	/* the port was checked (digits only) when the settings were read */
	ac = redisAsyncConnect(deps_address(DEP_REDIS),
	    (int)strtol(settings.redis.port, NULL, 10));
	if (ac == NULL)
		return;
	if (ac->err) {
		redisAsyncFree(ac);
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		redisAsyncFree(ac);
		return;
	}
	k->evt.type = KORE_TYPE_CONNECTION + 100;
	k->evt.handle = handle;
	k->ac = ac;
	k->fd = ac->c.fd;
	ac->ev.data = k;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	(void)redisAsyncSetConnectCallback(ac, on_connect);
	(void)redisAsyncSetDisconnectCallback(ac, on_disconnect);
	conn = k;
	/* the non-blocking connect completes when the socket is writable */
	add_write(k);

	if (password[0] != '\0') {
		argv[0] = "AUTH";
		argv[1] = password;
		lens[0] = 4;
		lens[1] = strlen(password);
		(void)redisAsyncCommandArgv(ac, NULL, NULL, 2, argv, lens);
	}
	if (dbnum[0] != '\0' && strcmp(dbnum, "0") != 0) {
		argv[0] = "SELECT";
		argv[1] = dbnum;
		lens[0] = 6;
		lens[1] = strlen(dbnum);
		(void)redisAsyncCommandArgv(ac, NULL, NULL, 2, argv, lens);
	}
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	(void)ac;
	connected = status == REDIS_OK;
	if (!connected) {
		log_warn(NULL, "redis: cannot connect");
		resolve_again(DEP_REDIS); /* it may have moved */
	}
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	(void)ac;
	(void)status;
	if (connected)
		log_warn(NULL, "redis: connection lost");
	connected = 0;
	resolve_again(DEP_REDIS); /* it may have moved */
}

int
redis_command(redis_reply_fn fn, void *arg, int argc, const char **argv,
    const size_t *lens)
{
	struct pending *p;

	if (conn == NULL || !connected)
		return (-1);
	if ((p = malloc(sizeof(*p))) == NULL)
		return (-1);
	p->fn = fn;
	p->arg = arg;
	if (redisAsyncCommandArgv(conn->ac, on_reply, p, argc, argv, lens) !=
	    REDIS_OK) {
		free(p);
		return (-1);
	}
	return (0);
}

void
redis_flush(void)
{
	if (conn != NULL && connected)
		redisAsyncHandleWrite(conn->ac);
}

/* hiredis owns the reply; the pending record is ours. */
static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct pending *p = privdata;

	(void)ac;
	if (p == NULL)
		return;
	p->fn(reply, p->arg);
	free(p);
}

static void
update(struct kredis *k)
{
	if (k->want == 0) {
		if (k->registered)
			kore_platform_disable_read(k->fd);
		k->registered = 0;
		return;
	}
	kore_platform_event_schedule(k->fd, k->want | EPOLLRDHUP, 0, k);
	k->registered = 1;
}

static void
handle(void *arg, int err)
{
	struct kredis *k = arg;
	redisAsyncContext *ac;
	int flags;

	flags = k->evt.flags;
	k->evt.flags = 0; /* Kore never clears them */
	ac = k->ac;
	if (err || (flags & KORE_EVENT_READ))
		redisAsyncHandleRead(ac); /* may free k through cleanup */
	if (conn == k && (flags & KORE_EVENT_WRITE))
		redisAsyncHandleWrite(ac);
}

static void
add_read(void *arg)
{
	struct kredis *k = arg;

	k->want |= EPOLLIN;
	update(k);
}

static void
del_read(void *arg)
{
	struct kredis *k = arg;

	k->want &= ~EPOLLIN;
	update(k);
}

static void
add_write(void *arg)
{
	struct kredis *k = arg;

	k->want |= EPOLLOUT;
	update(k);
}

static void
del_write(void *arg)
{
	struct kredis *k = arg;

	k->want &= ~EPOLLOUT;
	update(k);
}

/* hiredis frees the context: forget the connection, retry later. */
static void
cleanup(void *arg)
{
	struct kredis *k = arg;

	k->want = 0;
	update(k);
	if (conn == k)
		conn = NULL;
	connected = 0;
	free(k);
}
