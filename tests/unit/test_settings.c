/*
 * settings.c (docs/operations.md, settings). The environment first, then
 * `.env`; a bad value stops start-up with one line that names the variable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "infra/settings.h"
#include "support/unit.h"

#define GOOD_SECRET "k3Zr9-unit-test-secret-of-40-bytes-long!"

static int load(const char *, struct settings *, char *);
static void refused(const char *, const char *, const char *);
static void assert_conninfo(const char *, const char *, const char *);
static char *public_key_file(void);

static void
init(void)
{
	unit_env_clear();
}

static void
fini(void)
{
	unit_env_restore();
	unit_temp_cleanup();
}

TestSuite(settings, .init = init, .fini = fini);

/* settings_load with this .env text (NULL: no .env at all). */
static int
load(const char *dotenv, struct settings *s, char *err)
{
	char *path;
	int rc;

	path = dotenv ? unit_temp_file(dotenv) : unit_missing_path();
	err[0] = '\0';
	rc = settings_load(s, path, err, SETTINGS_ERRLEN);
	free(path);
	return (rc);
}

/* NAME=value in the environment stops start-up with a line naming it. */
static void
refused(const char *name, const char *value, const char *prefix)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	if (strcmp(name, "SECRET_KEY") != 0)
		cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv(name, value, 1), 0);
	cr_assert_eq(load(NULL, &s, err), -1, "%s=%s accepted", name, value);
	cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0,
	    "%s=%s: \"%s\" does not start with \"%s\"", name, value, err,
	    prefix);
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
	settings_free(&s);
	(void)unsetenv(name);
}

/* libpq itself reads the conninfo and finds these options. */
static void
assert_conninfo(const char *conninfo, const char *keyword, const char *value)
{
	PQconninfoOption *opts, *o;
	char *err;

	err = NULL;
	opts = PQconninfoParse(conninfo, &err);
	cr_assert_not_null(opts, "libpq refuses %s: %s", conninfo,
	    err ? err : "?");
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, keyword) == 0)
			break;
	}
	cr_assert_not_null(o->keyword);
	cr_assert_not_null(o->val, "%s unset in %s", keyword, conninfo);
	cr_assert_str_eq(o->val, value, "%s in %s", keyword, conninfo);
	PQconninfoFree(opts);
}

static char *
public_key_file(void)
{
	char *priv, *pub, *path;

	unit_rsa_pem(&priv, &pub);
	path = unit_temp_file(pub);
	free(priv);
	free(pub);
	return (path);
}

Test(settings, defaults)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.host, "0.0.0.0");
	cr_assert_str_eq(s.port, "8007");
	cr_assert_eq(s.workers, 0);
	cr_assert_str_eq(s.database.host, "localhost");
	cr_assert_str_eq(s.database.port, "5432");
	assert_conninfo(s.database_conninfo, "user", "postgres");
	assert_conninfo(s.database_conninfo, "password", "postgres");
	assert_conninfo(s.database_conninfo, "dbname", "bee_customers");
	assert_conninfo(s.database_conninfo, "connect_timeout", "2");
	cr_assert_eq(s.db_pool_size, 8);
	cr_assert_eq(s.db_statement_timeout_ms, 5000);
	cr_assert_eq(s.db_lock_timeout_ms, 2000);
	cr_assert_str_eq(s.rabbitmq_url, "amqp://guest:guest@localhost:5672/");
	cr_assert_eq(s.rabbitmq_nodes, 1);
	cr_assert_str_eq(s.rabbitmq_node_url[0],
	    "amqp://guest:guest@localhost:5672/");
	cr_assert_eq(s.history_queue_type, QUEUE_QUORUM);
	cr_assert_eq(s.history_delivery_limit, 50);
	cr_assert_str_eq(s.rabbitmq[0].host, "localhost");
	cr_assert_str_eq(s.rabbitmq[0].port, "5672");
	cr_assert_str_eq(s.rabbitmq_exchange, "bee.customers.events");
	cr_assert_str_eq(s.redis_url, "redis://localhost:6379/0");
	cr_assert_str_eq(s.redis.host, "localhost");
	cr_assert_str_eq(s.redis.port, "6379");
	cr_assert_null(s.log_service_url);
	cr_assert_eq(s.log_level, LOG_LEVEL_INFO);
	cr_assert_eq(s.patch_rate.count, 5);
	cr_assert_eq(s.patch_rate.period, 60);
	cr_assert_eq(s.patch_rate.amount, 1);
	cr_assert_str_eq(s.patch_rate.unit, "minute");
	cr_assert_str_eq(s.cors_origins, "*");
	cr_assert_eq(s.algorithm, JWT_ALGO_HS256);
	cr_assert_str_eq(s.secret_key, GOOD_SECRET);
	cr_assert_eq(s.secret_key_len, strlen(GOOD_SECRET));
	cr_assert_eq(s.weak_secret, 0);
	cr_assert_null(s.jwt_public_key);
	cr_assert_null(s.jwt_audience);
	cr_assert_eq(s.jwt_leeway, 0);
	cr_assert_null(s.jwt_issuer);
	cr_assert_null(s.jwt_access_type);
	cr_assert_str_eq(s.upload_dir, "uploads");
	cr_assert_str_eq(s.docs_assets_dir, "docs-assets");
	cr_assert_eq(s.avatar_max_bytes, 1048576);
	cr_assert_eq(s.outbox_retention_days, 7);
	cr_assert_str_eq(s.service_name, "BeeConect Customer Service");
	settings_free(&s);
	cr_assert_null(s.secret_key);
}

