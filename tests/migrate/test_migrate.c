/*
 * scripts/migrate against a real PostgreSQL.
 *
 * Each test creates its own database (random name) on the server of
 * DATABASE_URL, runs scripts/migrate on it as an operator would (the URL in
 * the environment, stdout and stderr captured), asserts what the catalog and
 * the rows say, and drops the database in the suite's fini. Tests run from
 * the repository root (a parent of the working directory is accepted too):
 * scripts/migrate and migrations/ are found from there.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_URL \
	"postgresql://postgres:postgres@localhost:5432/bee_customers"
#define ALEMBIC_REVISION "8c70b4aaf501"
/* scripts/migrate's advisory lock: two int4 keys, 'beec' and 'migr'. */
#define LOCK_CLASSID "1650812259"
#define LOCK_OBJID "1835624306"

struct testdb {
	char name[64];
	char url[1024];
	PGconn *conn;
};

struct run {
	pid_t pid;
	int fd; /* the read end of its stdout and stderr */
	int status; /* exit code, -1 when killed */
	char *output; /* stdout and stderr, malloc'ed */
};

static void find_repo_root(void);
static void url_with_db(const char *, const char *, char *, size_t);
static PGconn *connect_url(const char *);
static void maintenance(const char *);
static void db_create(struct testdb *);
static void db_drop(struct testdb *);
static PGresult *sql(PGconn *, const char *);
static void sql_do(PGconn *, const char *);
static char *sql_text(PGconn *, const char *);
static long sql_long(PGconn *, const char *);
static int sql_true(PGconn *, const char *);
static void run_start(struct run *, const char *, const char *, const char *,
    const char *);
static void run_finish(struct run *);
static void run_migrate(struct run *, const char *, const char *);
static void run_free(struct run *);
static int migration_count(void);
static int count_lines(const char *, const char *);
static char *catalog(PGconn *);
static char *ddl_fingerprint(PGconn *);
static void create_alembic_schema(PGconn *, const char *);
static char *make_tmpdir(void);
static void remove_tmpdir(char *);
static void write_file(const char *, const char *, const char *);
static void link_migrations(const char *, const char *);

static char repo_root[PATH_MAX];
static char server_url[1024]; /* DATABASE_URL at start */
static struct testdb db, db2;

/*
 * The original's schema as its alembic migration 8c70b4aaf501 created it:
 * SQLAlchemy's DDL verbatim (from `alembic upgrade head --sql`), written
 * here independently of migrations/0001 so that the two can be compared.
 */
static const char alembic_ddl[] =
    "CREATE TABLE alembic_version ("
    "    version_num VARCHAR(32) NOT NULL,"
    "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
    "CREATE TYPE gender_enum AS ENUM ('male', 'female', 'other');"
    "CREATE TABLE customers ("
    "    id UUID NOT NULL, user_id UUID NOT NULL, business_id UUID NOT NULL,"
    "    full_name VARCHAR(100) NOT NULL, email VARCHAR(100) NOT NULL,"
    "    phone VARCHAR(20), gender gender_enum, avatar_url VARCHAR(255),"
    "    total_orders INTEGER DEFAULT '0',"
    "    total_appointments INTEGER DEFAULT '0',"
    "    last_order_date DATE, last_appointment_date DATE,"
    "    lifetime_value NUMERIC(10, 2) DEFAULT '0.00',"
    "    created_at TIMESTAMP WITHOUT TIME ZONE,"
    "    updated_at TIMESTAMP WITHOUT TIME ZONE,"
    "    PRIMARY KEY (id),"
    "    CONSTRAINT uq_user_per_business UNIQUE (user_id, business_id));"
    "CREATE INDEX ix_customer_business_id ON customers (business_id);"
    "CREATE INDEX ix_customer_user_id ON customers (user_id);"
    "CREATE INDEX ix_customer_full_name ON customers (full_name);"
    "CREATE INDEX ix_customer_phone ON customers (phone);"
    "CREATE TABLE customer_tags ("
    "    id UUID NOT NULL, customer_id UUID NOT NULL,"
    "    label VARCHAR(50) NOT NULL, color VARCHAR(20),"
    "    priority INTEGER DEFAULT '0', created_by UUID,"
    "    PRIMARY KEY (id),"
    "    FOREIGN KEY(customer_id) REFERENCES customers (id));"
    "CREATE TABLE customer_notes ("
    "    id UUID NOT NULL, customer_id UUID NOT NULL,"
    "    content VARCHAR(500) NOT NULL, created_by UUID NOT NULL,"
    "    created_at TIMESTAMP WITHOUT TIME ZONE,"
    "    PRIMARY KEY (id),"
    "    FOREIGN KEY(customer_id) REFERENCES customers (id));"
    "CREATE TABLE customer_history ("
    "    id UUID NOT NULL, customer_id UUID NOT NULL,"
    "    first_order_date DATE, first_appointment_date DATE,"
    "    returned_orders INTEGER DEFAULT '0',"
    "    cancelled_appointments INTEGER DEFAULT '0',"
    "    PRIMARY KEY (id),"
    "    FOREIGN KEY(customer_id) REFERENCES customers (id));";

/*
 * Everything a schema is made of in `public`, one sorted line per column,
 * constraint, index and enum label; schema_migrations is left out (a
 * database the original made has none).
 */
static const char catalog_sql[] =
    "SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') FROM ("
    " SELECT format('column %s.%s %s %s null=%s default=%s', c.relname,"
    "   a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),"
    "   NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS line"
    " FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid"
    "   AND d.adnum = a.attnum"
    " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"
    "   AND a.attnum > 0 AND NOT a.attisdropped"
    "   AND c.relname <> 'schema_migrations'"
    " UNION ALL"
    " SELECT format('constraint %s %s %s', conrelid::regclass, conname,"
    "   pg_get_constraintdef(oid))"
    " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
    "   AND conrelid::regclass::text <> 'schema_migrations'"
    " UNION ALL"
    " SELECT format('index %s', indexdef) FROM pg_indexes"
    " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
    " UNION ALL"
    " SELECT format('enum %s %s %s', t.typname, e.enumsortorder,"
    "   e.enumlabel)"
    " FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid) AS s";

/* Any DDL leaves a new xmin on one of these catalog rows. */
static const char ddl_fingerprint_sql[] =
    "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM ("
    " SELECT 'c' || oid || ':' || xmin FROM pg_class"
    " UNION ALL SELECT 'a' || attrelid || '.' || attnum || ':' || xmin"
    "   FROM pg_attribute"
    " UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_constraint"
    " UNION ALL SELECT 'd' || oid || ':' || xmin FROM pg_attrdef"
    " UNION ALL SELECT 'i' || indexrelid || ':' || xmin FROM pg_index"
    " UNION ALL SELECT 't' || oid || ':' || xmin FROM pg_type"
    " UNION ALL SELECT 'e' || oid || ':' || xmin FROM pg_extension"
    ") AS s(x)";

static void
setup(void)
{
	const char *url;

	find_repo_root();
	url = getenv("DATABASE_URL");
	(void)snprintf(server_url, sizeof(server_url), "%s",
	    url ? url : DEFAULT_URL);
	memset(&db, 0, sizeof(db));
	memset(&db2, 0, sizeof(db2));
}

static void
teardown(void)
{
	db_drop(&db);
	db_drop(&db2);
}

/* cppcheck-suppress unknownMacro ; Criterion's (header not given to it) */
TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 120);

