/*
 * Settings from the environment, then `.env`: parsed and checked once, so
 * that a typo stops start-up with one line instead of failing a request.
 * The settings are a table (settings_table[], types in infra/settings_types.h): one row per variable
 * with its default, parser, place and meaning, read by one loop; the same
 * rows print .env.example and the documentation (tools/settings_docs.c).
 * Pure C (no Kore) so that tests/unit can exercise every rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/settings.h"
#include "infra/settings_parse.h"
#include "infra/dotenv.h"

struct settings settings;

#define AT(field) \
	.offset = offsetof(struct settings, field), \
	.size = sizeof(((struct settings *)0)->field)

/* The words of the choice settings (setting_choice). */
static const struct setting_choice queue_types[] = { { "quorum", QUEUE_QUORUM },
	{ "classic", QUEUE_CLASSIC }, { NULL, 0 } };
static const struct setting_choice log_levels[] = {
	{ "debug", LOG_LEVEL_DEBUG }, { "info", LOG_LEVEL_INFO },
	{ "warning", LOG_LEVEL_WARNING }, { "warn", LOG_LEVEL_WARNING },
	{ "error", LOG_LEVEL_ERROR }, { NULL, 0 }
};
static const struct setting_choice booleans[] = { { "true", 1 }, { "false", 0 },
	{ "1", 1 }, { "0", 0 }, { "yes", 1 }, { "no", 0 }, { "on", 1 },
	{ "off", 0 }, { NULL, 0 } };
static const struct setting_choice algorithms[] = { { "HS256", JWT_ALGO_HS256 },
	{ "RS256", JWT_ALGO_RS256 }, { NULL, 0 } };