Test(settings, from_the_environment)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("HOST", "127.0.0.1", 1), 0);
	cr_assert_eq(setenv("PORT", "9000", 1), 0);
	cr_assert_eq(setenv("WORKERS", "4", 1), 0);
	cr_assert_eq(setenv("DB_POOL_SIZE", "3", 1), 0);
	cr_assert_eq(setenv("DB_STATEMENT_TIMEOUT_MS", "750", 1), 0);
	cr_assert_eq(setenv("DB_LOCK_TIMEOUT_MS", "3600000", 1), 0);
	cr_assert_eq(setenv("RABBITMQ_URL", "amqp://u:p@rabbitmq/", 1), 0);
	cr_assert_eq(setenv("RABBITMQ_EXCHANGE", "x.events", 1), 0);
	cr_assert_eq(setenv("REDIS_URL", "redis://:pw@redis:6380/1", 1), 0);
	cr_assert_eq(setenv("LOG_SERVICE_URL", "http://logs:9000/ingest", 1),
	    0);
	cr_assert_eq(setenv("LOG_LEVEL", "WARNING", 1), 0);
	cr_assert_eq(setenv("CORS_ORIGINS", "https://a.example", 1), 0);
	cr_assert_eq(setenv("JWT_AUDIENCE", "bee-customers", 1), 0);
	cr_assert_eq(setenv("JWT_LEEWAY_SECONDS", "30", 1), 0);
	cr_assert_eq(setenv("JWT_ISSUER", "https://auth.example", 1), 0);
	cr_assert_eq(setenv("JWT_ACCESS_TYPE", "access", 1), 0);
	cr_assert_eq(setenv("UPLOAD_DIR", "/data/uploads", 1), 0);
	cr_assert_eq(setenv("DOCS_ASSETS_DIR", "/srv/docs-assets", 1), 0);
	cr_assert_eq(setenv("AVATAR_MAX_BYTES", "524288", 1), 0);
	cr_assert_eq(setenv("OUTBOX_RETENTION_DAYS", "0", 1), 0);
	cr_assert_eq(setenv("SERVICE_NAME", "Bee Test", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.host, "127.0.0.1");
	cr_assert_str_eq(s.port, "9000");
	cr_assert_eq(s.workers, 4);
	cr_assert_eq(s.db_pool_size, 3);
	cr_assert_eq(s.db_statement_timeout_ms, 750);
	cr_assert_eq(s.db_lock_timeout_ms, 3600000);
	cr_assert_str_eq(s.rabbitmq[0].host, "rabbitmq");
	cr_assert_str_eq(s.rabbitmq[0].port, "5672");
	cr_assert_str_eq(s.rabbitmq_exchange, "x.events");
	cr_assert_str_eq(s.redis.host, "redis");
	cr_assert_str_eq(s.redis.port, "6380");
	cr_assert_str_eq(s.log_service_url, "http://logs:9000/ingest");
	cr_assert_eq(s.log_level, LOG_LEVEL_WARNING);
	cr_assert_str_eq(s.cors_origins, "https://a.example");
	cr_assert_str_eq(s.jwt_audience, "bee-customers");
	cr_assert_eq(s.jwt_leeway, 30);
	cr_assert_str_eq(s.jwt_issuer, "https://auth.example");
	cr_assert_str_eq(s.jwt_access_type, "access");
	cr_assert_str_eq(s.upload_dir, "/data/uploads");
	cr_assert_str_eq(s.docs_assets_dir, "/srv/docs-assets");
	cr_assert_eq(s.avatar_max_bytes, 524288);
	cr_assert_eq(s.outbox_retention_days, 0);
	cr_assert_str_eq(s.service_name, "Bee Test");
	settings_free(&s);
}