/* The repository root: the working directory or one of its parents. */
static void
find_repo_root(void)
{
	char path[PATH_MAX + 32];
	char *slash;
	int up;

	cr_assert_not_null(getcwd(repo_root, sizeof(repo_root)));
	for (up = 0; up < 4; up++) {
		(void)snprintf(path, sizeof(path), "%s/scripts/migrate",
		    repo_root);
		if (access(path, X_OK) == 0)
			break;
		if ((slash = strrchr(repo_root, '/')) == NULL ||
		    slash == repo_root)
			break;
		*slash = '\0';
	}
	cr_assert(access(path, X_OK) == 0,
	    "scripts/migrate not found: run the tests from the repository");
}

/*
 * The URL of database `name` on the server of `base`: the path of the URL
 * replaced, its query string kept. A SQLAlchemy driver suffix
 * (postgresql+asyncpg://) is dropped, as scripts/migrate does.
 */
static void
url_with_db(const char *base, const char *name, char *out, size_t len)
{
	const char *rest, *end, *query;
	int n;

	rest = strstr(base, "://");
	cr_assert_not_null(rest, "DATABASE_URL is not a URL: %s", base);
	rest += 3;
	end = rest + strcspn(rest, "/?");
	query = strchr(end, '?');
	n = snprintf(out, len, "postgresql://%.*s/%s%s", (int)(end - rest),
	    rest, name, query ? query : "");
	cr_assert(n > 0 && (size_t)n < len, "URL too long");
}

static PGconn *
connect_url(const char *url)
{
	PGconn *conn;

	conn = PQconnectdb(url);
	cr_assert_not_null(conn);
	cr_assert(PQstatus(conn) == CONNECTION_OK, "connect: %s",
	    PQerrorMessage(conn));
	/* quiet: the migrations' NOTICEs are asserted on migrate's output */
	sql_do(conn, "SET client_min_messages = warning");
	return (conn);
}

/* One statement on the server's maintenance database `postgres`. */
static void
maintenance(const char *stmt)
{
	char url[1024];
	PGconn *conn;

	url_with_db(server_url, "postgres", url, sizeof(url));
	conn = connect_url(url);
	sql_do(conn, stmt);
	PQfinish(conn);
}

static void
db_create(struct testdb *t)
{
	static int seeded, serial;
	char stmt[256];

	if (!seeded) {
		srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
		seeded = 1;
	}
	/* pid and serial: unique here; random: unique across machines */
	(void)snprintf(t->name, sizeof(t->name), "bee_mig_test_%d_%d_%08lx",
	    (int)getpid(), serial++, random());
	url_with_db(server_url, t->name, t->url, sizeof(t->url));
	(void)snprintf(stmt, sizeof(stmt), "CREATE DATABASE %s", t->name);
	maintenance(stmt);
	t->conn = connect_url(t->url);
}

static void
db_drop(struct testdb *t)
{
	char stmt[256];

	if (t->conn != NULL) {
		PQfinish(t->conn);
		t->conn = NULL;
	}
	if (t->name[0] == '\0')
		return;
	(void)snprintf(stmt, sizeof(stmt),
	    "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->name);
	maintenance(stmt);
	t->name[0] = '\0';
}

/* A statement that must succeed; the caller clears the result. */
static PGresult *
sql(PGconn *conn, const char *stmt)
{
	PGresult *res;

	res = PQexec(conn, stmt);
	cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK,
	    "%s\n-> %s", stmt, PQresultErrorMessage(res));
	return (res);
}

static void
sql_do(PGconn *conn, const char *stmt)
{
	PQclear(sql(conn, stmt));
}

/* The first column of the first row, malloc'ed; it must not be NULL. */
static char *
sql_text(PGconn *conn, const char *stmt)
{
	PGresult *res;
	char *value;

	res = sql(conn, stmt);
	cr_assert(PQntuples(res) > 0 && !PQgetisnull(res, 0, 0), "no value: %s",
	    stmt);
	value = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	cr_assert_not_null(value);
	return (value);
}

static long
sql_long(PGconn *conn, const char *stmt)
{
	char *text;
	long n;

	text = sql_text(conn, stmt);
	n = strtol(text, NULL, 10);
	free(text);
	return (n);
}

static int
sql_true(PGconn *conn, const char *stmt)
{
	char *text;
	int yes;

	text = sql_text(conn, stmt);
	yes = strcmp(text, "t") == 0;
	free(text);
	return (yes);
}

/*
 * Start scripts/migrate [arg] in `cwd` (the repository when NULL) with
 * DATABASE_URL `url` (unset when NULL) and MIGRATIONS_DIR `dir` (unset when
 * NULL), its stdout and stderr on one pipe. No shell: paths need no quoting.
 * Tests run in their own processes, so setenv affects only this one.
 */
