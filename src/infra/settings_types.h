/*
 * The settings' types: what the service reads (struct settings) and one
 * row of the table that reads it (struct setting: settings.c holds the
 * table, settings_parse.c the parsers of its rows). Apart from settings.h
 * so that the parsers and the table need not include each other.
 */
#ifndef BEE_SETTINGS_TYPES_H
#define BEE_SETTINGS_TYPES_H

#include <stddef.h>

#include "infra/settings_rate.h"
#include "infra/settings_url.h"

#define SETTINGS_ERRLEN 256
/* RABBITMQ_URL's nodes: a cluster of three or five, with room to spare */
#define RABBITMQ_NODES_MAX 7

enum jwt_algo { JWT_ALGO_HS256, JWT_ALGO_RS256 };
enum queue_type { QUEUE_QUORUM, QUEUE_CLASSIC };

struct settings {
	char host[256];
	char port[8];
	int workers; /* 0: Kore's default */
	char *database_conninfo; /* libpq URI, owned */
	struct endpoint database;
	int db_pool_size;
	int db_statement_timeout_ms; /* each pooled connection's */
	int db_lock_timeout_ms;
	char *rabbitmq_url; /* owned: the list as given */
	char *rabbitmq_node_url[RABBITMQ_NODES_MAX]; /* owned, in order */
	struct endpoint rabbitmq[RABBITMQ_NODES_MAX]; /* the same nodes' */
	size_t rabbitmq_nodes; /* 1 or more once parsed */
	char *rabbitmq_exchange; /* owned */
	enum queue_type history_queue_type;
	int history_delivery_limit; /* quorum queues' x-delivery-limit */
	char *redis_url; /* owned; empty disables */
	struct endpoint redis;
	char *log_service_url; /* owned; NULL disables */
	int log_level;
	struct rate patch_rate;
	int require_if_match; /* writes of one customer need If-Match */
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
	int idempotency_ttl_hours; /* a stored response's life */
	int shutdown_grace_seconds; /* drain before stopping */
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

#define SETTING_EMPTY_IS_UNSET 0x01 /* NAME= means the default */
#define SETTING_AUTH 0x02 /* JWT: skipped by settings_load_noauth */
#define SETTING_ANY_CASE 0x04 /* choices: words compared in any case */

struct setting;

/*
 * Stores the value at the row's place in `s`. The value is never NULL: the
 * default stands in for an unset variable, and a row without a default is
 * left zero when unset (a required one has the default "", which its
 * parser refuses). Returns 0, or -1: "NAME: error" is reported, or the
 * parser's own line when it wrote one in err.
 */
typedef int (*setting_parser)(const struct setting *row, const char *value,
    struct settings *s, char *err, size_t errlen);

/* A word a choice setting accepts, and the int (or enum) it stores. */
struct setting_choice {
	const char *word;
	int value;
};

struct setting {
	const char *name;
	const char *alias; /* read when `name` is unset, or NULL */
	const char *fallback; /* default as text; NULL: none, unset */
	const char *shown; /* the default as the docs say it, or NULL */
	setting_parser parse;
	size_t offset; /* where it goes in struct settings ... */
	size_t size; /* ... and its size */
	long min, max; /* numbers: the accepted range */
	const struct setting_choice *choices; /* setting_choice: NULL-ended */
	const char *error; /* after "NAME: " when parse fails */
	int flags;
	const char *about; /* one line, Markdown */
};

#endif