/* As in .env.example's commented lines: empty means unchecked. */
Test(settings, empty_issuer_and_access_type_unset)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(load("SECRET_KEY=" GOOD_SECRET "\nJWT_ISSUER=\n"
			  "JWT_ACCESS_TYPE=\n",
			 &s, err),
	    0, "%s", err);
	cr_assert_null(s.jwt_issuer);
	cr_assert_null(s.jwt_access_type);
	settings_free(&s);
}

Test(settings, project_name_accepted)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("PROJECT_NAME", "Legacy Name", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.service_name, "Legacy Name");
	settings_free(&s);
	cr_assert_eq(setenv("SERVICE_NAME", "New Name", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.service_name, "New Name");
	settings_free(&s);
}

Test(settings, dotenv_file)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(
	    load(
		"# bee-customers\n"
		"\n"
		"export HOST=127.0.0.1\n"
		"PORT=\"9000\"\n"
		"SERVICE_NAME='Bee # Test'\n"
		"CORS_ORIGINS=https://a.example,https://b.example # two origins\n"
		"SECRET_KEY=" GOOD_SECRET "\n"
		"CUSTOMER_PATCH_RATE=10 per 2 minutes\n",
		&s, err),
	    0, "%s", err);
	cr_assert_str_eq(s.host, "127.0.0.1");
	cr_assert_str_eq(s.port, "9000");
	cr_assert_str_eq(s.service_name, "Bee # Test");
	cr_assert_str_eq(s.cors_origins, "https://a.example,https://b.example");
	cr_assert_str_eq(s.secret_key, GOOD_SECRET);
	cr_assert_eq(s.patch_rate.count, 10);
	cr_assert_eq(s.patch_rate.period, 120);
	settings_free(&s);
}

Test(settings, environment_wins_over_dotenv)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("PORT", "9100", 1), 0);
	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET "-env", 1), 0);
	cr_assert_eq(load("PORT=9000\nHOST=10.0.0.1\nSECRET_KEY=supersecretkey"
			  "\n",
			 &s, err),
	    0, "%s", err);
	cr_assert_str_eq(s.port, "9100");
	cr_assert_str_eq(s.host, "10.0.0.1");
	cr_assert_str_eq(s.secret_key, GOOD_SECRET "-env");
	settings_free(&s);
}

Test(settings, bad_dotenv_line)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(load("SECRET_KEY=" GOOD_SECRET "\nnot a setting\n", &s,
			 err),
	    -1);
	cr_assert_str_eq(err, ".env: line 2: expected KEY=value");
	settings_free(&s);
}

