/*
 * Chunked responses with one chunk on the wire at a time (stream.h).
 *
 * Ownership: the part belongs to the stream; a flushed part becomes the
 * chunk on the wire (`wire`), which Kore sends from our memory and hands
 * back through chunk_sent, also when the connection goes away (Kore
 * removes its netbufs through the same callback). A stream freed while
 * its chunk is still on the wire is left to chunk_sent to free.
 *
 * A chunk on the wire has a deadline (`timer`): a client that stops
 * reading would otherwise hold the request, its connection and a page
 * forever, since Kore times out no connection that has a request (its
 * idle timer only runs between requests). The timer is armed when a
 * chunk goes on the wire and removed when it was sent (or dropped), so it
 * lives exactly as long as `wire`. On expiry, a client that took some of
 * the chunk meanwhile gets another deadline (a slow client is no stalled
 * one: a chunk may be a megabyte); one that took nothing is closed, and
 * Kore then drops the chunk through chunk_sent as for any close. What
 * the client took shows as Kore's offset in the chunk, which moves only
 * when the kernel's send buffer has room again: that buffer is set to
 * STREAM_SNDBUF for the connection (Linux grows it to 4 MiB otherwise,
 * which a client reading 100 KB/s takes 20 s to drain by a third), so a
 * client that reads at all shows it within the deadline.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/ctx.h"
#include "infra/log.h"
#include "http/reply.h"
#include "http/stream.h"

struct stream {
	struct http_request *req; /* NULL once freed by the request */
	struct connection *conn; /* of the chunk on the wire */
	struct kore_timer *timer; /* its deadline, armed while `wire` */
	struct netbuf *nb; /* Kore's for the chunk: how much was taken */
	size_t taken; /* of it when the deadline was armed */
	struct jsonw part;
	char *wire; /* the chunk being sent, owned until chunk_sent */
	size_t total; /* body bytes, for the log line */
	int status;
	int chunked; /* HTTP/1.1: chunked; 1.0: the close ends the body */
	int head; /* HEAD: headers only */
	int close; /* the connection closes after the body */
};

/* seconds a chunk may wait for the client when keep-alive is off */
#define STREAM_DEADLINE_DEFAULT 20
/* the kernel's send buffer of a streaming connection (it doubles it) */
#define STREAM_SNDBUF (128 * 1024)

static int chunk_sent(struct netbuf *);
static void stalled(void *, uint64_t);
static uint64_t deadline_ms(void);

struct stream *
stream_begin(struct http_request *req, int status)
{
	struct stream *s;
	struct connection *c = req->owner;
	int sndbuf;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("stream: out of memory");
	jsonw_init(&s->part);
	s->req = req;
	s->status = status;
	s->head = req->method == HTTP_METHOD_HEAD;
	s->chunked = !(req->flags & HTTP_VERSION_1_0);
	if (!s->head && c != NULL) {
		/* no next request is read while this body is being sent */
		c->flags |= CONN_IS_BUSY;
		sndbuf = STREAM_SNDBUF;
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
	}
	reply_stream_headers(req, status, s->chunked);
	if (!s->head && c != NULL) {
		/* Kore closes once its queue is empty: only after the body */
		s->close = (c->flags & CONN_CLOSE_EMPTY) || !s->chunked;
		c->flags &= ~CONN_CLOSE_EMPTY;
	}
	return (s);
}

struct jsonw *
stream_part(struct stream *s)
{
	return (&s->part);
}

int
stream_busy(const struct stream *s)
{
	return (s->wire != NULL);
}

int
stream_headers_only(const struct stream *s)
{
	return (s->head);
}

void
stream_flush(struct stream *s)
{
	struct connection *c = s->req->owner;
	struct netbuf *nb;
	char size[24];
	int n;

	if (s->part.len == 0 || s->wire != NULL)
		return;
	s->total += s->part.len;
	if (s->head || c == NULL || s->part.failed) {
		if (s->part.failed && c != NULL)
			kore_connection_disconnect(c);
		jsonw_free(&s->part);
		jsonw_init(&s->part);
		return;
	}
	if (s->chunked) {
		n = snprintf(size, sizeof(size), "%zx\r\n", s->part.len);
		net_send_queue(c, size, (size_t)n);
		jsonw_raw(&s->part, "\r\n", 2);
	}
	/* the part goes on the wire as it is; a new one is made */
	s->wire = s->part.buf;
	net_send_stream(c, s->wire, s->part.len, chunk_sent, &nb);
	nb->extra = s;
	jsonw_init(&s->part);
	s->conn = c;
	s->nb = nb;
	s->taken = 0;
	s->timer =
	    kore_timer_add(stalled, deadline_ms(), s, KORE_TIMER_ONESHOT);
	if (!net_send_flush(c))
		kore_connection_disconnect(c);
}

void
stream_end(struct stream *s)
{
	struct connection *c = s->req->owner;

	stream_flush(s);
	if (!s->head && c != NULL) {
		if (s->chunked)
			net_send_queue(c, "0\r\n\r\n", 5);
		c->flags &= ~CONN_IS_BUSY;
		if (s->close)
			c->flags |= CONN_CLOSE_EMPTY;
		else
			http_start_recv(c);
		if (!net_send_flush(c))
			kore_connection_disconnect(c);
	}
	reply_stream_finish(s->req, s->status, s->total);
}

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	if (s->wire == NULL && s->timer != NULL) {
		/* cannot be (the timer lives as long as the chunk): be sure */
		kore_timer_remove(s->timer);
		s->timer = NULL;
	}
	jsonw_free(&s->part);
	s->req = NULL;
	if (s->wire == NULL)
		free(s);
}

/* Kore sent the chunk, or dropped it with its connection. */
static int
chunk_sent(struct netbuf *nb)
{
	struct stream *s = nb->extra;

	if (s->timer != NULL) {
		kore_timer_remove(s->timer);
		s->timer = NULL;
	}
	free(s->wire);
	s->wire = NULL;
	s->conn = NULL;
	s->nb = NULL;
	if (s->req == NULL)
		free(s);
	else
		http_request_wakeup(s->req);
	return (KORE_RESULT_OK);
}

/*
 * A deadline of the chunk on the wire passed (Kore frees the one-shot
 * timer after this): another one if the client took some of the chunk
 * meanwhile, else close; Kore then drops the chunk, which frees it.
 */
static void
stalled(void *arg, uint64_t now)
{
	struct stream *s = arg;
	struct log_field f[1];

	(void)now;
	s->timer = NULL;
	if (s->nb->s_off > s->taken) {
		s->taken = s->nb->s_off;
		s->timer = kore_timer_add(stalled, deadline_ms(), s,
		    KORE_TIMER_ONESHOT);
		return;
	}
	memset(f, 0, sizeof(f));
	f[0].key = "deadline_ms";
	f[0].num = (long long)deadline_ms();
	log_write(LOG_LEVEL_WARNING,
	    s->req != NULL ? ctx_get(s->req)->trace_id : NULL,
	    "client took nothing of a chunk within the deadline, connection closed",
	    f, 1);
	kore_connection_disconnect(s->conn);
}

/*
 * The deadline of one chunk: the configured keep-alive time
 * (conf/bee_customers.conf, http_keepalive_time), the time Kore gives an
 * idle client too; STREAM_DEADLINE_DEFAULT seconds if it is 0.
 */
static uint64_t
deadline_ms(void)
{
	uint64_t secs = http_keepalive_time;

	if (secs == 0)
		secs = STREAM_DEADLINE_DEFAULT;
	return (secs * 1000);
}
