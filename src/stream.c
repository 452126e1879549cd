/*
 * Chunked responses with one chunk on the wire at a time (stream.h).
 *
 * Ownership: the part belongs to the stream; a flushed part becomes the
 * chunk on the wire (`wire`), which Kore sends from our memory and hands
 * back through chunk_sent, also when the connection goes away (Kore
 * removes its netbufs through the same callback). A stream freed while
 * its chunk is still on the wire is left to chunk_sent to free.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"
#include "reply.h"
#include "stream.h"

struct stream {
	struct http_request *req; /* NULL once freed by the request */
	struct jsonw part;
	char *wire; /* the chunk being sent, owned until chunk_sent */
	size_t total; /* body bytes, for the log line */
	int status;
	int chunked; /* HTTP/1.1: chunked; 1.0: the close ends the body */
	int head; /* HEAD: headers only */
	int close; /* the connection closes after the body */
};

static int chunk_sent(struct netbuf *);

struct stream *
stream_begin(struct http_request *req, int status)
{
	struct stream *s;
	struct connection *c = req->owner;

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

	free(s->wire);
	s->wire = NULL;
	if (s->req == NULL)
		free(s);
	else
		http_request_wakeup(s->req);
	return (KORE_RESULT_OK);
}