Test(settings, database_url_asyncpg_form)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("DATABASE_URL",
			 "postgresql+asyncpg://bee:pw@"
			 "postgres:6543/customers?sslmode=require",
			 1),
	    0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(strncmp(s.database_conninfo, "postgresql://", 13), 0, "%s",
	    s.database_conninfo);
	cr_assert_str_eq(s.database.host, "postgres");
	cr_assert_str_eq(s.database.port, "6543");
	assert_conninfo(s.database_conninfo, "host", "postgres");
	assert_conninfo(s.database_conninfo, "port", "6543");
	assert_conninfo(s.database_conninfo, "user", "bee");
	assert_conninfo(s.database_conninfo, "password", "pw");
	assert_conninfo(s.database_conninfo, "dbname", "customers");
	assert_conninfo(s.database_conninfo, "sslmode", "require");
	assert_conninfo(s.database_conninfo, "connect_timeout", "2");
	settings_free(&s);
}

Test(settings, pg_conninfo_forms)
{
	char *c;

	c = settings_pg_conninfo("postgres://u@db/x");
	cr_assert_not_null(c);
	assert_conninfo(c, "host", "db");
	assert_conninfo(c, "dbname", "x");
	assert_conninfo(c, "connect_timeout", "2");
	assert_conninfo(c, "keepalives_idle", "30");
	assert_conninfo(c, "tcp_user_timeout", "60000");
	free(c);

	/* an explicit timeout is kept */
	c = settings_pg_conninfo("postgresql://u@db/x?connect_timeout=5");
	cr_assert_not_null(c);
	assert_conninfo(c, "connect_timeout", "5");
	free(c);

	c = settings_pg_conninfo("postgresql://u@[::1]:5433/x");
	cr_assert_not_null(c);
	assert_conninfo(c, "host", "::1");
	assert_conninfo(c, "port", "5433");
	free(c);

	cr_assert_null(settings_pg_conninfo("mysql://u@db/x"));
	cr_assert_null(settings_pg_conninfo("postgresql://"));
	cr_assert_null(settings_pg_conninfo(""));
	cr_assert_null(settings_pg_conninfo("db/x"));
}

Test(settings, bad_urls_named)
{
	refused("DATABASE_URL", "mysql://u:p@db/x", "DATABASE_URL");
	refused("DATABASE_URL", "", "DATABASE_URL");
	refused("DATABASE_URL", "postgresql://", "DATABASE_URL");
	refused("DATABASE_URL", "postgresql://u@db:port/x", "DATABASE_URL");
	refused("RABBITMQ_URL", "http://rabbitmq:5672/", "RABBITMQ_URL");
	refused("RABBITMQ_URL", "amqp://rabbitmq:notaport/", "RABBITMQ_URL");
	refused("REDIS_URL", "memcached://cache:11211", "REDIS_URL");
	refused("REDIS_URL", "redis://redis:x/0", "REDIS_URL");
	refused("LOG_SERVICE_URL", "ftp://logs/", "LOG_SERVICE_URL");
}

/* A cluster's nodes, each its own URL, kept in the order given. */
Test(settings, rabbitmq_node_list)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("RABBITMQ_URL",
			 "amqp://u:p@r1:5673/v,amqp://u:p@r2/v,"
			 "amqp://w:q@[::1]:5675/",
			 1),
	    0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.rabbitmq_nodes, 3);
	cr_assert_str_eq(s.rabbitmq_url,
	    "amqp://u:p@r1:5673/v,amqp://u:p@r2/v,amqp://w:q@[::1]:5675/");
	cr_assert_str_eq(s.rabbitmq_node_url[0], "amqp://u:p@r1:5673/v");
	cr_assert_str_eq(s.rabbitmq_node_url[1], "amqp://u:p@r2/v");
	cr_assert_str_eq(s.rabbitmq_node_url[2], "amqp://w:q@[::1]:5675/");
	cr_assert_str_eq(s.rabbitmq[0].host, "r1");
	cr_assert_str_eq(s.rabbitmq[0].port, "5673");
	cr_assert_str_eq(s.rabbitmq[1].host, "r2");
	cr_assert_str_eq(s.rabbitmq[1].port, "5672");
	cr_assert_str_eq(s.rabbitmq[2].host, "::1");
	cr_assert_str_eq(s.rabbitmq[2].port, "5675");
	cr_assert_null(s.rabbitmq_node_url[3]);
	settings_free(&s);
	cr_assert_null(s.rabbitmq_node_url[0]);
}

