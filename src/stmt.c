/*
 * The registry of prepared statements: statement numbers by SQL text,
 * and per connection a bit for each statement it has prepared.
 */
#include <stdio.h>
#include <string.h>

#include "stmt.h"

#define CONNS_MAX 1024

struct conn_stmts {
	PGconn *db;
	int pid;
	unsigned long long prepared; /* bit n: statement n */
	unsigned long long used; /* for eviction */
};

static const char *texts[STMT_MAX];
static int ntexts;
static struct conn_stmts conns[CONNS_MAX];
static unsigned long long clock_tick;

static struct conn_stmts *conn_of(PGconn *, int);

int
stmt_id(const char *sql)
{
	int i;

	/* the handlers' SQL are static arrays: the address is the key */
	for (i = 0; i < ntexts; i++) {
		if (texts[i] == sql)
			return (i);
	}
	if (ntexts == STMT_MAX)
		return (-1);
	texts[ntexts] = sql;
	return (ntexts++);
}

void
stmt_name(int id, char *name, size_t namelen)
{
	(void)snprintf(name, namelen, "bee_%d", id);
}

/*
 * The entry of a connection; with create, a new one (evicting the least
 * recently used: a statement it still holds is then prepared again, and
 * "already exists" is taken as success).
 */
static struct conn_stmts *
conn_of(PGconn *db, int create)
{
	struct conn_stmts *e, *victim;
	int pid, i;

	pid = PQbackendPID(db);
	victim = &conns[0];
	for (i = 0; i < CONNS_MAX; i++) {
		e = &conns[i];
		if (e->db == db && e->pid == pid) {
			e->used = ++clock_tick;
			return (e);
		}
		if (e->used < victim->used)
			victim = e;
	}
	if (!create)
		return (NULL);
	victim->db = db;
	victim->pid = pid;
	victim->prepared = 0;
	victim->used = ++clock_tick;
	return (victim);
}

int
stmt_prepared(PGconn *db, int id)
{
	struct conn_stmts *e;

	if (id < 0 || (e = conn_of(db, 0)) == NULL)
		return (0);
	return ((e->prepared >> id) & 1);
}

void
stmt_mark_prepared(PGconn *db, int id)
{
	if (id >= 0)
		conn_of(db, 1)->prepared |= 1ULL << id;
}
