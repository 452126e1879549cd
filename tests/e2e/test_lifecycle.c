/*
 * The service's life cycle, on instances of its own: the start-up checks
 * that refuse a broken config or setting, the refusal of SIGHUP reloads,
 * the circuit breaker while PostgreSQL is unreachable, and a prompt stop
 * on SIGTERM. Each instance runs the module under test (the asan build in
 * BEE_E2E_DIR) from a scratch directory with a copy of conf/.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "expect.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define CONF "conf/bee_customers.conf"

struct instance {
	char dir[256];
	pid_t pid;
	unsigned short port;
};

static void conf_write(const char *, const char *, const char *);
static unsigned short free_port(void);
static void instance_prepare(struct instance *, const char *, const char *);
static void instance_spawn(struct instance *, const char *const *);
static int instance_wait_exit(struct instance *, int);
static void instance_wait_ready(struct instance *);
static void instance_stop(struct instance *);
static char *file_text(const char *, const char *);
static long now_ms(void);
static void runtime_preload(char *, size_t);
static void command_line(const char *, const char *, char *, size_t);
static void refused(const char *, const char *, const char *const *,
    const char *);

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

static unsigned short
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	len = sizeof(sin);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

/*
 * The repository's config with the line containing `drop` removed, or
 * with `from` replaced by `to`.
 */
static void
conf_write(const char *path, const char *from, const char *to)
{
	FILE *in, *out;
	char line[1024], *hit;

	in = fopen(CONF, "r");
	cr_assert_not_null(in, "run the e2e tests from the repository root");
	out = fopen(path, "w");
	cr_assert_not_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		hit = from != NULL ? strstr(line, from) : NULL;
		if (hit != NULL && to == NULL)
			continue;
		if (hit != NULL) {
			fprintf(out, "%.*s%s%s", (int)(hit - line), line, to,
			    hit + strlen(from));
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	cr_assert(fclose(out) == 0);
}

static void
instance_prepare(struct instance *in, const char *from, const char *to)
{
	const char *e2e;
	char path[512];

	e2e = getenv("BEE_E2E_DIR");
	cr_assert(e2e != NULL && *e2e != '\0',
	    "BEE_E2E_DIR must name the directory of the module under test");
	snprintf(in->dir, sizeof(in->dir), "%s/lifecycle.XXXXXX", e2e);
	cr_assert_not_null(mkdtemp(in->dir));
	snprintf(path, sizeof(path), "%s/conf", in->dir);
	cr_assert(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/" CONF, in->dir);
	conf_write(path, from, to);
	snprintf(path, sizeof(path), "%s/bee_customers.so", in->dir);
	cr_assert(symlink("../bee_customers.so", path) == 0);
	in->port = free_port();
	in->pid = -1;
}

/* One line of a command's output (no shell involved). */
static void
command_line(const char *prog, const char *arg, char *out, size_t outlen)
{
	ssize_t n;
	size_t off;
	pid_t pid;
	int fds[2];

	cr_assert(pipe(fds) == 0);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	off = 0;
	while (off + 1 < outlen &&
	    (n = read(fds[0], out + off, outlen - off - 1)) > 0)
		off += (size_t)n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	out[off] = '\0';
	out[strcspn(out, "\n")] = '\0';
	cr_assert(out[0] == '/', "%s %s gave no path", prog, arg);
}

/* gcc's sanitizer runtimes: the module under test is the asan build. */
static void
runtime_preload(char *out, size_t outlen)
{
	char asan[512], ubsan[512];

	command_line("gcc", "-print-file-name=libasan.so", asan, sizeof(asan));
	command_line("gcc", "-print-file-name=libubsan.so", ubsan,
	    sizeof(ubsan));
	cr_assert((size_t)snprintf(out, outlen, "%s %s", asan, ubsan) < outlen);
}

/* Starts kore in its own process group; `env` adds or overrides settings. */
static void
instance_spawn(struct instance *in, const char *const *env)
{
	char port[16], preload[1200], out[512], err[512];
	size_t i;
	pid_t pid;

	snprintf(port, sizeof(port), "%u", in->port);
	runtime_preload(preload, sizeof(preload));
	snprintf(out, sizeof(out), "%s/kore.out", in->dir);
	snprintf(err, sizeof(err), "%s/kore.err", in->dir);
	fflush(NULL);
	pid = fork();
	cr_assert(pid != -1);
	if (pid == 0) {
		setpgid(0, 0);
		/* a test that fails half-way must not leave kore behind */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(in->dir) == -1 || freopen(out, "w", stdout) == NULL ||
		    freopen(err, "w", stderr) == NULL)
			_exit(120);
		setenv("HOST", "127.0.0.1", 1);
		setenv("PORT", port, 1);
		setenv("WORKERS", "1", 1);
		setenv("UPLOAD_DIR", "uploads", 1);
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		setenv("LD_PRELOAD", preload, 1);
		for (i = 0; env != NULL && env[i] != NULL; i += 2)
			setenv(env[i], env[i + 1], 1);
		execlp("kore", "kore", "-fnr", "-c", CONF, (char *)NULL);
		_exit(121);
	}
	setpgid(pid, pid);
	in->pid = pid;
}

/* The exit status of kore, or -1 if it still runs after `ms`. */
static int
instance_wait_exit(struct instance *in, int ms)
{
	long deadline;
	int status;
	pid_t r;

	deadline = now_ms() + ms;
	do {
		r = waitpid(in->pid, &status, WNOHANG);
		if (r == in->pid) {
			in->pid = -1;
			return (WIFEXITED(status) ? WEXITSTATUS(status) :
						    128 + WTERMSIG(status));
		}
		usleep(20000);
	} while (now_ms() < deadline);
	return (-1);
}

static void
instance_wait_ready(struct instance *in)
{
	struct http_resp *r;
	char port[16];
	long deadline;
	int fd;

	snprintf(port, sizeof(port), "%u", in->port);
	setenv("BEE_PORT", port, 1);
	setenv("BEE_HOST", "127.0.0.1", 1);
	deadline = now_ms() + 15000;
	for (;;) {
		cr_assert(waitpid(in->pid, NULL, WNOHANG) == 0,
		    "kore exited during start-up: %s",
		    file_text(in->dir, "kore.err"));
		fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET,
			.sin_port = htons(in->port),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(fd);
			break;
		}
		close(fd);
		cr_assert(now_ms() < deadline, "kore did not listen in 15 s");
		usleep(50000);
	}
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
}