Test(settings, history_queue_classic_kept)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("HISTORY_QUEUE_TYPE", "classic", 1), 0);
	cr_assert_eq(setenv("HISTORY_DELIVERY_LIMIT", "1000", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.history_queue_type, QUEUE_CLASSIC);
	cr_assert_eq(s.history_delivery_limit, 1000);
	settings_free(&s);
	refused("HISTORY_QUEUE_TYPE", "mirrored", "HISTORY_QUEUE_TYPE");
	refused("HISTORY_QUEUE_TYPE", "Quorum", "HISTORY_QUEUE_TYPE");
	refused("HISTORY_DELIVERY_LIMIT", "0", "HISTORY_DELIVERY_LIMIT");
	refused("HISTORY_DELIVERY_LIMIT", "1001", "HISTORY_DELIVERY_LIMIT");
}

Test(settings, rabbitmq_bad_lists_named)
{
	refused("RABBITMQ_URL", "amqp://a/,", "RABBITMQ_URL");
	refused("RABBITMQ_URL", ",amqp://a/", "RABBITMQ_URL");
	refused("RABBITMQ_URL", "amqp://a/,,amqp://b/", "RABBITMQ_URL");
	refused("RABBITMQ_URL", "amqp://a/,http://b/", "RABBITMQ_URL");
	refused("RABBITMQ_URL", "amqp://a/, amqp://b/", "RABBITMQ_URL");
	refused("RABBITMQ_URL", "amqp://a/,amqp://b:x/", "RABBITMQ_URL");
	refused("RABBITMQ_URL",
	    "amqp://1/,amqp://2/,amqp://3/,amqp://4/,amqp://5/,amqp://6/,"
	    "amqp://7/,amqp://8/",
	    "RABBITMQ_URL");
}

Test(settings, empty_redis_url_disables)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("REDIS_URL", "", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.redis_url, "");
	settings_free(&s);
}

Test(settings, bad_numbers_named)
{
	refused("PORT", "0", "PORT");
	refused("PORT", "65536", "PORT");
	refused("PORT", "80x", "PORT");
	refused("WORKERS", "0", "WORKERS");
	refused("WORKERS", "many", "WORKERS");
	refused("DB_POOL_SIZE", "0", "DB_POOL_SIZE");
	refused("DB_STATEMENT_TIMEOUT_MS", "0", "DB_STATEMENT_TIMEOUT_MS");
	refused("DB_STATEMENT_TIMEOUT_MS", "5s", "DB_STATEMENT_TIMEOUT_MS");
	refused("DB_STATEMENT_TIMEOUT_MS", "3600001",
	    "DB_STATEMENT_TIMEOUT_MS");
	refused("DB_LOCK_TIMEOUT_MS", "-1", "DB_LOCK_TIMEOUT_MS");
	refused("DB_LOCK_TIMEOUT_MS", "", "DB_LOCK_TIMEOUT_MS");
	refused("LOG_LEVEL", "verbose", "LOG_LEVEL");
	refused("AVATAR_MAX_BYTES", "2097152", "AVATAR_MAX_BYTES");
	refused("OUTBOX_RETENTION_DAYS", "-1", "OUTBOX_RETENTION_DAYS");
	refused("JWT_LEEWAY_SECONDS", "-1", "JWT_LEEWAY_SECONDS");
	refused("JWT_LEEWAY_SECONDS", "ten", "JWT_LEEWAY_SECONDS");
	refused("ALGORITHM", "HS512", "ALGORITHM");
	refused("ALGORITHM", "none", "ALGORITHM");
}

/*
 * Text settings reach JSON (logs, `/`, the OpenAPI title): bytes that are
 * not UTF-8 stop start-up instead of a 500 on every `/`.
 */
