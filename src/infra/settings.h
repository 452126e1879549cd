/*
 * Service settings: the environment first, then `.env` in the working
 * directory (design.md section 2). Parsed once in the parent before the
 * workers fork; the workers inherit the result.
 */
#ifndef BEE_SETTINGS_H
#define BEE_SETTINGS_H

#include <stddef.h>

#define SETTINGS_ERRLEN 256

enum jwt_algo { JWT_ALGO_HS256, JWT_ALGO_RS256 };

struct endpoint {
	char host[256];
	char port[8];
};

struct rate {
	unsigned int count; /* requests allowed ... */
	unsigned int period; /* ... per this many seconds */
	unsigned int amount; /* as written: "5 per 1 minute" */
	char unit[8]; /* second, minute, hour, day */
};

struct settings {
	char host[256];
	char port[8];
	int workers; /* 0: Kore's default */
	char *database_conninfo; /* libpq URI, owned */
	struct endpoint database;
	int db_pool_size;
	int db_statement_timeout_ms; /* each pooled connection's */
	int db_lock_timeout_ms;
	char *rabbitmq_url; /* owned */
	struct endpoint rabbitmq;
	char *rabbitmq_exchange; /* owned */
	char *redis_url; /* owned; empty disables */
	struct endpoint redis;
	char *log_service_url; /* owned; NULL disables */
	int log_level;
	struct rate patch_rate;
	char *cors_origins; /* owned, comma-separated */
	char *secret_key; /* owned */
	size_t secret_key_len;
	enum jwt_algo algorithm;
	char *jwt_public_key; /* owned PEM text, RS256 */
	size_t jwt_public_key_len;
	char *jwt_audience; /* owned; NULL: unchecked */
	long jwt_leeway;
	char *jwt_issuer; /* owned; NULL: iss unchecked */
	char *jwt_access_type; /* owned; NULL: token kind unchecked */
	char *upload_dir; /* owned */
	char *docs_assets_dir; /* owned: Swagger UI and ReDoc files */
	size_t avatar_max_bytes;
	int outbox_retention_days;
	char *service_name; /* owned */
	char *version; /* owned */
	int weak_secret; /* under 32 bytes: warned */
};

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR
};

/*
 * Fills `s` from the environment and the .env file at `dotenv_path`
 * (NULL: ".env"). Returns 0, or -1 with one line naming the setting in err.
 */
int settings_load(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen);
/* The same without the JWT settings (SECRET_KEY, ...): for tools. */
int settings_load_noauth(struct settings *s, const char *dotenv_path, char *err,
    size_t errlen);
void settings_free(struct settings *s);

/* Parses "5/minute", "10 per second", "100/hour"; 0 or -1. */
int settings_parse_rate(const char *text, struct rate *r);

/* Extracts host and port from a URL ("scheme://user:pw@host:port/..."). */
int settings_url_endpoint(const char *url, const char *default_port,
    struct endpoint *ep);

/* postgresql[+asyncpg]:// URL to a libpq URI with our connect options. */
char *settings_pg_conninfo(const char *url);

extern struct settings settings;

#endif
