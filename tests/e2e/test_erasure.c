/*
 * Erasure leaves no avatar behind (docs/api.md): the uploaded file goes
 * once the erasure commits, even when the client went away while it was in
 * flight (DELETE /customers/{id} and POST /gdpr/delete), or the service
 * was told to stop at that moment. The events: test_erasure_events.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "db.h"
#include "env.h"
#include "http.h"
#include "instance.h"
#include "rowlock.h"
#include "token.h"
#include "uuid4.h"

static void avatar_on_disk(const char *, const char *, char *, size_t);
static int erase_send(int, const char *, const char *, const char *,
    const char *);
static int erase_gone_while_blocked(int, const char *, const char *,
    const char *, const char *);

/*
 * A file of the generated form in the UPLOAD_DIR dir (NULL: the shared
 * service's), named by customer id's row: its path.
 */
static void
avatar_on_disk(const char *dir, const char *id, char *path, size_t len)
{
	char name[64], hex[UUID_STR_LEN], shared[300];
	size_t i, n;
	FILE *f;

	uuid4(hex);
	for (i = n = 0; hex[i] != '\0'; i++) {
		if (hex[i] != '-')
			name[n++] = hex[i];
	}
	memcpy(name + n, ".png", 5);
	if (dir == NULL) {
		cr_assert(getenv("BEE_E2E_DIR") != NULL,
		    "BEE_E2E_DIR must name the service's directory");
		(void)snprintf(shared, sizeof(shared), "%s/uploads",
		    getenv("BEE_E2E_DIR"));
		dir = shared;
	}
	(void)snprintf(path, len, "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	cr_assert_eq(fputs("\x89PNG\r\n\x1a\n", f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
	db_exec("UPDATE customers SET avatar_file = $2, avatar_url = "
		"'/uploads/' || $2 WHERE id = $1",
	    id, name, DB_END);
}

/*
 * The erasure (route 0: DELETE /customers/{id}, 1: POST /gdpr/delete) from
 * a client that reads nothing: its socket.
 */
static int
erase_send(int route, const char *tok, const char *id, const char *uid,
    const char *bid)
{
	char auth[2048], path[128], body[160];
	const char *hdrs[3];

	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = NULL;
	if (route == 0) {
		(void)snprintf(path, sizeof(path), "/customers/%s", id);
		hdrs[1] = NULL;
		return (http_send_only("DELETE", path, hdrs, NULL, 0));
	}
	(void)snprintf(body, sizeof(body),
	    "{\"user_id\":\"%s\",\"business_id\":\"%s\"}", uid, bid);
	return (
	    http_send_only("POST", "/gdpr/delete", hdrs, body, strlen(body)));
}

/*
 * Sends the erasure from a client that goes away while the statement
 * waits on the row, then lets it commit. 1 when the row is gone within 5 s.
 */
static int
erase_gone_while_blocked(int route, const char *tok, const char *id,
    const char *uid, const char *bid)
{
	struct rowlock *l;
	int fd, tries;

	l = rowlock_take(env_database_url(), id);
	fd = erase_send(route, tok, id, uid, bid);
	rowlock_wait_blocked(l, 5000);
	raw_close_seen(fd, 10000); /* the worker saw its client go */
	rowlock_release(l);
	for (tries = 0; tries < 50; tries++) {
		if (db_count("SELECT count(*) FROM customers WHERE id = $1", id,
			DB_END) == 0)
			return (1);
		usleep(100 * 1000);
	}
	return (0);
}

Test(erasure, client_gone_still_removes_the_avatar)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char path[600], *tok;
	int route, tries;

	for (route = 0; route < 2; route++) {
		uuid4(bid);
		cust_create(bid, id, uid);
		avatar_on_disk(NULL, id, path, sizeof(path));
		tok = tok_admin(bid);
		cr_assert(erase_gone_while_blocked(route, tok, id, uid, bid),
		    "route %d: the erasure did not commit", route);
		for (tries = 0; tries < 50 && access(path, F_OK) == 0; tries++)
			usleep(100 * 1000);
		cr_assert_neq(access(path, F_OK), 0,
		    "route %d: the erased customer's avatar %s stays", route,
		    path);
		free(tok);
	}
}

/* the drain's grace ends before the row lock's timeout */
static const char *const cut_at_once[] = { "SHUTDOWN_GRACE_SECONDS", "1",
	"DB_LOCK_TIMEOUT_MS", "4000", NULL };

/*
 * The service is told to stop (SIGTERM) while an erasure waits on the row
 * past the drain's grace (1 s): the worker, cutting the request, still
 * waits for the outcome, so the avatar goes once it commits.
 */
Test(erasure, worker_stopping_still_removes_the_avatar, .timeout = 60)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char dir[300], path[600], *tok;
	struct instance in;
	struct rowlock *l;
	int fd;

	instance_start(&in, cut_at_once);
	uuid4(bid);
	cust_create(bid, id, uid);
	(void)snprintf(dir, sizeof(dir), "%s/uploads", in.dir);
	avatar_on_disk(dir, id, path, sizeof(path));
	tok = tok_admin(bid);
	l = rowlock_take(env_database_url(), id);
	fd = erase_send(1, tok, id, uid, bid);
	rowlock_wait_blocked(l, 5000);
	cr_assert_eq(kill(in.pid, SIGTERM), 0);
	instance_wait_worker_settling(&in, 10000); /* the erasure waits */
	rowlock_release(l);
	cr_assert_neq(instance_wait_exit(&in, 20000), -1,
	    "the service did not stop");
	raw_close(fd);
	cr_assert_eq(db_count("SELECT count(*) FROM customers WHERE id = $1",
			 id, DB_END),
	    0, "the erasure did not commit");
	cr_assert_neq(access(path, F_OK), 0,
	    "the erased customer's avatar %s stays", path);
	instance_expect_clean(&in);
	free(tok);
}