/* SIGKILL to the whole group: the test is over, whatever happened. */
static void
instance_stop(struct instance *in)
{
	if (in->pid > 0) {
		kill(-in->pid, SIGKILL);
		waitpid(in->pid, NULL, 0);
		in->pid = -1;
	}
}

/* A file of the instance, as text (static buffer; for messages). */
static char *
file_text(const char *dir, const char *name)
{
	static char text[8192];
	char path[512];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL)
		return (text);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return (text);
}

static void
refused(const char *from, const char *to, const char *const *env,
    const char *message)
{
	struct instance in;
	int status;

	instance_prepare(&in, from, to);
	instance_spawn(&in, env);
	status = instance_wait_exit(&in, 15000);
	instance_stop(&in);
	cr_assert(status > 0, "kore started (status %d)", status);
	cr_assert_not_null(strstr(file_text(in.dir, "kore.err"), message),
	    "expected \"%s\" in: %s", message, file_text(in.dir, "kore.err"));
}

Test(startup, refuses_protected_route_without_jwt)
{
	refused("h_customer\tjwt", "h_customer", NULL,
	    "must be behind the 'jwt' block");
}

Test(startup, refuses_catch_all_not_last)
{
	refused("route\t^/.*$", NULL, NULL, "must end with 'route ^/.*$");
}