static void
run_start(struct run *r, const char *url, const char *dir, const char *cwd,
    const char *arg)
{
	char path[PATH_MAX + 32];
	int fds[2];

	if (url != NULL)
		cr_assert(setenv("DATABASE_URL", url, 1) == 0);
	else
		cr_assert(unsetenv("DATABASE_URL") == 0);
	if (dir != NULL)
		cr_assert(setenv("MIGRATIONS_DIR", dir, 1) == 0);
	else
		cr_assert(unsetenv("MIGRATIONS_DIR") == 0);
	(void)snprintf(path, sizeof(path), "%s/scripts/migrate", repo_root);
	memset(r, 0, sizeof(*r));
	cr_assert(pipe(fds) == 0);
	r->pid = fork();
	cr_assert(r->pid != -1, "fork");
	if (r->pid == 0) {
		if (dup2(fds[1], STDOUT_FILENO) == -1 ||
		    dup2(fds[1], STDERR_FILENO) == -1 ||
		    chdir(cwd ? cwd : repo_root) == -1)
			_exit(126);
		(void)close(fds[0]);
		(void)close(fds[1]);
		(void)execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	(void)close(fds[1]);
	r->fd = fds[0];
}

/* Read everything the run prints, then its exit status. */
static void
run_finish(struct run *r)
{
	size_t len, cap;
	ssize_t n;
	int status;

	len = 0;
	cap = 4096;
	r->output = malloc(cap);
	cr_assert_not_null(r->output);
	while ((n = read(r->fd, r->output + len, cap - len - 1)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		cr_assert(n > 0, "read: %s", strerror(errno));
		len += (size_t)n;
		if (cap - len - 1 == 0) {
			cap *= 2;
			r->output = realloc(r->output, cap);
			cr_assert_not_null(r->output);
		}
	}
	r->output[len] = '\0';
	(void)close(r->fd);
	r->fd = -1;
	cr_assert(waitpid(r->pid, &status, 0) == r->pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
run_migrate(struct run *r, const char *url, const char *arg)
{
	run_start(r, url, NULL, NULL, arg);
	run_finish(r);
}

static void
run_free(struct run *r)
{
	free(r->output);
	r->output = NULL;
}

/* The number of migrations/NNNN_*.sql files of the repository. */
static int
migration_count(void)
{
	char pattern[PATH_MAX + 64];
	glob_t g;
	int n;

	(void)snprintf(pattern, sizeof(pattern),
	    "%s/migrations/[0-9][0-9][0-9][0-9]_*.sql", repo_root);
	cr_assert(glob(pattern, 0, NULL, &g) == 0, "no migrations");
	n = (int)g.gl_pathc;
	globfree(&g);
	return (n);
}

/* Lines of `text` that contain `needle`. */
static int
count_lines(const char *text, const char *needle)
{
	const char *line, *end;
	char *copy;
	int n;

	n = 0;
	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		copy = strndup(line, (size_t)(end - line));
		cr_assert_not_null(copy);
		if (strstr(copy, needle) != NULL)
			n++;
		free(copy);
	}
	return (n);
}

static char *
catalog(PGconn *conn)
{
	return (sql_text(conn, catalog_sql));
}

static char *
ddl_fingerprint(PGconn *conn)
{
	return (sql_text(conn, ddl_fingerprint_sql));
}

/* The original's database: its schema and alembic_version at `rev`. */
static void
create_alembic_schema(PGconn *conn, const char *rev)
{
	char stmt[128];

	sql_do(conn, alembic_ddl);
	(void)snprintf(stmt, sizeof(stmt),
	    "INSERT INTO alembic_version (version_num) VALUES ('%s')", rev);
	sql_do(conn, stmt);
}

static char *
make_tmpdir(void)
{
	char *dir;

	dir = strdup("/tmp/bee_mig_test_XXXXXX");
	cr_assert_not_null(dir);
	cr_assert_not_null(mkdtemp(dir));
	return (dir);
}

/* Remove the files (plain or links, hidden ones included) and the folder. */
static void
remove_tmpdir(char *dir)
{
	char pattern[PATH_MAX];
	glob_t g;
	size_t i;

	(void)snprintf(pattern, sizeof(pattern), "%s/{*,.env}", dir);
	if (glob(pattern, GLOB_BRACE | GLOB_NOCHECK, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			(void)unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	cr_assert(rmdir(dir) == 0, "rmdir %s", dir);
	free(dir);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "%s", path);
	cr_assert(fputs(text, fp) >= 0);
	cr_assert(fclose(fp) == 0);
}

/* Links the repository's migrations up to version `upto` into dir. */
static void
link_migrations(const char *dir, const char *upto)
{
	char pattern[PATH_MAX + 64], dst[PATH_MAX];
	const char *name;
	glob_t g;
	size_t i;

	(void)snprintf(pattern, sizeof(pattern),
	    "%s/migrations/[0-9][0-9][0-9][0-9]_*.sql", repo_root);
	cr_assert(glob(pattern, 0, NULL, &g) == 0);
	for (i = 0; i < g.gl_pathc; i++) {
		name = strrchr(g.gl_pathv[i], '/') + 1;
		if (strncmp(name, upto, 4) > 0)
			continue;
		(void)snprintf(dst, sizeof(dst), "%s/%s", dir, name);
		cr_assert(symlink(g.gl_pathv[i], dst) == 0);
	}
	globfree(&g);
}

Test(migrate, fresh_database_gets_every_table_index_and_key)
{
	static const char *const tables[] = { "customers", "customer_tags",
		"customer_notes", "customer_history", "alembic_version",
		"outbox", "customer_orders", "customer_appointments",
		"processed_events", "schema_migrations", NULL };
	static const char *const indexes[] = { "ix_customer_business_id",
		"ix_customer_user_id", "ix_customer_full_name",
		"ix_customer_phone", "uq_user_per_business",
		"uq_customer_tag_label", "outbox_unsent", "outbox_sent_at",
		"ix_customer_orders_business_user",
		"ix_customer_orders_customer_id",
		"ix_customer_appointments_business_user",
		"ix_customer_appointments_customer_id",
		"ix_processed_events_processed_at", "ix_customer_search_trgm",
		"ix_customer_avatar_file", "ix_customer_business_search",
		NULL };
	struct run r;
	char stmt[512];
	char *text;
	int i, n;

	db_create(&db);
	run_migrate(&r, db.url, NULL);
	n = migration_count();
	cr_assert_eq(r.status, 0, "migrate failed:\n%s", r.output);
	cr_assert_eq(count_lines(r.output, "applied "), n, "%s", r.output);
	cr_assert_not_null(strstr(r.output, "applied 0001_original_schema"));
	run_free(&r);

	for (i = 0; tables[i] != NULL; i++) {
		(void)snprintf(stmt, sizeof(stmt),
		    "SELECT to_regclass('%s') IS NOT NULL", tables[i]);
		cr_expect(sql_true(db.conn, stmt), "no table %s", tables[i]);
	}
	for (i = 0; indexes[i] != NULL; i++) {
		(void)snprintf(stmt, sizeof(stmt),
		    "SELECT EXISTS (SELECT 1 "
		    "FROM pg_indexes WHERE indexname = '%s')",
		    indexes[i]);
		cr_expect(sql_true(db.conn, stmt), "no index %s", indexes[i]);
	}
	cr_expect(sql_true(db.conn,
	    "SELECT indisunique FROM pg_index "
	    "WHERE indexrelid = 'uq_customer_tag_label'::regclass"));
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM pg_indexes "
			 "WHERE tablename = 'customers' AND indexdef LIKE "
			 "'%USING gin (search_text gin_trgm_ops)%'"),
	    1);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM pg_indexes "
			 "WHERE tablename = 'customers' AND indexdef LIKE "
			 "'%gin_trgm_ops%'"),
	    1);
	cr_expect(sql_true(db.conn,
	    "SELECT indexdef LIKE '%btree (business_id, full_name, id) "
	    "INCLUDE (email, phone, search_text)' FROM pg_indexes "
	    "WHERE indexname = 'ix_customer_business_search'"));
	cr_expect_eq(
	    sql_long(db.conn,
		"SELECT count(*) FROM pg_constraint "
		"WHERE contype = 'f' AND confrelid = 'customers'::regclass AND "
		"confdeltype = 'c' AND conname IN "
		"('customer_tags_customer_id_fkey', "
		"'customer_notes_customer_id_fkey', "
		"'customer_history_customer_id_fkey')"),
	    3);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM pg_constraint "
			 "WHERE contype = 'f' AND confdeltype <> 'c'"),
	    0);

	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM schema_migrations"),
	    n);
	text = sql_text(db.conn,
	    "SELECT string_agg(version, ',' ORDER BY "
	    "version) FROM schema_migrations WHERE version <= '0007'");
	cr_expect_str_eq(text, "0001,0002,0003,0004,0005,0006,0007");
	free(text);
	text = sql_text(db.conn, "SELECT version_num FROM alembic_version");
	cr_expect_str_eq(text, ALEMBIC_REVISION,
	    "0001 stamps alembic_version so the original's entrypoint runs");
	free(text);

	/* Our service's INSERT: the database fills the rest. */
	text = sql_text(db.conn,
	    "INSERT INTO customers (user_id, "
	    "business_id, full_name, email) VALUES (gen_random_uuid(), "
	    "gen_random_uuid(), 'Ana Popescu', 'ana@example.com') RETURNING "
	    "format('%s|%s|%s|%s|%s', preferences, total_orders, "
	    "lifetime_value, created_at IS NOT NULL, "
	    "abs(extract(epoch FROM created_at - "
	    "(now() AT TIME ZONE 'utc'))) < 60)");
	cr_expect_str_eq(text, "{}|0|0.00|t|t");
	free(text);
	cr_expect_eq(
	    sql_long(db.conn,
		"WITH c AS (SELECT id FROM customers "
		"LIMIT 1), t AS (INSERT INTO customer_tags (customer_id, label) "
		"SELECT id, 'VIP' FROM c RETURNING id), n AS (INSERT INTO "
		"customer_notes (customer_id, content, created_by) SELECT id, "
		"'hi', gen_random_uuid() FROM c RETURNING created_at) "
		"SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM n "
		"WHERE created_at IS NOT NULL)"),
	    2);
	cr_expect_eq(
	    sql_long(db.conn,
		"INSERT INTO outbox (routing_key, "
		"payload) VALUES ('v1.customer.created', '{}') RETURNING "
		"(event_id IS NOT NULL AND attempts = 0)::int"),
	    1);
}

