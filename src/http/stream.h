/*
 * A response body sent while it is made, for replies that must stay whole
 * but must not be held whole (the GDPR export of a long history): HTTP/1.1
 * chunked transfer coding (HTTP/1.0: the body ends with the connection),
 * one chunk on the wire at a time. The handler writes a part, flushes it
 * as a chunk, and makes the next part only once the client has taken the
 * previous chunk (stream_busy), so a worker holds at most two parts per
 * request however long the body and however slow the client.
 *
 * Kore 4.1 has no such API for C handlers: this does what its Python
 * runtime does for a generator (kore's python.c, pyhttp_iterobj): the
 * connection is marked busy so that no next request is read while the
 * body is being sent, each chunk is a stream netbuf whose callback says
 * it was sent, and reading resumes after the last chunk.
 */
#ifndef BEE_STREAM_H
#define BEE_STREAM_H

#include <kore/kore.h>
#include <kore/http.h>

#include "model/jsonw.h"

struct stream;

/*
 * Sends the status and headers (the module's, JSON) now; the body
 * follows. For HEAD, the headers only. The request's context owns the
 * stream from here (stream_free from its state).
 */
struct stream *stream_begin(struct http_request *req, int status);
/* The part being made: write the next bytes of the body into it. */
struct jsonw *stream_part(struct stream *s);
/* 1 while a chunk is on the wire: the request is woken when it is sent. */
int stream_busy(const struct stream *s);
/* 1 for HEAD: the headers went out and are the whole answer. */
int stream_headers_only(const struct stream *s);
/*
 * Sends the part as a chunk (not while busy). The client has a deadline
 * to take it (the keep-alive time, stream.c); a client that takes none
 * for that long is disconnected.
 */
void stream_flush(struct stream *s);
/* Sends the part and the end of the body, writes the log line. */
void stream_end(struct stream *s);
/* The request is over (or gone): a chunk still on the wire frees it. */
void stream_free(struct stream *s);

#endif