/* In the order they are checked: the first bad one is reported. */
const struct setting settings_table[] = {
	{ .name = "HOST",
	    .fallback = "0.0.0.0",
	    .parse = setting_chars,
	    AT(host),
	    .about = "listening address (the module binds it; the config has "
		     "no `bind` line)" },
	{ .name = "PORT",
	    .fallback = "8007",
	    .parse = setting_port,
	    AT(port),
	    .min = 1,
	    .max = 65535,
	    .error = "not a port number",
	    .about = "listening port" },
	{ .name = "WORKERS",
	    .shown = "the config's `workers`",
	    .parse = setting_number,
	    AT(workers),
	    .min = 1,
	    .max = 64,
	    .error = "1 to 64",
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "Kore worker processes, 1 to 64" },
	{ .name = "DATABASE_URL",
	    .fallback = "postgresql://postgres:postgres@localhost:5432/"
			"bee_customers",
	    .parse = setting_database_url,
	    AT(database_conninfo),
	    .error = "not a postgresql:// URL",
	    .about =
		"PostgreSQL; `postgresql+asyncpg://` accepted; `sslmode` "
		"honoured; unless the URL sets them, `connect_timeout=2`, "
		"TCP keepalives (30 s idle, 3 probes 10 s apart) and "
		"`tcp_user_timeout=60000` are added, so a connection whose "
		"server vanished ends within about a minute; workers "
		"connect without blocking, so a server that never answers "
		"delays only the requests waiting for that connection, for "
		"`connect_timeout` at most" },
	{ .name = "DB_POOL_SIZE",
	    .fallback = "8",
	    .parse = setting_number,
	    AT(db_pool_size),
	    .min = 1,
	    .max = 1000,
	    .error = "1 to 1000",
	    .about = "PostgreSQL connections per worker at most (1 to 1000), "
		     "opened as concurrency needs them; the quick reads of one "
		     "loop turn go back to back on one connection (libpq "
		     "pipeline mode); writes and long reads go alone to the "
		     "least loaded connection" },
	/* 0 (PostgreSQL's "none") is refused: no request may wait forever */
	{ .name = "DB_STATEMENT_TIMEOUT_MS",
	    .fallback = "5000",
	    .parse = setting_number,
	    AT(db_statement_timeout_ms),
	    .min = 1,
	    .max = 3600000,
	    .error = "1 to 3600000 (ms)",
	    .about = "`statement_timeout` of every pooled connection, 1 to "
		     "3600000 ms; a request whose statement runs longer gets "
		     "503 \"database unavailable\"" },
	{ .name = "DB_LOCK_TIMEOUT_MS",
	    .fallback = "2000",
	    .parse = setting_number,
	    AT(db_lock_timeout_ms),
	    .min = 1,
	    .max = 3600000,
	    .error = "1 to 3600000 (ms)",
	    .about = "`lock_timeout` of every pooled connection, 1 to 3600000 "
		     "ms; a statement that waits longer for a lock (a row "
		     "another transaction holds) gets 503; above "
		     "`DB_STATEMENT_TIMEOUT_MS` it never fires" },
	{ .name = "RABBITMQ_URL",
	    .fallback = "amqp://guest:guest@localhost:5672/",
	    .parse = setting_rabbitmq_url,
	    AT(rabbitmq_url),
	    .error = "not an amqp:// URL, or a list of up to 7 of them "
		     "separated by commas",
	    .about = "RabbitMQ broker: one node's URL, or a cluster's nodes "
		     "separated by commas (up to 7), tried in that order; the "
		     "publisher and the history consumer connect to the first "
		     "that answers and go on to the next when theirs fails" },
	{ .name = "RABBITMQ_EXCHANGE",
	    .fallback = "bee.customers.events",
	    .parse = setting_text,
	    AT(rabbitmq_exchange),
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "the durable topic exchange events go to" },
	{ .name = "HISTORY_QUEUE_TYPE",
	    .fallback = "quorum",
	    .parse = setting_choice,
	    AT(history_queue_type),
	    .choices = queue_types,
	    .error = "quorum or classic",
	    .about = "the history consumer's queues: `quorum` (replicated "
		     "over a cluster's nodes, RabbitMQ 3.8 and later) or "
		     "`classic` (brokers before 3.8, or queues declared "
		     "classic before: see \"A RabbitMQ cluster\")" },
	{ .name = "HISTORY_DELIVERY_LIMIT",
	    .fallback = "50",
	    .parse = setting_number,
	    AT(history_delivery_limit),
	    .min = 1,
	    .max = 1000,
	    .error = "1 to 1000",
	    .about = "deliveries of one history message before its quorum "
		     "queue dead-letters it, 1 to 1000: a message that kills "
		     "its consumer each time stops there; classic queues "
		     "have no limit" },
	{ .name = "REDIS_URL",
	    .fallback = "redis://localhost:6379/0",
	    .parse = setting_redis_url,
	    AT(redis_url),
	    .error = "not a redis:// URL",
	    .about = "Redis: failed-events mirror and rate-limit counters; "
		     "empty disables both" },
	{ .name = "LOG_SERVICE_URL",
	    .parse = setting_http_url,
	    AT(log_service_url),
	    .error = "not an http(s):// URL",
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "POST the JSON log lines there in batches; unset "
		     "disables" },
	{ .name = "LOG_LEVEL",
	    .fallback = "info",
	    .parse = setting_choice,
	    AT(log_level),
	    .choices = log_levels,
	    .flags = SETTING_ANY_CASE,
	    .error = "debug, info, warning or error",
	    .about = "`debug`, `info`, `warning` (or `warn`) or `error`, any "
		     "case" },
	{ .name = "CUSTOMER_PATCH_RATE",
	    .fallback = "5/minute",
	    .parse = setting_rate,
	    AT(patch_rate),
	    .error = "expected N/second, N/minute, N per hour, ...",
	    .about = "rate limit of `PATCH /customers/{id}`: `N/second`, "
		     "`N/minute`, `N per hour`, `N per 2 minutes`" },
	{ .name = "REQUIRE_IF_MATCH",
	    .fallback = "false",
	    .parse = setting_choice,
	    AT(require_if_match),
	    .choices = booleans,
	    .flags = SETTING_ANY_CASE,
	    .error = "true or false",
	    .about = "`true`: `PATCH` and `DELETE /customers/{id}` and the "
		     "avatar upload without `If-Match` answer 428 "
		     "(docs/api.md, \"Conditional requests\"); `true`, "
		     "`false`, `1`, `0`, `yes`, `no`, `on`, `off`, any case" },
	{ .name = "CORS_ORIGINS",
	    .fallback = "*",
	    .parse = setting_text,
	    AT(cors_origins),
	    .about = "comma-separated allowed CORS origins" },
	{ .name = "ALGORITHM",
	    .fallback = "HS256",
	    .parse = setting_choice,
	    AT(algorithm),
	    .choices = algorithms,
	    .error = "HS256 or RS256",
	    .flags = SETTING_AUTH,
	    .about = "JWT signature: `HS256` with `SECRET_KEY` or `RS256` with "
		     "`JWT_PUBLIC_KEY_FILE`" },
	{ .name = "JWT_AUDIENCE",
	    .parse = setting_text,
	    AT(jwt_audience),
	    .flags = SETTING_EMPTY_IS_UNSET | SETTING_AUTH,
	    .about = "`aud` must contain this when set; unset: unchecked" },
	{ .name = "JWT_ISSUER",
	    .parse = setting_text,
	    AT(jwt_issuer),
	    .flags = SETTING_EMPTY_IS_UNSET | SETTING_AUTH,
	    .about = "`iss` must be exactly this when set (else 401); unset: "
		     "unchecked (the auth service sends no `iss` today)" },
	{ .name = "JWT_ACCESS_TYPE",
	    .parse = setting_text,
	    AT(jwt_access_type),
	    .flags = SETTING_EMPTY_IS_UNSET | SETTING_AUTH,
	    .about =
		"when set (e.g. `access`), a token that states another "
		"kind is refused with 401: a `type` or `token_type` claim "
		"present (`null` included) and not exactly this string, "
		"or a header `typ` other than `JWT` and this (any case); a "
		"token that states no kind is accepted; unset: unchecked" },
	{ .name = "JWT_LEEWAY_SECONDS",
	    .fallback = "0",
	    .parse = setting_number,
	    AT(jwt_leeway),
	    .min = 0,
	    .max = 3600,
	    .error = "0 to 3600",
	    .flags = SETTING_AUTH,
	    .about = "clock skew tolerated on `exp`, `nbf` and `iat`, 0 to "
		     "3600 s" },
	/* after ALGORITHM: only the chosen algorithm's key is required */
	{ .name = "JWT_PUBLIC_KEY_FILE",
	    .fallback = "",
	    .shown = "none: required for RS256",
	    .parse = setting_public_key_file,
	    AT(jwt_public_key),
	    .flags = SETTING_AUTH,
	    .about = "PEM RSA public key of RS256, read and checked once at "
		     "start-up" },
	{ .name = "SECRET_KEY",
	    .fallback = "",
	    .shown = "none: required for HS256",
	    .parse = setting_secret_key,
	    AT(secret_key),
	    .flags = SETTING_AUTH,
	    .about =
		"the auth service's HS256 signing secret; `supersecretkey`, "
		"`secret`, `change-me` refused; under 32 bytes warned" },
	{ .name = "UPLOAD_DIR",
	    .fallback = "uploads",
	    .parse = setting_text,
	    AT(upload_dir),
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "avatar files; a shared volume when several instances "
		     "run" },
	{ .name = "DOCS_ASSETS_DIR",
	    .fallback = "docs-assets",
	    .parse = setting_text,
	    AT(docs_assets_dir),
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "the Swagger UI and ReDoc files of `/docs` and `/redoc` "
		     "(`scripts/dev docs` fills it; a container points it at "
		     "the folder it ships)" },
	{ .name = "AVATAR_MAX_BYTES",
	    .fallback = "1048576",
	    .parse = setting_number,
	    AT(avatar_max_bytes),
	    .min = 1,
	    .max = 1048576,
	    .error = "1 to 1048576 (http_body_max bounds uploads)",
	    .about = "largest avatar upload, 1 to 1048576 bytes" },
	{ .name = "OUTBOX_RETENTION_DAYS",
	    .fallback = "7",
	    .parse = setting_number,
	    AT(outbox_retention_days),
	    .min = 0,
	    .max = 3650,
	    .error = "0 to 3650",
	    .about =
		"sent events are deleted after this many days, 0 to 3650" },
	{ .name = "IDEMPOTENCY_TTL_HOURS",
	    .fallback = "24",
	    .parse = setting_number,
	    AT(idempotency_ttl_hours),
	    .min = 1,
	    .max = 8760,
	    .error = "1 to 8760 (hours)",
	    .about = "how long the response of a write sent with an "
		     "`Idempotency-Key` is kept for its retries, 1 to 8760 "
		     "hours; an older key counts as new, and the key pruner "
		     "thread deletes it within about a second" },
	{ .name = "SHUTDOWN_GRACE_SECONDS",
	    .fallback = "20",
	    .parse = setting_number,
	    AT(shutdown_grace_seconds),
	    .min = 1,
	    .max = 3600,
	    .error = "1 to 3600",
	    .about = "on SIGTERM or SIGINT, how long the service drains "
		     "(finishes the requests it received) before it stops, "
		     "1 to 3600 s" },
	{ .name = "SERVICE_NAME",
	    .alias = "PROJECT_NAME",
	    .fallback = "BeeConect Customer Service",
	    .parse = setting_text,
	    AT(service_name),
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "the name in logs, `/` and the OpenAPI document's title" },
	{ .name = "PROJECT_VERSION",
	    .fallback = "0.1.0",
	    .parse = setting_text,
	    AT(version),
	    .flags = SETTING_EMPTY_IS_UNSET,
	    .about = "the version `/` and the OpenAPI document report" },
};

