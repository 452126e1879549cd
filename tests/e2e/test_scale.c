/*
 * scripts/scale (docs/operations.md "Several instances"): two instances of
 * the module under test behind HAProxy answer through it; restarting one
 * while a client sends GETs and POSTs on a keep-alive connection fails
 * none of them; `publisher` names the instance whose publisher holds the
 * outbox lock, and another's takes over once that one is killed; `down`
 * leaves nothing running. A quick check of the commands the drill
 * (scripts/drill) drives at length. The instances use a database of the
 * test's own, so that only their publishers compete for the lock.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "env.h"
#include "expect.h"
#include "http.h"
#include "instance.h"
#include "scratch.h"
#include "token.h"
#include "uuid4.h"

#define INSTANCES 2
#define TAKEOVER_MS 15000

/* A client of HAProxy: GET and POST in turn on one keep-alive connection. */
struct client {
	pthread_t thread;
	volatile int stop;
	char *tok, path[96];
	char bid[UUID_STR_LEN];
	int answered, failed;
	char failure[160];
};

static void setup(void);
static void teardown(void);
static int scale(const char *, const char *, char *, size_t);
static int publisher_other_than(int, int);
static void expect_scale_status(const char *, const char *);
static void *client_run(void *);
static int client_one(struct client *, struct http_conn **, int);

static char dir[512], db_url[512], db_name[128];
static PGconn *db;