/* 0001 on an empty database builds what alembic built, object for object. */
Test(migrate, migration_0001_equals_the_alembic_schema)
{
	struct run r;
	char *dir, *expected, *got;
	char src[PATH_MAX + 64], dst[PATH_MAX + 64];

	db_create(&db);
	db_create(&db2);
	create_alembic_schema(db2.conn, ALEMBIC_REVISION);

	dir = make_tmpdir();
	(void)snprintf(src, sizeof(src),
	    "%s/migrations/0001_original_schema.sql", repo_root);
	(void)snprintf(dst, sizeof(dst), "%s/0001_original_schema.sql", dir);
	cr_assert(symlink(src, dst) == 0);
	run_start(&r, db.url, dir, NULL, NULL);
	run_finish(&r);
	remove_tmpdir(dir);
	cr_assert_eq(r.status, 0, "%s", r.output);
	run_free(&r);

	expected = catalog(db2.conn);
	got = catalog(db.conn);
	cr_expect_str_eq(got, expected);
	free(expected);
	free(got);
}

Test(migrate, adopts_the_original_database_and_merges_duplicate_tags)
{
	static const char *const inserts[] = {
		"INSERT INTO customers (id, user_id, business_id, full_name, "
		"email, phone, gender, total_orders, total_appointments, "
		"lifetime_value, created_at, updated_at) VALUES "
		"('aaaaaaaa-0000-4000-8000-000000000001', gen_random_uuid(), "
		"'bbbbbbbb-0000-4000-8000-000000000001', 'Ana Popescu', "
		"'ana@example.com', '0712345678', 'female', 0, 0, 0.00, "
		"'2025-07-01 09:30:00', '2025-07-01 09:30:00'), "
		"('aaaaaaaa-0000-4000-8000-000000000002', gen_random_uuid(), "
		"'bbbbbbbb-0000-4000-8000-000000000001', 'Bogdan Ionescu', "
		"'bogdan@example.com', NULL, NULL, NULL, NULL, NULL, "
		"'2025-07-02 10:00:00', '2025-07-02 10:00:00'), "
		"('aaaaaaaa-0000-4000-8000-000000000003', gen_random_uuid(), "
		"'bbbbbbbb-0000-4000-8000-000000000002', 'Cora Pop', "
		"'cora@example.com', NULL, 'other', 3, 1, 150.50, "
		"'2025-07-03 11:00:00', '2025-07-03 11:00:00')",
		/*
		 * Duplicates, one statement (one transaction) each, oldest
		 * first; ids deliberately sort against insertion order.
		 * Ana: VIP twice, the newer one has a color.
		 */
		"INSERT INTO customer_tags (id, customer_id, label) VALUES "
		"('ffffffff-0000-4000-8000-000000000001', "
		"'aaaaaaaa-0000-4000-8000-000000000001', 'VIP')",
		"INSERT INTO customer_tags (id, customer_id, label, color) "
		"VALUES ('00000000-0000-4000-8000-000000000002', "
		"'aaaaaaaa-0000-4000-8000-000000000001', 'VIP', 'gold')",
		/* Bogdan: VIP three times, a newer one has created_by. */
		"INSERT INTO customer_tags (id, customer_id, label) VALUES "
		"('ffffffff-0000-4000-8000-000000000003', "
		"'aaaaaaaa-0000-4000-8000-000000000002', 'VIP')",
		"INSERT INTO customer_tags (id, customer_id, label, created_by) "
		"VALUES ('00000000-0000-4000-8000-000000000004', "
		"'aaaaaaaa-0000-4000-8000-000000000002', 'VIP', "
		"'cccccccc-0000-4000-8000-000000000001')",
		"INSERT INTO customer_tags (id, customer_id, label) VALUES "
		"('00000000-0000-4000-8000-000000000005', "
		"'aaaaaaaa-0000-4000-8000-000000000002', 'VIP')",
		/* Not duplicates: labels compare case-sensitively. */
		"INSERT INTO customer_tags (id, customer_id, label) VALUES "
		"('00000000-0000-4000-8000-000000000006', "
		"'aaaaaaaa-0000-4000-8000-000000000002', 'vip'), "
		"('00000000-0000-4000-8000-000000000007', "
		"'aaaaaaaa-0000-4000-8000-000000000003', 'VIP')",
		"INSERT INTO customer_notes (id, customer_id, content, "
		"created_by, created_at) VALUES (gen_random_uuid(), "
		"'aaaaaaaa-0000-4000-8000-000000000001', 'prefers mornings', "
		"gen_random_uuid(), '2025-07-04 08:00:00'), (gen_random_uuid(), "
		"'aaaaaaaa-0000-4000-8000-000000000002', 'allergic to latex', "
		"gen_random_uuid(), '2025-07-05 08:00:00')",
		"INSERT INTO customer_history (id, customer_id, "
		"first_order_date) VALUES (gen_random_uuid(), "
		"'aaaaaaaa-0000-4000-8000-000000000003', '2025-01-15')",
		NULL
	};
	static const char rows_sql[] =
	    "SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM "
	    "customers) || '/' || (SELECT string_agg(id::text || content, "
	    "',' ORDER BY id) FROM customer_notes) || '/' || (SELECT "
	    "string_agg(id::text || first_order_date, ',' ORDER BY id) FROM "
	    "customer_history)";
	struct run r;
	char *before, *after, *text;
	int i;

	db_create(&db);
	create_alembic_schema(db.conn, ALEMBIC_REVISION);
	for (i = 0; inserts[i] != NULL; i++)
		sql_do(db.conn, inserts[i]);
	before = sql_text(db.conn, rows_sql);

	run_migrate(&r, db.url, NULL);
	cr_assert_eq(r.status, 0, "migrate failed:\n%s", r.output);
	cr_expect_not_null(strstr(r.output, "adopted 0001_original_schema"),
	    "%s", r.output);
	cr_expect_eq(count_lines(r.output, "applied 0001"), 0);
	cr_expect_not_null(strstr(r.output,
			       "merging 3 duplicate tag row(s) "
			       "of 2 customer/label pair(s)"),
	    "%s", r.output);
	cr_expect_not_null(
	    strstr(r.output,
		"customer aaaaaaaa-0000-4000-"
		"8000-000000000001 label 'VIP': kept ffffffff-0000-4000-8000-"
		"000000000001, merged 1"),
	    "%s", r.output);
	cr_expect_not_null(
	    strstr(r.output,
		"customer aaaaaaaa-0000-4000-"
		"8000-000000000002 label 'VIP': kept ffffffff-0000-4000-8000-"
		"000000000003, merged 2"),
	    "%s", r.output);
	run_free(&r);

	/* No customer, note or history row lost or changed. */
	after = sql_text(db.conn, rows_sql);
	cr_expect_str_eq(after, before);
	free(before);
	free(after);

	/* One row per (customer, label), the oldest, its NULLs filled. */
	text = sql_text(db.conn,
	    "SELECT string_agg(concat_ws(' ', id, "
	    "label, color, created_by), ',' ORDER BY id) FROM customer_tags");
	cr_expect_str_eq(text,
	    "00000000-0000-4000-8000-000000000006 vip,"
	    "00000000-0000-4000-8000-000000000007 VIP,"
	    "ffffffff-0000-4000-8000-000000000001 VIP gold,"
	    "ffffffff-0000-4000-8000-000000000003 VIP "
	    "cccccccc-0000-4000-8000-000000000001");
	free(text);

	text = sql_text(db.conn,
	    "SELECT coalesce((SELECT name FROM "
	    "schema_migrations WHERE version = '0001'), '(none)')");
	cr_expect_not_null(strstr(text, "adopted"), "%s", text);
	free(text);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM "
			 "schema_migrations"),
	    migration_count());
	/* NULL statistics took their defaults. */
	text = sql_text(db.conn,
	    "SELECT format('%s %s %s', total_orders, "
	    "total_appointments, lifetime_value) FROM customers "
	    "WHERE id = 'aaaaaaaa-0000-4000-8000-000000000002'");
	cr_expect_str_eq(text, "0 0 0.00");
	free(text);

	/*
	 * The original service still works: its INSERTs name every column
	 * it knows, with its own ids and naive UTC timestamps, never
	 * preferences or avatar_file; its GDPR delete removes the children
	 * first.
	 */
	sql_do(db.conn,
	    "INSERT INTO customers (id, user_id, business_id, "
	    "full_name, email, phone, gender, avatar_url, total_orders, "
	    "total_appointments, last_order_date, last_appointment_date, "
	    "lifetime_value, created_at, updated_at) VALUES "
	    "('aaaaaaaa-0000-4000-8000-000000000009', "
	    "'dddddddd-0000-4000-8000-000000000009', "
	    "'bbbbbbbb-0000-4000-8000-000000000001', 'Dana Original', "
	    "'dana@example.com', NULL, 'female', NULL, 0, 0, NULL, NULL, 0, "
	    "'2025-08-01 12:00:00.123456', '2025-08-01 12:00:00.123456')");
	sql_do(db.conn,
	    "INSERT INTO customer_tags (id, customer_id, label, "
	    "color, priority, created_by) VALUES (gen_random_uuid(), "
	    "'aaaaaaaa-0000-4000-8000-000000000009', 'New', NULL, 0, NULL)");
	sql_do(db.conn,
	    "INSERT INTO customer_tags (id, customer_id, label) "
	    "VALUES (gen_random_uuid(), "
	    "'aaaaaaaa-0000-4000-8000-000000000009', 'Old')");
	sql_do(db.conn,
	    "INSERT INTO customer_notes (id, customer_id, "
	    "content, created_by, created_at) VALUES (gen_random_uuid(), "
	    "'aaaaaaaa-0000-4000-8000-000000000009', 'from python', "
	    "gen_random_uuid(), '2025-08-01 12:00:01')");
	text = sql_text(db.conn,
	    "SELECT format('%s|%s|%s', preferences, "
	    "avatar_file IS NULL, created_at) FROM customers "
	    "WHERE id = 'aaaaaaaa-0000-4000-8000-000000000009'");
	cr_expect_str_eq(text, "{}|t|2025-08-01 12:00:00.123456");
	free(text);
	sql_do(db.conn,
	    "BEGIN;"
	    "DELETE FROM customer_tags WHERE customer_id = "
	    "'aaaaaaaa-0000-4000-8000-000000000009';"
	    "DELETE FROM customer_notes WHERE customer_id = "
	    "'aaaaaaaa-0000-4000-8000-000000000009';"
	    "DELETE FROM customer_history WHERE customer_id = "
	    "'aaaaaaaa-0000-4000-8000-000000000009';"
	    "DELETE FROM customers WHERE id = "
	    "'aaaaaaaa-0000-4000-8000-000000000009';"
	    "COMMIT");
}