Test(settings, text_not_utf8_named)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	refused("PROJECT_VERSION", "1.0\xff",
	    "PROJECT_VERSION: not valid UTF-8");
	refused("SERVICE_NAME", "Caf\xe9", "SERVICE_NAME: not valid UTF-8");
	refused("RABBITMQ_EXCHANGE", "ev\xc3", "RABBITMQ_EXCHANGE");
	/* UTF-8 itself is fine */
	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	cr_assert_eq(setenv("SERVICE_NAME", "Caf\xc3\xa9", 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_str_eq(s.service_name, "Caf\xc3\xa9");
	settings_free(&s);
}

Test(settings, secret_key_required_for_hs256)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(load(NULL, &s, err), -1);
	cr_assert_eq(strncmp(err, "SECRET_KEY", 10), 0, "%s", err);
	settings_free(&s);
	cr_assert_eq(setenv("ALGORITHM", "HS256", 1), 0);
	cr_assert_eq(load(NULL, &s, err), -1);
	cr_assert_eq(strncmp(err, "SECRET_KEY", 10), 0, "%s", err);
	settings_free(&s);
	refused("SECRET_KEY", "", "SECRET_KEY");
}

Test(settings, known_default_secrets_refused)
{
	refused("SECRET_KEY", "supersecretkey", "SECRET_KEY");
	refused("SECRET_KEY", "secret", "SECRET_KEY");
	refused("SECRET_KEY", "change-me", "SECRET_KEY");
}

Test(settings, weak_secret_under_32_bytes)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", "0123456789abcdef0123456789abcde", 1),
	    0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.secret_key_len, 31);
	cr_assert_eq(s.weak_secret, 1);
	settings_free(&s);

	cr_assert_eq(setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef",
			 1),
	    0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.weak_secret, 0);
	settings_free(&s);
}

Test(settings, secret_not_in_the_error_line)
{
	struct settings s;
	char err[SETTINGS_ERRLEN];

	cr_assert_eq(setenv("SECRET_KEY", "change-me", 1), 0);
	cr_assert_eq(load(NULL, &s, err), -1);
	cr_assert_null(strstr(err, "change-me"), "%s", err);
	settings_free(&s);
}

Test(settings, rs256_needs_a_public_key_file)
{
	refused("ALGORITHM", "RS256", "JWT_PUBLIC_KEY_FILE");
}

Test(settings, rs256_with_a_public_key, .timeout = 30)
{
	struct settings s;
	char err[SETTINGS_ERRLEN], *path, *pem;

	path = public_key_file();
	cr_assert_eq(setenv("ALGORITHM", "RS256", 1), 0);
	cr_assert_eq(setenv("JWT_PUBLIC_KEY_FILE", path, 1), 0);
	/* no SECRET_KEY needed */
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.algorithm, JWT_ALGO_RS256);
	pem = unit_read_file(path, NULL);
	cr_assert_str_eq(s.jwt_public_key, pem);
	cr_assert_eq(s.jwt_public_key_len, strlen(pem));
	settings_free(&s);
	free(pem);
	free(path);
}

/*
 * A key file over 64 KiB (the key after a long comment, which PEM allows)
 * is read whole: the old reader stopped at 64 KiB and lost the key.
 */
Test(settings, rs256_key_file_over_64_kib, .timeout = 30)
{
	struct settings s;
	char err[SETTINGS_ERRLEN], *priv, *pub, *text, *path;
	size_t pad, publen;

	unit_rsa_pem(&priv, &pub);
	publen = strlen(pub);
	pad = 70 * 1024;
	cr_assert_not_null(text = malloc(pad + publen + 1));
	memset(text, 'x', pad);
	text[pad - 1] = '\n';
	memcpy(text + pad, pub, publen + 1);
	path = unit_temp_file(text);
	cr_assert_eq(setenv("ALGORITHM", "RS256", 1), 0);
	cr_assert_eq(setenv("JWT_PUBLIC_KEY_FILE", path, 1), 0);
	cr_assert_eq(load(NULL, &s, err), 0, "%s", err);
	cr_assert_eq(s.jwt_public_key_len, pad + publen);
	cr_assert_str_eq(s.jwt_public_key, text);
	settings_free(&s);
	free(path);
	free(text);
	free(priv);
	free(pub);
}

