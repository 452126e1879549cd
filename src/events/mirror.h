/*
 * The Redis mirror of unsent events (design.md section 6): the list
 * `failed_events` holds the original service's item plus its id,
 * {"event","payload","trace_id","message_id"}, for each outbox row the
 * publisher could not send. The outbox row stays the source of truth; the
 * item is removed (by its exact text) once the row is confirmed.
 *
 * Linear, whatever the list's length: the publisher parks and sends rows
 * in id order, so the items it removes are at the list's head. One Lua
 * script per batch marks the batch's items found among the first
 * (batch + MIRROR_SLACK) items and removes them with one LREM bounded by
 * their count; only an item not found there (removed by hand, or behind
 * items that wait for the broker) costs a scan, LREM count 1. Parking
 * pushes a batch of items in one script too, each unless it is among the
 * list's last MIRROR_TAIL items: a crash between the push and the row's
 * parked_at leaves the row unparked and its item at the tail, so parking
 * it again adds no second copy (which one-copy removal would leave
 * behind).
 *
 * Blocking hiredis with short timeouts: for the publisher's thread and
 * command-line tools, never a worker's loop. No Kore header.
 */
#ifndef BEE_MIRROR_H
#define BEE_MIRROR_H

#include <stddef.h>

#define MIRROR_LIST "failed_events"
#define MIRROR_ERRLEN 256
#define MIRROR_SLACK 100 /* foreign items tolerated before a batch's */
#define MIRROR_TAIL 1000 /* >= the publisher's largest parking batch */

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
/*
 * RPUSH, in order, each of the n items that is not among the last
 * MIRROR_TAIL items of failed_events, in one script. 0, or -1 (the
 * connection is dropped, nothing is pushed).
 */
int mirror_push(struct mirror *m, const char *const *items, int n, char *err,
    size_t errlen);
/*
 * Removes one copy of each of the n items, in one script (see above).
 * 0, or -1 (the connection is dropped, nothing is removed).
 */
int mirror_remove(struct mirror *m, const char *const *items, int n, char *err,
    size_t errlen);
/* LLEN failed_events into *n: 0, or -1 (the connection is dropped). */
int mirror_length(struct mirror *m, long long *n, char *err, size_t errlen);
void mirror_close(struct mirror *m);

#endif
