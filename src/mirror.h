/*
 * The Redis mirror of unsent events (design.md section 6): the list
 * `failed_events` holds the original service's item plus its id,
 * {"event","payload","trace_id","message_id"}, for each outbox row the
 * publisher could not send. The outbox row stays the source of truth; the
 * item is removed (LREM by its exact text) once the row is confirmed.
 *
 * Blocking hiredis with short timeouts: for the publisher's thread and
 * command-line tools, never a worker's loop. No Kore header.
 */
#ifndef BEE_MIRROR_H
#define BEE_MIRROR_H

#include <stddef.h>

#define MIRROR_LIST "failed_events"
#define MIRROR_ERRLEN 256

struct mirror_url {
	char password[256]; /* "" when none */
	int db; /* SELECT this database when > 0 */
	char host[256];
	int port;
};

struct mirror {
	void *ctx; /* redisContext; NULL: not connected */
};

/* redis://[[user]:password@]host[:port][/db]; 0, or -1 when malformed. */
int mirror_parse_url(const char *url, struct mirror_url *out);
/*
 * Connects to `url`, at `address` instead of its host when not NULL or
 * empty, with timeout_ms for the connect and every command (AUTH and
 * SELECT as the URL asks). 0, or -1 with the reason in err.
 */
int mirror_connect(struct mirror *m, const char *url, const char *address,
    int timeout_ms, char *err, size_t errlen);
/* RPUSH failed_events item. 0, or -1 (the connection is dropped). */
int mirror_push(struct mirror *m, const char *item, char *err, size_t errlen);
/* LREM failed_events 0 item (every copy): 0, or -1 (dropped). */
int mirror_remove(struct mirror *m, const char *item, char *err, size_t errlen);
/* LLEN failed_events into *n: 0, or -1 (the connection is dropped). */
int mirror_length(struct mirror *m, long long *n, char *err, size_t errlen);
void mirror_close(struct mirror *m);

#endif