Test(startup, refuses_missing_validator)
{
	refused("validator\tv_phone", NULL, NULL,
	    "validator v_phone is missing");
}

Test(startup, refuses_known_default_secret)
{
	static const char *const env[] = { "SECRET_KEY", "supersecretkey",
		NULL };

	refused(NULL, NULL, env, "SECRET_KEY: a well-known default");
}

Test(startup, refuses_unparsable_rate)
{
	static const char *const env[] = { "CUSTOMER_PATCH_RATE",
		"five a minute", NULL };

	refused(NULL, NULL, env, "CUSTOMER_PATCH_RATE");
}

Test(lifecycle, sighup_reload_is_refused)
{
	struct instance in;
	struct http_resp *r;
	char *tok, path[64], id[UUID_STR_LEN];

	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, NULL);
	instance_wait_ready(&in);

	cr_assert(kill(in.pid, SIGHUP) == 0);
	usleep(500000);
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	/* the authenticated path still works: the module was not swapped */
	tok = tok_internal();
	uuid4(id);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_detail(r, 404, "Customer not found");
	http_resp_free(r);
	free(tok);
	instance_stop(&in);
	cr_assert_not_null(strstr(file_text(in.dir, "kore.err"),
			       "module reload refused"),
	    "no refusal logged: %s", file_text(in.dir, "kore.err"));
}

Test(lifecycle, database_unreachable_is_503_at_once)
{
	struct instance in;
	struct http_resp *r;
	char url[128], *tok, path[64], id[UUID_STR_LEN];
	const char *env[3];
	long start;
	int i;

	/* a port nobody listens on: connections are refused */
	snprintf(url, sizeof(url),
	    "postgresql://postgres@127.0.0.1:%u/bee_customers", free_port());
	env[0] = "DATABASE_URL";
	env[1] = url;
	env[2] = NULL;
	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, env);
	instance_wait_ready(&in);

	tok = tok_internal();
	for (i = 0; i < 5; i++) {
		uuid4(id);
		snprintf(path, sizeof(path), "/customers/%s", id);
		start = now_ms();
		r = http_req_tok("GET", path, tok, NULL);
		expect_detail(r, 503, "database unavailable");
		expect_module_headers(r);
		cr_assert_lt(now_ms() - start, 1000);
		http_resp_free(r);
	}
	free(tok);

	r = http_req("GET", "/ready", NULL, NULL, 0);
	expect_status(r, 503);
	cr_assert_not_null(strstr(r->body, "\"status\":\"not_ready\""));
	cr_assert_not_null(strstr(r->body, "\"postgres\":\"down\""));
	http_resp_free(r);
	r = http_req("GET", "/healthcheck", NULL, NULL, 0);
	expect_status(r, 200);
	http_resp_free(r);
	instance_stop(&in);
}

Test(lifecycle, sigterm_stops_every_process_promptly)
{
	struct instance in;
	struct http_resp *r;
	char *tok, path[64], id[UUID_STR_LEN];
	pid_t group;
	long deadline;
	int i;

	instance_prepare(&in, NULL, NULL);
	instance_spawn(&in, NULL);
	instance_wait_ready(&in);
	/* pooled PostgreSQL connections are what once hung the exit */
	tok = tok_internal();
	for (i = 0; i < 4; i++) {
		uuid4(id);
		snprintf(path, sizeof(path), "/customers/%s", id);
		r = http_req_tok("GET", path, tok, NULL);
		expect_status(r, 404);
		http_resp_free(r);
	}
	free(tok);

	group = in.pid;
	cr_assert(kill(in.pid, SIGTERM) == 0);
	cr_assert_geq(instance_wait_exit(&in, 5000), 0,
	    "kore did not exit within 5 s of SIGTERM");
	deadline = now_ms() + 5000;
	while (kill(-group, 0) == 0 && now_ms() < deadline)
		usleep(20000);
	cr_assert(kill(-group, 0) == -1 && errno == ESRCH,
	    "a worker outlived its parent by 5 s");
}
