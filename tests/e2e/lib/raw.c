/*
 * The socket layer under http.c, also used directly by tests that must put
 * exact bytes on the wire. Every socket gets send and receive timeouts so a
 * hung service fails the test instead of hanging the run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "http.h"

static long now_ms(void);

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

int
raw_conn_open(void)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv;
	char port[8];
	int fd, rc, one;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", env_port());

	rc = getaddrinfo(env_host(), port, &hints, &res);
	cr_assert(rc == 0, "getaddrinfo(%s): %s", env_host(), gai_strerror(rc));

	fd = -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	cr_assert(fd != -1, "cannot connect to %s:%u: %s", env_host(),
	    env_port(), strerror(errno));

	tv.tv_sec = HTTP_TIMEOUT_MS / 1000;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Small writes must leave at once: some tests time the service. */
	one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	return (fd);
}

/*
 * Sending fails softly: a server may answer and close before it has read
 * everything (413, 400), and the test then wants to read that answer.
 */
void
raw_send(int fd, const void *buf, size_t len)
{
	const char *p;
	ssize_t n;

	p = buf;
	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

void
raw_send_str(int fd, const char *s)
{
	raw_send(fd, s, strlen(s));
}

/*
 * Read until the peer closes or timeout_ms passes, whichever is first.
 * *closed says which. The result is NUL-terminated and the caller frees it.
 */
char *
raw_recv_all(int fd, int timeout_ms, size_t *lenp, int *closed)
{
	struct pollfd pfd;
	char *buf, *nbuf;
	size_t len, cap;
	ssize_t n;
	long deadline, left;

	cap = 8192;
	len = 0;
	buf = malloc(cap);
	cr_assert(buf != NULL);
	*closed = 0;
	deadline = now_ms() + timeout_ms;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			nbuf = realloc(buf, cap);
			cr_assert(nbuf != NULL);
			buf = nbuf;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == 0) {
			*closed = 1;
			break;
		}
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* A reset is a close too, as far as the client sees. */
			*closed = 1;
			break;
		}
		len += (size_t)n;
	}

	buf[len] = '\0';
	*lenp = len;
	return (buf);
}

void
raw_close(int fd)
{
	if (fd != -1)
		close(fd);
}

/*
 * The client goes away (its FIN) and waits until the server closed its
 * end too, which it does once its worker saw the client go: a test can
 * then let the request's statement go on, knowing that nobody waits for
 * the answer. The server must close without answering.
 */
void
raw_close_seen(int fd, int ms)
{
	char *buf;
	size_t len;
	int closed;

	cr_assert_eq(shutdown(fd, SHUT_WR), 0, "shutdown: %s", strerror(errno));
	buf = raw_recv_all(fd, ms, &len, &closed);
	cr_assert(closed, "still connected %d ms after the client left", ms);
	cr_assert_eq(len, 0, "a client that left got an answer: %.200s", buf);
	free(buf);
	close(fd);
}

int
raw_wait_peek(int fd, const char *needle, int ms)
{
	char buf[65536];
	long deadline;
	ssize_t n;

	deadline = now_ms() + ms;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n > 0 && memmem(buf, (size_t)n, needle, strlen(needle)))
			return (1);
		if (now_ms() >= deadline)
			return (0);
		(void)poll(NULL, 0, 20);
	}
}