const size_t settings_table_len =
    sizeof(settings_table) / sizeof(settings_table[0]);

static int load(struct settings *, const char *, int, char *, size_t);
static const char *value_of(const struct setting *, const struct dotenv *);

int
settings_load(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen)
{
	return (load(s, dotenv_path, 1, err, errlen));
}

/* For tools that verify no token (scripts/resend-failed-events). */
int
settings_load_noauth(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen)
{
	return (load(s, dotenv_path, 0, err, errlen));
}

/* On failure `s` keeps what was parsed: settings_free releases it. */
static int
load(struct settings *s, const char *dotenv_path, int auth, char *err,
    size_t errlen)
{
	const struct setting *row;
	struct dotenv env;
	const char *v;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	if (dotenv_read(&env, dotenv_path ? dotenv_path : ".env") == -1) {
		(void)snprintf(err, errlen, ".env: %s", env.error);
		return (-1);
	}
	rc = 0;
	for (i = 0; i < settings_table_len && rc == 0; i++) {
		row = &settings_table[i];
		if ((row->flags & SETTING_AUTH) && !auth)
			continue;
		if ((v = value_of(row, &env)) == NULL)
			continue;
		if (errlen > 0)
			err[0] = '\0';
		if ((rc = row->parse(row, v, s, err, errlen)) == -1 &&
		    (errlen == 0 || err[0] == '\0'))
			(void)snprintf(err, errlen, "%s: %s", row->name,
			    row->error);
	}
	dotenv_free(&env);
	return (rc);
}

