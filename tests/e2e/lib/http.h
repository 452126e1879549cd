/*
 * A minimal HTTP/1.1 client over raw TCP sockets. No libcurl: the tests need
 * byte-level control (smuggled requests, bodies on GET, what exactly comes
 * back on the wire), and a client that normalises would hide the bugs.
 */
#ifndef E2E_HTTP_H
#define E2E_HTTP_H

#include <stddef.h>

#define HTTP_TIMEOUT_MS 5000

struct http_header {
	char *name;
	char *value;
};

struct http_resp {
	int status;
	struct http_header *headers;
	size_t nheaders;
	char *body; /* NUL-terminated copy */
	size_t body_len;
};

/* One request on a fresh connection with Connection: close. */
struct http_resp *http_req(const char *, const char *, const char **,
    const void *, size_t);
/* The same with "Authorization: Bearer <tok>" (tok may be NULL) and, for a
 * non-NULL json, "Content-Type: application/json". */
struct http_resp *http_req_tok(const char *, const char *, const char *,
    const char *);
/* The same with "X-Trace-Id: <trace>" when trace is not NULL. */
struct http_resp *http_req_traced(const char *, const char *, const char *,
    const char *, const char *);

const char *http_hdr(const struct http_resp *, const char *);
size_t http_hdr_count(const struct http_resp *, const char *);
void http_resp_free(struct http_resp *);

/*
 * A client that goes away: sends the whole request on a fresh connection
 * and reads nothing. Returns the socket, for raw_close when the test wants
 * the client gone.
 */
int http_send_only(const char *, const char *, const char **, const void *,
    size_t);

/* Keep-alive: several requests on one connection. */
struct http_conn;
struct http_conn *http_conn_open(void);
struct http_resp *http_conn_req(struct http_conn *, const char *, const char *,
    const char **, const void *, size_t);
int http_conn_peer_closed(struct http_conn *, int);
void http_conn_close(struct http_conn *);

/* Raw bytes, for malformed and smuggling requests. */
int raw_conn_open(void);
void raw_send(int, const void *, size_t);
void raw_send_str(int, const char *);
char *raw_recv_all(int, int, size_t *, int *);
void raw_close(int);
/*
 * Half-closes, then waits up to ms for the server to close without a
 * byte of answer (it saw its client go), and closes.
 */
void raw_close_seen(int, int);
/*
 * 1 once the bytes waiting unread on the socket hold needle (ms at most),
 * reading none of them: what the server sent so far, while the client
 * takes nothing.
 */
int raw_wait_peek(int, const char *, int);

/* Parse responses out of bytes read off the wire. */
int http_parse(const char *, size_t, int, int, struct http_resp **, size_t *);
size_t http_count_resps(const char *, size_t);

#endif