Test(migrate, refuses_another_alembic_revision_and_changes_nothing)
{
	struct run r;
	char *before, *after, *fp_before, *fp_after;

	db_create(&db);
	create_alembic_schema(db.conn, "1f2e3d4c5b6a");
	sql_do(db.conn,
	    "INSERT INTO customers (id, user_id, business_id, "
	    "full_name, email) VALUES (gen_random_uuid(), gen_random_uuid(), "
	    "gen_random_uuid(), 'Ana', 'ana@example.com')");
	before = catalog(db.conn);
	fp_before = ddl_fingerprint(db.conn);

	run_migrate(&r, db.url, NULL);
	cr_expect_neq(r.status, 0, "%s", r.output);
	cr_expect_not_null(strstr(r.output, "1f2e3d4c5b6a"), "%s", r.output);
	cr_expect_not_null(strstr(r.output, ALEMBIC_REVISION), "%s", r.output);
	cr_expect_not_null(strstr(r.output, "refusing"), "%s", r.output);
	run_free(&r);

	cr_expect(sql_true(db.conn,
	    "SELECT to_regclass('schema_migrations') IS NULL"));
	after = catalog(db.conn);
	fp_after = ddl_fingerprint(db.conn);
	cr_expect_str_eq(after, before);
	cr_expect_str_eq(fp_after, fp_before);
	cr_expect_eq(sql_long(db.conn, "SELECT count(*) FROM customers"), 1);
	free(before);
	free(after);
	free(fp_before);
	free(fp_after);
}

Test(migrate, second_run_is_a_no_op)
{
	static const char ledger_sql[] =
	    "SELECT string_agg(version || name || applied_at, ',' ORDER BY "
	    "version) FROM schema_migrations";
	struct run r;
	char *ledger, *fp, *ledger2, *fp2;

	db_create(&db);
	run_migrate(&r, db.url, NULL);
	cr_assert_eq(r.status, 0, "%s", r.output);
	run_free(&r);
	ledger = sql_text(db.conn, ledger_sql);
	fp = ddl_fingerprint(db.conn);

	run_migrate(&r, db.url, NULL);
	cr_expect_eq(r.status, 0, "%s", r.output);
	cr_expect_not_null(strstr(r.output, "up to date"), "%s", r.output);
	cr_expect_eq(count_lines(r.output, "applied"), 0, "%s", r.output);
	cr_expect_eq(count_lines(r.output, "NOTICE"), 0, "%s", r.output);
	run_free(&r);

	ledger2 = sql_text(db.conn, ledger_sql);
	fp2 = ddl_fingerprint(db.conn);
	cr_expect_str_eq(ledger2, ledger);
	cr_expect_str_eq(fp2, fp, "the second run changed the catalog");
	free(ledger);
	free(fp);
	free(ledger2);
	free(fp2);
}

/*
 * Two migrates start while the test holds the migrator's lock, so both are
 * certainly running at once; both must wait (doing nothing before the
 * lock), then apply everything exactly once between them.
 */
Test(migrate, concurrent_runs_serialize_on_the_lock)
{
	static const char waiting_sql[] =
	    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
	    "NOT granted AND classid = " LOCK_CLASSID " AND objid = " LOCK_OBJID
	    " AND objsubid = 2";
	struct run a, b;
	int tries, n;

	db_create(&db);
	sql_do(db.conn,
	    "SELECT pg_advisory_lock(" LOCK_CLASSID ", " LOCK_OBJID ")");
	run_start(&a, db.url, NULL, NULL, NULL);
	run_start(&b, db.url, NULL, NULL, NULL);
	for (tries = 0; tries < 400; tries++) {
		if (sql_long(db.conn, waiting_sql) == 2)
			break;
		(void)usleep(50 * 1000);
	}
	cr_expect_eq(sql_long(db.conn, waiting_sql), 2,
	    "both migrates should be waiting for the lock");
	cr_expect(sql_true(db.conn,
		      "SELECT to_regclass('schema_migrations') IS NULL"),
	    "a migrate changed the database before taking the lock");
	sql_do(db.conn,
	    "SELECT pg_advisory_unlock(" LOCK_CLASSID ", " LOCK_OBJID ")");
	run_finish(&a);
	run_finish(&b);

	n = migration_count();
	cr_expect_eq(a.status, 0, "%s", a.output);
	cr_expect_eq(b.status, 0, "%s", b.output);
	cr_expect_eq(count_lines(a.output, "applied ") +
		count_lines(b.output, "applied "),
	    n, "%s\n---\n%s", a.output, b.output);
	cr_expect_eq(count_lines(a.output, "applied 0001") +
		count_lines(b.output, "applied 0001"),
	    1);
	cr_expect_eq(count_lines(a.output, "up to date") +
		count_lines(b.output, "up to date"),
	    1);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM schema_migrations"),
	    n);
	run_free(&a);
	run_free(&b);
}