/* The variable, its alias, or the default; NULL: unset, no default. */
static const char *
value_of(const struct setting *row, const struct dotenv *env)
{
	const char *v;

	v = dotenv_get(env, row->name);
	if (v == NULL && row->alias != NULL)
		v = dotenv_get(env, row->alias);
	if (v != NULL && *v == '\0' && (row->flags & SETTING_EMPTY_IS_UNSET))
		v = NULL;
	return (v != NULL ? v : row->fallback);
}

void
settings_free(struct settings *s)
{
	size_t i;

	free(s->database_conninfo);
	free(s->rabbitmq_url);
	for (i = 0; i < RABBITMQ_NODES_MAX; i++)
		free(s->rabbitmq_node_url[i]);
	free(s->rabbitmq_exchange);
	free(s->redis_url);
	free(s->log_service_url);
	free(s->cors_origins);
	if (s->secret_key != NULL) {
		explicit_bzero(s->secret_key, s->secret_key_len);
		free(s->secret_key);
	}
	free(s->jwt_public_key);
	free(s->jwt_audience);
	free(s->jwt_issuer);
	free(s->jwt_access_type);
	free(s->upload_dir);
	free(s->docs_assets_dir);
	free(s->service_name);
	free(s->version);
	memset(s, 0, sizeof(*s));
}
