/*
 * Settings from the environment, then `.env`: parsed and checked once, so
 * that a typo stops start-up with one line instead of failing a request.
 * Pure C (no Kore) so that tests/unit can exercise every rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "infra/settings.h"
#include "infra/dotenv.h"
#include "infra/whole_file.h"

/* Far above any PEM public key; a bound so a wrong path cannot eat memory. */
#define KEY_FILE_MAX (1024 * 1024)

struct settings settings;

static const char *weak_secrets[] = { "supersecretkey", "secret", "change-me",
	NULL };

static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static char *dupe(const char *);
static int parse_long(const char *, long, long, long *);
static int load_secret(struct settings *, struct dotenv *, char *, size_t);
static char *read_file(const char *, size_t *);
static int pem_is_rsa_public_key(const char *, size_t);
static int load(struct settings *, const char *, int, char *, size_t);

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

static int
load(struct settings *s, const char *dotenv_path, int auth, char *err,
    size_t errlen)
{
	struct dotenv env;
	const char *v;
	long n;

	memset(s, 0, sizeof(*s));
	if (dotenv_read(&env, dotenv_path ? dotenv_path : ".env") == -1)
		return (fail(err, errlen, ".env: %s", env.error));

	v = dotenv_get(&env, "HOST");
	(void)snprintf(s->host, sizeof(s->host), "%s", v ? v : "0.0.0.0");
	v = dotenv_get(&env, "PORT");
	if (v == NULL)
		v = "8007";
	if (!parse_long(v, 1, 65535, &n)) {
		dotenv_free(&env);
		return (fail(err, errlen, "PORT: not a port number"));
	}
	(void)snprintf(s->port, sizeof(s->port), "%ld", n);

	s->workers = 0;
	if ((v = dotenv_get(&env, "WORKERS")) != NULL && *v != '\0') {
		if (!parse_long(v, 1, 64, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen, "WORKERS: 1 to 64"));
		}
		s->workers = (int)n;
	}

	v = dotenv_get(&env, "DATABASE_URL");
	if (v == NULL)
		v = "postgresql://postgres:postgres@localhost:5432/"
		    "bee_customers";
	if ((s->database_conninfo = settings_pg_conninfo(v)) == NULL ||
	    settings_url_endpoint(s->database_conninfo, "5432", &s->database) ==
		-1) {
		dotenv_free(&env);
		return (fail(err, errlen,
		    "DATABASE_URL: not a postgresql:// "
		    "URL"));
	}

	s->db_pool_size = 8;
	if ((v = dotenv_get(&env, "DB_POOL_SIZE")) != NULL) {
		if (!parse_long(v, 1, 1000, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen, "DB_POOL_SIZE: 1 to 1000"));
		}
		s->db_pool_size = (int)n;
	}
	/* 0 (PostgreSQL's "none") is refused: no request may wait forever */
	s->db_statement_timeout_ms = 5000;
	if ((v = dotenv_get(&env, "DB_STATEMENT_TIMEOUT_MS")) != NULL) {
		if (!parse_long(v, 1, 3600000, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "DB_STATEMENT_TIMEOUT_MS: 1 to 3600000 (ms)"));
		}
		s->db_statement_timeout_ms = (int)n;
	}
	s->db_lock_timeout_ms = 2000;
	if ((v = dotenv_get(&env, "DB_LOCK_TIMEOUT_MS")) != NULL) {
		if (!parse_long(v, 1, 3600000, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "DB_LOCK_TIMEOUT_MS: 1 to 3600000 (ms)"));
		}
		s->db_lock_timeout_ms = (int)n;
	}

	v = dotenv_get(&env, "RABBITMQ_URL");
	s->rabbitmq_url = dupe(v ? v : "amqp://guest:guest@localhost:5672/");
	if (strncmp(s->rabbitmq_url, "amqp://", 7) != 0 ||
	    settings_url_endpoint(s->rabbitmq_url, "5672", &s->rabbitmq) ==
		-1) {
		dotenv_free(&env);
		return (fail(err, errlen, "RABBITMQ_URL: not an amqp:// URL"));
	}
	v = dotenv_get(&env, "RABBITMQ_EXCHANGE");
	s->rabbitmq_exchange = dupe(v && *v ? v : "bee.customers.events");

	v = dotenv_get(&env, "REDIS_URL");
	s->redis_url = dupe(v ? v : "redis://localhost:6379/0");
	if (*s->redis_url != '\0' &&
	    (strncmp(s->redis_url, "redis://", 8) != 0 ||
		settings_url_endpoint(s->redis_url, "6379", &s->redis) == -1)) {
		dotenv_free(&env);
		return (fail(err, errlen, "REDIS_URL: not a redis:// URL"));
	}

	if ((v = dotenv_get(&env, "LOG_SERVICE_URL")) != NULL && *v != '\0') {
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0) {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "LOG_SERVICE_URL: not an http(s):// URL"));
		}
		s->log_service_url = dupe(v);
	}

	s->log_level = LOG_LEVEL_INFO;
	if ((v = dotenv_get(&env, "LOG_LEVEL")) != NULL) {
		if (!strcasecmp(v, "debug"))
			s->log_level = LOG_LEVEL_DEBUG;
		else if (!strcasecmp(v, "info"))
			s->log_level = LOG_LEVEL_INFO;
		else if (!strcasecmp(v, "warning") || !strcasecmp(v, "warn"))
			s->log_level = LOG_LEVEL_WARNING;
		else if (!strcasecmp(v, "error"))
			s->log_level = LOG_LEVEL_ERROR;
		else {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "LOG_LEVEL: debug, info, "
			    "warning or error"));
		}
	}

	v = dotenv_get(&env, "CUSTOMER_PATCH_RATE");
	if (settings_parse_rate(v ? v : "5/minute", &s->patch_rate) == -1) {
		dotenv_free(&env);
		return (fail(err, errlen,
		    "CUSTOMER_PATCH_RATE: expected "
		    "N/second, N/minute, N per hour, ..."));
	}

	v = dotenv_get(&env, "CORS_ORIGINS");
	s->cors_origins = dupe(v ? v : "*");

	if (auth && load_secret(s, &env, err, errlen) == -1) {
		dotenv_free(&env);
		return (-1);
	}

	v = dotenv_get(&env, "UPLOAD_DIR");
	s->upload_dir = dupe(v && *v ? v : "uploads");
	v = dotenv_get(&env, "DOCS_ASSETS_DIR");
	s->docs_assets_dir = dupe(v && *v ? v : "docs-assets");
	s->avatar_max_bytes = 1048576;
	if ((v = dotenv_get(&env, "AVATAR_MAX_BYTES")) != NULL) {
		if (!parse_long(v, 1, 1048576, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "AVATAR_MAX_BYTES: 1 to "
			    "1048576 (http_body_max bounds uploads)"));
		}
		s->avatar_max_bytes = (size_t)n;
	}

	s->outbox_retention_days = 7;
	if ((v = dotenv_get(&env, "OUTBOX_RETENTION_DAYS")) != NULL) {
		if (!parse_long(v, 0, 3650, &n)) {
			dotenv_free(&env);
			return (fail(err, errlen,
			    "OUTBOX_RETENTION_DAYS: 0 to 3650"));
		}
		s->outbox_retention_days = (int)n;
	}

	if ((v = dotenv_get(&env, "SERVICE_NAME")) == NULL)
		v = dotenv_get(&env, "PROJECT_NAME");
	s->service_name = dupe(v && *v ? v : "BeeConect Customer Service");
	v = dotenv_get(&env, "PROJECT_VERSION");
	s->version = dupe(v && *v ? v : "0.1.0");

	dotenv_free(&env);
	return (0);
}