Test(migrate, deleting_a_customer_deletes_its_tags_notes_and_history)
{
	struct run r;

	db_create(&db);
	run_migrate(&r, db.url, NULL);
	cr_assert_eq(r.status, 0, "%s", r.output);
	run_free(&r);

	sql_do(db.conn,
	    "INSERT INTO customers (id, user_id, business_id, "
	    "full_name, email) VALUES ('aaaaaaaa-0000-4000-8000-00000000000a', "
	    "gen_random_uuid(), gen_random_uuid(), 'Ana', 'ana@example.com'), "
	    "('aaaaaaaa-0000-4000-8000-00000000000b', gen_random_uuid(), "
	    "gen_random_uuid(), 'Bob', 'bob@example.com')");
	sql_do(db.conn,
	    "INSERT INTO customer_tags (customer_id, label) "
	    "SELECT id, l FROM customers, unnest(ARRAY['VIP', 'New']) l");
	sql_do(db.conn,
	    "INSERT INTO customer_notes (customer_id, content, "
	    "created_by) SELECT id, 'note', gen_random_uuid() FROM customers");
	sql_do(db.conn,
	    "INSERT INTO customer_history (customer_id) "
	    "SELECT id FROM customers");

	sql_do(db.conn,
	    "DELETE FROM customers WHERE id = "
	    "'aaaaaaaa-0000-4000-8000-00000000000a'");
	cr_expect_eq(
	    sql_long(db.conn,
		"SELECT (SELECT count(*) FROM "
		"customer_tags) * 100 + (SELECT count(*) FROM customer_notes) * "
		"10 + (SELECT count(*) FROM customer_history)"),
	    211,
	    "only the other customer's 2 tags, 1 note, 1 history row remain");
	cr_expect_eq(
	    sql_long(db.conn,
		"SELECT count(*) FROM customer_tags "
		"WHERE customer_id = 'aaaaaaaa-0000-4000-8000-00000000000a'"),
	    0);
}

/* A failing migration is rolled back alone; fixed, it applies alone. */
Test(migrate, failed_migration_rolls_back_only_itself)
{
	struct run r;
	char *dir;
	int n;

	dir = make_tmpdir();
	link_migrations(dir, "9998");
	write_file(dir, "9999_broken.sql",
	    "CREATE TABLE broken_marker (x integer);\nSELECT 1 / 0;\n");

	db_create(&db);
	n = migration_count();
	run_start(&r, db.url, dir, NULL, NULL);
	run_finish(&r);
	cr_expect_neq(r.status, 0, "%s", r.output);
	cr_expect_not_null(strstr(r.output, "division by zero"), "%s",
	    r.output);
	cr_expect_not_null(strstr(r.output, "9999_broken"), "%s", r.output);
	cr_expect_eq(count_lines(r.output, "applied "), n, "%s", r.output);
	run_free(&r);
	cr_expect(
	    sql_true(db.conn, "SELECT to_regclass('broken_marker') IS NULL"));
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM schema_migrations"),
	    n);

	write_file(dir, "9999_broken.sql",
	    "CREATE TABLE broken_marker (x integer);\n");
	run_start(&r, db.url, dir, NULL, NULL);
	run_finish(&r);
	cr_expect_eq(r.status, 0, "%s", r.output);
	cr_expect_eq(count_lines(r.output, "applied "), 1, "%s", r.output);
	cr_expect_not_null(strstr(r.output, "applied 9999_broken"));
	run_free(&r);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM schema_migrations"),
	    n + 1);
	remove_tmpdir(dir);
}

Test(migrate, status_lists_pending_then_applied)
{
	struct run r;
	char want[64];
	int n;

	db_create(&db);
	n = migration_count();
	run_migrate(&r, db.url, "--status");
	cr_expect_eq(r.status, 0, "%s", r.output);
	/* a line per file, and the summary */
	cr_expect_eq(count_lines(r.output, " pending"), n + 1, "%s", r.output);
	(void)snprintf(want, sizeof(want), "0 applied, %d pending", n);
	cr_expect_not_null(strstr(r.output, want), "%s", r.output);
	run_free(&r);
	cr_expect(sql_true(db.conn,
		      "SELECT to_regclass('schema_migrations') IS NULL"),
	    "--status must not change the database");

	run_migrate(&r, db.url, NULL);
	cr_assert_eq(r.status, 0, "%s", r.output);
	run_free(&r);
	run_migrate(&r, db.url, "--status");
	cr_expect_eq(r.status, 0, "%s", r.output);
	(void)snprintf(want, sizeof(want), "%d applied, 0 pending", n);
	cr_expect_not_null(strstr(r.output, want), "%s", r.output);
	cr_expect_not_null(strstr(r.output,
			       "alembic_version: " ALEMBIC_REVISION),
	    "%s", r.output);
	run_free(&r);
}

Test(migrate, missing_database_is_one_clear_line)
{
	struct run r;
	char url[1024];

	url_with_db(server_url, "bee_mig_test_absent", url, sizeof(url));
	run_migrate(&r, url, NULL);
	cr_expect_neq(r.status, 0);
	cr_expect_eq(count_lines(r.output, ""), 1, "%s", r.output);
	cr_expect_eq(strncmp(r.output, "migrate: cannot connect to ", 27), 0,
	    "%s", r.output);
	cr_expect_not_null(strstr(r.output, "bee_mig_test_absent"));
	run_free(&r);
}

/* Without DATABASE_URL in the environment, ./.env gives it. */
Test(migrate, reads_dotenv_and_accepts_asyncpg_urls)
{
	struct run r;
	char text[2048];
	char *dir;

	db_create(&db);
	dir = make_tmpdir();
	cr_assert_eq(strncmp(db.url, "postgresql://", 13), 0);
	(void)snprintf(text, sizeof(text),
	    "# written by test_migrate\n"
	    "LOG_LEVEL=debug\n"
	    "export DATABASE_URL=\"postgresql+asyncpg://%s\"  # the app's form\n",
	    db.url + 13);
	write_file(dir, ".env", text);
	run_start(&r, NULL, NULL, dir, NULL);
	run_finish(&r);
	remove_tmpdir(dir);
	cr_expect_eq(r.status, 0, "%s", r.output);
	cr_expect_eq(count_lines(r.output, "applied "), migration_count(), "%s",
	    r.output);
	run_free(&r);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM schema_migrations"),
	    migration_count());
}

/* The columns of tbl's primary key, in order, comma-separated. */
static char *
pk_columns(const char *tbl)
{
	static const char pair_sql[] =
	    "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_constraint c"
	    " CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
	    " JOIN pg_attribute a ON a.attrelid = c.conrelid"
	    " AND a.attnum = k.attnum WHERE c.contype = 'p'"
	    " AND c.conrelid = '%s'::regclass";
	char stmt[512];

	(void)snprintf(stmt, sizeof(stmt), pair_sql, tbl);
	return (sql_text(db.conn, stmt));
}

/* db migrated up to and including the migration numbered last. */
static void
migrate_upto(const char *last)
{
	struct run r;
	char *dir;

	dir = make_tmpdir();
	link_migrations(dir, last);
	run_start(&r, db.url, dir, NULL, NULL);
	run_finish(&r);
	cr_assert_eq(r.status, 0, "%s", r.output);
	run_free(&r);
	remove_tmpdir(dir);
}