Test(settings, rs256_unreadable_or_not_a_key)
{
	char *path, *missing;

	cr_assert_eq(setenv("ALGORITHM", "RS256", 1), 0);
	missing = unit_missing_path();
	refused("JWT_PUBLIC_KEY_FILE", missing, "JWT_PUBLIC_KEY_FILE");
	free(missing);

	path = unit_temp_file("not a key\n");
	refused("JWT_PUBLIC_KEY_FILE", path, "JWT_PUBLIC_KEY_FILE");
	free(path);
}

/* "parsed once, not per request": a PEM that is not a key stops start-up. */
Test(settings, rs256_pem_that_does_not_parse)
{
	char *path;

	cr_assert_eq(setenv("ALGORITHM", "RS256", 1), 0);
	path = unit_temp_file("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n"
			      "-----END PUBLIC KEY-----\n");
	refused("JWT_PUBLIC_KEY_FILE", path, "JWT_PUBLIC_KEY_FILE");
	free(path);
}

Test(settings, patch_rate_forms)
{
	static const struct {
		const char *text;
		unsigned int count, period, amount;
		const char *unit;
	} cases[] = {
		{ "5/minute", 5, 60, 1, "minute" },
		{ "10/second", 10, 1, 1, "second" },
		{ "100 per hour", 100, 3600, 1, "hour" },
		{ "10 per 2 minutes", 10, 120, 2, "minute" },
		{ "1/day", 1, 86400, 1, "day" },
		{ "3 per minutes", 3, 60, 1, "minute" },
		{ " 7 / Minute ", 7, 60, 1, "minute" },
		{ "20/5 seconds", 20, 5, 5, "second" },
	};
	struct rate r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		cr_assert_eq(settings_parse_rate(cases[i].text, &r), 0, "%s",
		    cases[i].text);
		cr_assert_eq(r.count, cases[i].count, "%s", cases[i].text);
		cr_assert_eq(r.period, cases[i].period, "%s", cases[i].text);
		cr_assert_eq(r.amount, cases[i].amount, "%s", cases[i].text);
		cr_assert_str_eq(r.unit, cases[i].unit, "%s", cases[i].text);
	}
}

Test(settings, patch_rate_garbage)
{
	static const char *bad[] = { "", "garbage", "5", "5/", "/minute",
		"0/minute", "-5/minute", "5/fortnight", "5 minute",
		"5/minute extra", "5 per", "5.5/minute", "five/minute",
		"5/0 minutes", "5//minute", "5/minutess", NULL };
	struct rate r;
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		cr_assert_eq(settings_parse_rate(bad[i], &r), -1,
		    "accepted "
		    "\"%s\"",
		    bad[i]);
	cr_assert_eq(settings_parse_rate(NULL, &r), -1);
	refused("CUSTOMER_PATCH_RATE", "garbage", "CUSTOMER_PATCH_RATE");
}

Test(settings, url_endpoint)
{
	struct endpoint ep;

	cr_assert_eq(settings_url_endpoint("amqp://guest:guest@rabbitmq:5672/",
			 "5672", &ep),
	    0);
	cr_assert_str_eq(ep.host, "rabbitmq");
	cr_assert_str_eq(ep.port, "5672");
	cr_assert_eq(settings_url_endpoint("redis://localhost/0", "6379", &ep),
	    0);
	cr_assert_str_eq(ep.host, "localhost");
	cr_assert_str_eq(ep.port, "6379");
	cr_assert_eq(settings_url_endpoint("redis://[::1]:6380/0", "6379", &ep),
	    0);
	cr_assert_str_eq(ep.host, "::1");
	cr_assert_str_eq(ep.port, "6380");
	cr_assert_eq(settings_url_endpoint("redis://:p@ss@redis?db=1", "6379",
			 &ep),
	    0);
	cr_assert_str_eq(ep.host, "redis");
	cr_assert_str_eq(ep.port, "6379");
	cr_assert_eq(settings_url_endpoint("amqp://u:p@h:abc/", "5672", &ep),
	    -1);
	cr_assert_eq(settings_url_endpoint("amqp://h:/", "5672", &ep), -1);
	cr_assert_eq(settings_url_endpoint("no-scheme", "1", &ep), -1);
}