static int
load_secret(struct settings *s, struct dotenv *env, char *err, size_t errlen)
{
	const char *v, **w;
	long n;

	v = dotenv_get(env, "ALGORITHM");
	if (v == NULL || !strcmp(v, "HS256"))
		s->algorithm = JWT_ALGO_HS256;
	else if (!strcmp(v, "RS256"))
		s->algorithm = JWT_ALGO_RS256;
	else
		return (fail(err, errlen, "ALGORITHM: HS256 or RS256"));

	if ((v = dotenv_get(env, "JWT_AUDIENCE")) != NULL && *v != '\0')
		s->jwt_audience = dupe(v);
	if ((v = dotenv_get(env, "JWT_ISSUER")) != NULL && *v != '\0')
		s->jwt_issuer = dupe(v);
	if ((v = dotenv_get(env, "JWT_ACCESS_TYPE")) != NULL && *v != '\0')
		s->jwt_access_type = dupe(v);
	if ((v = dotenv_get(env, "JWT_LEEWAY_SECONDS")) != NULL) {
		if (!parse_long(v, 0, 3600, &n))
			return (
			    fail(err, errlen, "JWT_LEEWAY_SECONDS: 0 to 3600"));
		s->jwt_leeway = n;
	}

	if (s->algorithm == JWT_ALGO_RS256) {
		v = dotenv_get(env, "JWT_PUBLIC_KEY_FILE");
		if (v == NULL || *v == '\0')
			return (fail(err, errlen,
			    "JWT_PUBLIC_KEY_FILE: "
			    "required for RS256"));
		s->jwt_public_key = read_file(v, &s->jwt_public_key_len);
		if (s->jwt_public_key == NULL ||
		    !pem_is_rsa_public_key(s->jwt_public_key,
			s->jwt_public_key_len))
			return (fail(err, errlen,
			    "JWT_PUBLIC_KEY_FILE: "
			    "cannot read an RSA public key (PEM) from %s",
			    v));
		return (0);
	}

	v = dotenv_get(env, "SECRET_KEY");
	if (v == NULL || *v == '\0')
		return (fail(err, errlen,
		    "SECRET_KEY: required for HS256 "
		    "(the auth service's signing secret)"));
	for (w = weak_secrets; *w != NULL; w++) {
		if (!strcmp(v, *w))
			return (fail(err, errlen,
			    "SECRET_KEY: a well-known "
			    "default; set the auth service's real secret"));
	}
	s->secret_key = dupe(v);
	s->secret_key_len = strlen(v);
	s->weak_secret = s->secret_key_len < 32;
	return (0);
}

void
settings_free(struct settings *s)
{
	free(s->database_conninfo);
	free(s->rabbitmq_url);
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

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return (0);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (0);
	*out = v;
	return (1);
}

/* Checked once at start-up, so a bad key stops the service, not requests. */
static int
pem_is_rsa_public_key(const char *pem, size_t len)
{
	BIO *bio;
	EVP_PKEY *key;
	int ok;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return (0);
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ok = key != NULL && EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
	EVP_PKEY_free(key);
	return (ok);
}

/* A key file of any size up to KEY_FILE_MAX is read whole, never cut. */
static char *
read_file(const char *path, size_t *lenp)
{
	unsigned char *data;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	if (whole_file_read(fd, KEY_FILE_MAX, &data, lenp) == -1)
		return (NULL);
	return ((char *)data);
}

static char *
dupe(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL) {
		(void)fprintf(stderr, "settings: out of memory\n");
		exit(1);
	}
	return (p);
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}