/* A migration's file (name under migrations/) run again by hand on db. */
static void
rerun(const char *name)
{
	char path[PATH_MAX + 64], *file;
	FILE *fp;
	long len;

	(void)snprintf(path, sizeof(path), "%s/migrations/%s", repo_root, name);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s", path);
	cr_assert(fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) > 0);
	rewind(fp);
	file = calloc(1, (size_t)len + 1);
	cr_assert_not_null(file);
	cr_assert(fread(file, 1, (size_t)len, fp) == (size_t)len);
	(void)fclose(fp);
	sql_do(db.conn, file);
	free(file);
}

/* Both history tables keyed by the pair. */
static void
expect_pair_keys(void)
{
	char *text;

	text = pk_columns("customer_orders");
	cr_expect_str_eq(text, "business_id,order_id");
	free(text);
	text = pk_columns("customer_appointments");
	cr_expect_str_eq(text, "business_id,appointment_id");
	free(text);
}

/*
 * 0009: history keyed by (business_id, order_id) and (business_id,
 * appointment_id). Before it, a second business's order with the same id
 * could not be stored beside the first; rows already there keep their
 * values; and the migration's SQL run again changes nothing.
 */
Test(migrate, history_keyed_by_business_keeps_rows)
{
	static const char second_order[] =
	    "INSERT INTO customer_orders (order_id, business_id, status,"
	    " updated_at) VALUES ('1001', 'bbbbbbbb-0000-4000-8000-000000000002',"
	    " 'paid', now()) ON CONFLICT DO NOTHING RETURNING 1";
	static const char second_appointment[] =
	    "INSERT INTO customer_appointments (appointment_id, business_id,"
	    " status, updated_at) VALUES ('7', "
	    "'bbbbbbbb-0000-4000-8000-000000000002', 'booked', now())"
	    " ON CONFLICT DO NOTHING RETURNING 1";
	struct run r;
	char *dir, *text;
	PGresult *res;

	db_create(&db);
	migrate_upto("0008");
	sql_do(db.conn,
	    "INSERT INTO customer_orders (order_id, business_id, user_id,"
	    " total, currency, status, created_at, updated_at) VALUES ('1001',"
	    " 'aaaaaaaa-0000-4000-8000-000000000001',"
	    " 'cccccccc-0000-4000-8000-000000000003', 12.50, 'RON', 'paid',"
	    " '2025-07-01T10:00:00Z', '2025-07-01T11:00:00Z');"
	    "INSERT INTO customer_appointments (appointment_id, business_id,"
	    " status, updated_at) VALUES ('7',"
	    " 'aaaaaaaa-0000-4000-8000-000000000001', 'booked', now())");
	/* before: the same id in another business cannot be stored */
	res = sql(db.conn, second_order);
	cr_expect_eq(PQntuples(res), 0);
	PQclear(res);

	dir = make_tmpdir();
	link_migrations(dir, "0009");
	run_start(&r, db.url, dir, NULL, NULL);
	run_finish(&r);
	cr_assert_eq(r.status, 0, "%s", r.output);
	cr_expect_not_null(strstr(r.output, "applied 0009_"), "%s", r.output);
	run_free(&r);
	remove_tmpdir(dir);

	expect_pair_keys();
	text = sql_text(db.conn,
	    "SELECT format('%s|%s|%s|%s|%s', order_id, user_id, total,"
	    " currency, status) FROM customer_orders");
	cr_expect_str_eq(text,
	    "1001|cccccccc-0000-4000-8000-000000000003|12.50|RON|paid");
	free(text);
	cr_expect(sql_true(db.conn,
	    "SELECT to_regclass('ix_customer_orders_history_order') IS NOT NULL"
	    " AND to_regclass('ix_customer_appointments_history_order')"
	    " IS NOT NULL"));
	res = sql(db.conn, second_order);
	cr_expect_eq(PQntuples(res), 1, "the other business's order 1001");
	PQclear(res);
	res = sql(db.conn, second_appointment);
	cr_expect_eq(PQntuples(res), 1, "the other business's appointment 7");
	PQclear(res);

	/* the file again, by hand: nothing changes, nothing fails */
	rerun("0009_history_keyed_by_business.sql");
	cr_expect_eq(sql_long(db.conn, "SELECT count(*) FROM customer_orders"),
	    2);
	expect_pair_keys();
}

/*
 * 0009 on a database whose history keys were renamed by hand (not
 * `<table>_pkey`): the old keys are found by what they are, dropped and
 * replaced by the pairs; the file run again changes nothing.
 */
Test(migrate, history_key_under_another_name_is_replaced)
{
	db_create(&db);
	migrate_upto("0008");
	sql_do(db.conn,
	    "ALTER TABLE customer_orders RENAME CONSTRAINT"
	    " customer_orders_pkey TO orders_by_hand;"
	    "ALTER TABLE customer_appointments RENAME CONSTRAINT"
	    " customer_appointments_pkey TO appointments_by_hand");
	migrate_upto("0009");
	expect_pair_keys();
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM pg_constraint WHERE conname IN"
			 " ('orders_by_hand', 'appointments_by_hand')"),
	    0);
	rerun("0009_history_keyed_by_business.sql");
	expect_pair_keys();
}

/*
 * 0011 on a live table: an operator adds the search column and builds the
 * business search index first with CREATE INDEX CONCURRENTLY (which
 * scripts/migrate's transaction cannot run); the migration then keeps
 * that index as it is. The column holds the three fields lower-cased,
 * joined by U+001F, and follows their changes.
 */
Test(migrate, business_search_index_built_by_hand_is_kept)
{
	static const char definition[] =
	    "CREATE INDEX ix_customer_business_search ON public.customers "
	    "USING btree (business_id, full_name, id) "
	    "INCLUDE (email, phone, search_text)";
	char *before, *after;

	db_create(&db);
	migrate_upto("0010");
	sql_do(db.conn,
	    "ALTER TABLE customers ADD COLUMN search_text text GENERATED "
	    "ALWAYS AS (lower(full_name) || E'\\x1f' || lower(email) || "
	    "E'\\x1f' || lower(coalesce(phone, ''))) STORED");
	sql_do(db.conn,
	    "CREATE INDEX CONCURRENTLY ix_customer_business_search ON "
	    "customers (business_id, full_name, id) "
	    "INCLUDE (email, phone, search_text)");
	before = sql_text(db.conn,
	    "SELECT 'ix_customer_business_search'::regclass::oid::text");
	migrate_upto("0011");
	after = sql_text(db.conn,
	    "SELECT 'ix_customer_business_search'::regclass::oid::text");
	cr_expect_str_eq(after, before, "the index built by hand was rebuilt");
	free(before);
	free(after);
	after = sql_text(db.conn,
	    "SELECT indexdef FROM pg_indexes "
	    "WHERE indexname = 'ix_customer_business_search'");
	cr_expect_str_eq(after, definition);
	free(after);
	cr_expect(sql_true(db.conn,
	    "SELECT EXISTS (SELECT 1 FROM schema_migrations "
	    "WHERE version = '0011')"));

	sql_do(db.conn,
	    "INSERT INTO customers (id, user_id, business_id, full_name, "
	    "email, phone) VALUES ('00000000-0000-4000-8000-000000000011', "
	    "gen_random_uuid(), gen_random_uuid(), 'Ana ŞERBAN', "
	    "'Ana@Example.com', NULL)");
	after = sql_text(db.conn,
	    "UPDATE customers SET phone = '+4470X' "
	    "WHERE id = '00000000-0000-4000-8000-000000000011' "
	    "RETURNING replace(search_text, chr(31), '|')");
	cr_expect_str_eq(after, "ana şerban|ana@example.com|+4470x");
	free(after);
}