static void
setup(void)
{
	char so[512], preload[1200], port[16];
	const char *e2e;

	e2e = getenv("BEE_E2E_DIR");
	cr_assert(e2e != NULL && *e2e != '\0',
	    "BEE_E2E_DIR must name the e2e-up directory (its asan module)");
	cr_assert(access("scripts/scale", X_OK) == 0,
	    "run from the repository root (scripts/scale)");
	(void)snprintf(dir, sizeof(dir), "%s/scale.%ld", e2e, (long)getpid());
	(void)snprintf(so, sizeof(so), "%s/bee_customers.so", e2e);
	db = scratch_db("bee_scale_", db_url, sizeof(db_url), db_name,
	    sizeof(db_name));
	instance_preload(preload, sizeof(preload));
	(void)snprintf(port, sizeof(port), "%u", instance_free_port());
	/* what scripts/scale up saves for the instances, and HAProxy's port */
	setenv("SCALE_DIR", dir, 1);
	setenv("SCALE_SO", so, 1);
	setenv("SCALE_PRELOAD", preload, 1);
	setenv("SCALE_PORT", port, 1);
	setenv("DATABASE_URL", db_url, 1);
	setenv("HOST", "127.0.0.1", 1);
	setenv("WORKERS", "1", 1);
	setenv("SHUTDOWN_GRACE_SECONDS", "5", 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
	unsetenv("UPLOAD_DIR");
	/* every request of the test through HAProxy */
	setenv("BEE_HOST", "127.0.0.1", 1);
	setenv("BEE_PORT", port, 1);
}

static void
teardown(void)
{
	(void)scale("down", NULL, NULL, 0);
	if (db != NULL)
		scratch_drop(db, db_name);
}

/*
 * scripts/scale CMD [ARG]: its exit status (128 + signal when killed); its
 * stdout in out when not NULL (its stderr is the test's). The instances it
 * starts must not keep the test's sockets and pipes open: the child closes
 * every other descriptor, and calls only async-signal-safe functions (the
 * test has threads).
 */
static int
scale(const char *cmd, const char *arg, char *out, size_t outlen)
{
	char path[] = "/tmp/scale-out.XXXXXX";
	ssize_t n;
	pid_t pid;
	int fd, status;

	fd = mkstemp(path);
	cr_assert(fd != -1, "mkstemp: %s", strerror(errno));
	(void)unlink(path);
	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		(void)dup2(fd, 1);
		(void)close_range(3, ~0U, 0);
		execl("scripts/scale", "scale", cmd, arg, (char *)NULL);
		_exit(127);
	}
	cr_assert(waitpid(pid, &status, 0) == pid);
	if (out != NULL) {
		(void)lseek(fd, 0, SEEK_SET);
		n = read(fd, out, outlen - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return (
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/*
 * Waits until `scripts/scale publisher` names an instance other than old
 * (0: any) and returns it; 0 when none does within ms.
 */
static int
publisher_other_than(int old, int ms)
{
	char out[64];
	long deadline;
	int i;

	deadline = instance_now_ms() + ms;
	do {
		if (scale("publisher", NULL, out, sizeof(out)) == 0) {
			i = (int)strtol(out, NULL, 10);
			cr_assert(i >= 1 && i <= INSTANCES,
			    "scripts/scale publisher printed '%s'", out);
			if (i != old)
				return (i);
		}
		usleep(200 * 1000);
	} while (instance_now_ms() < deadline);
	return (0);
}

/* `scripts/scale status` prints exactly want, its PGIDs and pid aside. */
static void
expect_scale_status(const char *want, const char *what)
{
	char out[512], got[512], port[8], state[8], name[16];
	char *line, *save;
	size_t off;
	int n;

	cr_assert_eq(scale("status", NULL, out, sizeof(out)), 0);
	got[0] = '\0';
	off = 0;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		n = sscanf(line, "%15s %7s %*s %7s", name, port, state);
		cr_assert(n == 3, "status line '%s'", line);
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s %s;",
		    name, state);
	}
	cr_assert_str_eq(got, want, "%s: status says %s", what, got);
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	struct http_conn *conn;
	int i;

	conn = http_conn_open();
	for (i = 0; !c->stop; i++) {
		if (!client_one(c, &conn, i % 2))
			break;
	}
	http_conn_close(conn);
	return (NULL);
}

/* One request; 0 once one failed (recorded in c). */
static int
client_one(struct client *c, struct http_conn **conn, int post)
{
	struct http_resp *r;
	const char *hdrs[3];
	char auth[2048], uid[UUID_STR_LEN], *body;
	int want;

	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->tok);
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = NULL;
	if (post) {
		uuid4(uid);
		body = cust_body(uid, c->bid, NULL);
		r = http_conn_req(*conn, "POST", "/customers", hdrs, body,
		    strlen(body));
		free(body);
		want = 201;
	} else {
		hdrs[1] = NULL;
		r = http_conn_req(*conn, "GET", c->path, hdrs, NULL, 0);
		want = 200;
	}
	if (r == NULL || r->status != want) {
		c->failed++;
		(void)snprintf(c->failure, sizeof(c->failure), "%s: %d",
		    post ? "POST /customers" : c->path, r ? r->status : 0);
		http_resp_free(r);
		return (0);
	}
	c->answered++;
	/* HAProxy keeps the client's connection; reopen if it ever closes */
	if (http_conn_peer_closed(*conn, 0)) {
		http_conn_close(*conn);
		*conn = http_conn_open();
	}
	http_resp_free(r);
	return (1);
}

TestSuite(scale, .init = setup, .fini = teardown, .timeout = 120);

Test(scale, up_restart_publisher_kill_down)
{
	struct client c;
	struct instance in;
	struct http_resp *r;
	char id[UUID_STR_LEN], uid[UUID_STR_LEN], arg[32], want[64];
	int holder, next, before, i;

	cr_assert_eq(scale("up", "2", NULL, 0), 0, "scripts/scale up 2 failed");
	expect_scale_status("1 up;2 up;haproxy up;", "after up");
	r = http_req("GET", "/ready", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);

	/* a client on one keep-alive connection while instance 1 restarts */
	memset(&c, 0, sizeof(c));
	uuid4(c.bid);
	cust_create(c.bid, id, uid);
	c.tok = tok_superadmin();
	(void)snprintf(c.path, sizeof(c.path), "/customers/%s", id);
	cr_assert(pthread_create(&c.thread, NULL, client_run, &c) == 0);
	usleep(300 * 1000);
	before = c.answered;
	cr_assert_eq(scale("restart", "1", NULL, 0), 0);
	usleep(300 * 1000);
	c.stop = 1;
	cr_assert(pthread_join(c.thread, NULL) == 0);
	free(c.tok);
	cr_assert_eq(c.failed, 0, "a request failed across the restart: %s",
	    c.failure);
	cr_assert_gt(c.answered, before, "no request answered meanwhile");
	cr_assert_gt(before, 0, "no request answered before the restart");

	/* the lock holder, by its connection's name; killed, another takes it */
	holder = publisher_other_than(0, TAKEOVER_MS);
	cr_assert_neq(holder, 0, "no instance's publisher holds the lock");
	(void)snprintf(arg, sizeof(arg), "%d", holder);
	cr_assert_eq(scale("kill", arg, NULL, 0), 0);
	next = publisher_other_than(holder, TAKEOVER_MS);
	cr_assert_neq(next, 0, "no publisher took the lock over from %d",
	    holder);
	r = http_req("GET", "/ready", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	(void)snprintf(want, sizeof(want), "1 %s;2 %s;haproxy up;",
	    holder == 1 ? "down" : "up", holder == 2 ? "down" : "up");
	expect_scale_status(want, "after kill");

	cr_assert_eq(scale("down", NULL, NULL, 0), 0);
	expect_scale_status("1 down;2 down;haproxy down;", "after down");
	/* no sanitizer report, no worker death in the instances' logs */
	for (i = 1; i <= INSTANCES; i++) {
		memset(&in, 0, sizeof(in));
		(void)snprintf(in.dir, sizeof(in.dir), "%s/%d", dir, i);
		instance_expect_clean(&in);
	}
}