/*
 * 0012 on a database with customers: each keeps its row at version 1;
 * every UPDATE of a row raises it, whatever it changes and whoever runs
 * it: by one when it does not (a version set lower or equal by hand
 * included), as written when it does (the service's writers write
 * version + 1: one step, not two); a new row starts at 1; the file run
 * again changes nothing and leaves one trigger.
 */
Test(migrate, customer_version_counts_every_update)
{
	static const char version[] =
	    "SELECT version FROM customers"
	    " WHERE id = '00000000-0000-4000-8000-000000000012'";
	static const char *const updates[] = {
		"UPDATE customers SET full_name = 'Ana Pop'",
		"UPDATE customers SET total_orders = 3, lifetime_value = 9.5",
		"UPDATE customers SET email = email",
		"UPDATE customers SET version = version + 1",
		"UPDATE customers SET version = 1", NULL
	};
	int i;

	db_create(&db);
	migrate_upto("0011");
	sql_do(db.conn,
	    "INSERT INTO customers (id, user_id, business_id, full_name, "
	    "email) VALUES ('00000000-0000-4000-8000-000000000012', "
	    "gen_random_uuid(), gen_random_uuid(), 'Ana Popescu', "
	    "'ana@example.com')");
	migrate_upto("0012");
	cr_expect(sql_true(db.conn,
	    "SELECT data_type = 'bigint' AND is_nullable = 'NO'"
	    " FROM information_schema.columns"
	    " WHERE table_name = 'customers' AND column_name = 'version'"));
	cr_assert_eq(sql_long(db.conn, version), 1);
	for (i = 0; updates[i] != NULL; i++) {
		sql_do(db.conn, updates[i]);
		cr_expect_eq(sql_long(db.conn, version), 2 + i, "after %s",
		    updates[i]);
	}

	sql_do(db.conn, "UPDATE customers SET version = 100");
	cr_expect_eq(sql_long(db.conn, version), 100, "raised by hand");

	rerun("0012_customer_version.sql");
	cr_expect_eq(sql_long(db.conn, version), 100);
	sql_do(db.conn, "UPDATE customers SET phone = '+40700000012'");
	cr_expect_eq(sql_long(db.conn, version), 101, "one trigger, not two");
	cr_expect_eq(sql_long(db.conn,
			 "INSERT INTO customers (user_id, business_id,"
			 " full_name, email) VALUES (gen_random_uuid(),"
			 " gen_random_uuid(), 'Ion Pop', 'ion@example.com')"
			 " RETURNING version"),
	    1);
}

/*
 * 0015 on a live table: the operator builds the one trigram index first
 * with CREATE INDEX CONCURRENTLY; the migration keeps it and drops the
 * three of 0007. Through the index, `search_text LIKE` finds what each
 * field's ILIKE finds.
 */
Test(migrate, search_trigram_index_replaces_the_three)
{
	char *before, *after;

	db_create(&db);
	migrate_upto("0011");
	sql_do(db.conn,
	    "INSERT INTO customers (user_id, business_id, full_name, email, "
	    "phone) SELECT gen_random_uuid(), gen_random_uuid(), "
	    "'Name ' || i, 'mail' || i || '@Example.com', '07' || i "
	    "FROM generate_series(1, 300) i");
	sql_do(db.conn,
	    "CREATE INDEX CONCURRENTLY ix_customer_search_trgm ON customers "
	    "USING gin (search_text gin_trgm_ops)");
	before = sql_text(db.conn,
	    "SELECT 'ix_customer_search_trgm'::regclass::oid::text");
	migrate_upto("0015");
	after = sql_text(db.conn,
	    "SELECT 'ix_customer_search_trgm'::regclass::oid::text");
	cr_expect_str_eq(after, before, "the index built by hand was rebuilt");
	free(before);
	free(after);
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM pg_indexes WHERE indexname IN "
			 "('ix_customer_full_name_trgm', "
			 "'ix_customer_email_trgm', 'ix_customer_phone_trgm')"),
	    0);
	cr_expect(sql_true(db.conn,
	    "SELECT 'gin_pending_list_limit=65536' = ANY(reloptions) "
	    "FROM pg_class WHERE relname = 'ix_customer_search_trgm'"));
	sql_do(db.conn, "SET enable_seqscan = off");
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM customers "
			 "WHERE search_text LIKE lower('%MAIL12%')"),
	    11); /* mail12, mail120-129 */
	cr_expect_eq(sql_long(db.conn,
			 "SELECT count(*) FROM customers "
			 "WHERE search_text LIKE lower('%me 3%')"),
	    1 + 10 + 1); /* Name 3, 30-39, 300 */
}

/*
 * 0013: the claims of Idempotency-Key, one per (owner, key), on a database
 * that already holds customers (which it leaves alone). A second claim of
 * the same pair conflicts; a state other than running or done is refused;
 * the prune reads created_at's index, an erasure customer_id's.
 */
Test(migrate, idempotency_keys_table_one_claim_per_owner_and_key)
{
	PGresult *res;
	char *text;

	db_create(&db);
	migrate_upto("0011");
	sql_do(db.conn,
	    "INSERT INTO customers (user_id, business_id, full_name, email) "
	    "VALUES (gen_random_uuid(), gen_random_uuid(), 'Ana', "
	    "'ana@example.com')");
	migrate_upto("0013");
	cr_expect_eq(sql_long(db.conn, "SELECT count(*) FROM customers"), 1);
	text = pk_columns("idempotency_keys");
	cr_expect_str_eq(text, "owner,key");
	free(text);
	cr_expect(sql_true(db.conn,
	    "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = "
	    "'ix_idempotency_keys_created_at' AND indexdef LIKE "
	    "'%(created_at)')"));
	cr_expect(sql_true(db.conn,
	    "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = "
	    "'ix_idempotency_keys_customer_id' AND indexdef LIKE "
	    "'%(customer_id) WHERE (customer_id IS NOT NULL)')"));
	cr_expect_eq(sql_long(db.conn,
			 "WITH a AS (INSERT INTO idempotency_keys (owner, key, "
			 "fingerprint, token) VALUES ('u', 'k', 'f', "
			 "gen_random_uuid()) ON CONFLICT DO NOTHING "
			 "RETURNING 1) SELECT count(*) FROM a"),
	    1);
	cr_expect_eq(sql_long(db.conn,
			 "WITH a AS (INSERT INTO idempotency_keys (owner, key, "
			 "fingerprint, token) VALUES ('u', 'k', 'g', "
			 "gen_random_uuid()) ON CONFLICT DO NOTHING "
			 "RETURNING 1) SELECT count(*) FROM a"),
	    0, "a second claim of the same owner and key");
	text = sql_text(db.conn,
	    "SELECT state || '|' || (response IS NULL) || '|' || "
	    "(created_at > now() - interval '1 minute') "
	    "FROM idempotency_keys");
	cr_expect_str_eq(text, "running|true|true");
	free(text);
	res = PQexec(db.conn, "UPDATE idempotency_keys SET state = 'lost'");
	cr_expect_eq(PQresultStatus(res), PGRES_FATAL_ERROR,
	    "a state other than running or done");
	PQclear(res);
	cr_expect(sql_true(db.conn,
	    "SELECT EXISTS (SELECT 1 FROM schema_migrations "
	    "WHERE version = '0013')"));
}
