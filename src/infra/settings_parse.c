/*
 * The parsers of the settings table (infra/settings.c): each turns
 * one variable's text into its place in struct settings, or refuses it.
 * A parser writes its own error line only where the row's fixed one cannot
 * say enough (the key file's path, the secret's two refusals).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "infra/settings_parse.h"
#include "infra/whole_file.h"
#include "model/utf8.h"
#include "model/xalloc.h"

/* Far above any PEM public key; a bound so a wrong path cannot eat memory. */
#define KEY_FILE_MAX (1024 * 1024)

static const char *weak_secrets[] = { "supersecretkey", "secret", "change-me",
	NULL };

static void *at(const struct setting *, struct settings *);
static int in_range(const struct setting *, const char *, long *);
static char *read_file(const char *, size_t *);
static int pem_is_rsa_public_key(const char *, size_t);

/* A fixed buffer of struct settings (HOST); longer text is cut. */
int
setting_chars(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	(void)snprintf(at(row, s), row->size, "%s", v);
	return (0);
}

/* An owned copy. */
int
setting_text(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	char *copy;

	/* it reaches JSON (logs, `/`, the OpenAPI title), which needs UTF-8 */
	if (!utf8_valid((const unsigned char *)v, strlen(v))) {
		(void)snprintf(err, errlen, "%s: not valid UTF-8", row->name);
		return (-1);
	}
	copy = xstrdup(v);
	(void)memcpy(at(row, s), &copy, sizeof(copy));
	return (0);
}

/*
 * A decimal in [min, max] into an int, or a long-sized field (long, or a
 * size_t whose range starts at 0 and so has the same representation).
 */
int
setting_number(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	long n;
	int i;

	(void)err;
	(void)errlen;
	if (!in_range(row, v, &n))
		return (-1);
	if (row->size == sizeof(int)) {
		i = (int)n;
		(void)memcpy(at(row, s), &i, sizeof(i));
	} else
		(void)memcpy(at(row, s), &n, sizeof(n));
	return (0);
}

/* A port number, kept as the text getaddrinfo wants. */
int
setting_port(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	long n;

	(void)err;
	(void)errlen;
	if (!in_range(row, v, &n))
		return (-1);
	(void)snprintf(at(row, s), row->size, "%ld", n);
	return (0);
}

/* The libpq URI, and the endpoint the dependency probe dials. */
int
setting_database_url(const struct setting *row, const char *v,
    struct settings *s, char *err, size_t errlen)
{
	(void)row;
	(void)err;
	(void)errlen;
	if ((s->database_conninfo = settings_pg_conninfo(v)) == NULL ||
	    settings_url_endpoint(s->database_conninfo, "5432", &s->database) ==
		-1)
		return (-1);
	return (0);
}

/*
 * One node's URL, or several separated by commas (a cluster's nodes, tried
 * in that order): each an amqp:// URL of its own, none empty.
 */
int
setting_rabbitmq_url(const struct setting *row, const char *v,
    struct settings *s, char *err, size_t errlen)
{
	const char *p;
	size_t len;
	char *node;

	(void)row;
	(void)err;
	(void)errlen;
	s->rabbitmq_url = xstrdup(v);
	for (p = v;; p += len + 1) {
		len = strcspn(p, ",");
		if (s->rabbitmq_nodes == RABBITMQ_NODES_MAX)
			return (-1);
		node = xstrndup(p, len);
		s->rabbitmq_node_url[s->rabbitmq_nodes] = node;
		if (strncmp(node, "amqp://", 7) != 0 ||
		    settings_url_endpoint(node, "5672",
			&s->rabbitmq[s->rabbitmq_nodes]) == -1)
			return (-1);
		s->rabbitmq_nodes++;
		if (p[len] == '\0')
			return (0);
	}
}

/* Empty is accepted: Redis is optional. */
int
setting_redis_url(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	(void)row;
	(void)err;
	(void)errlen;
	s->redis_url = xstrdup(v);
	if (*v != '\0' &&
	    (strncmp(v, "redis://", 8) != 0 ||
		settings_url_endpoint(v, "6379", &s->redis) == -1))
		return (-1);
	return (0);
}

int
setting_http_url(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return (-1);
	return (setting_text(row, v, s, err, errlen));
}

int
setting_rate(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	(void)row;
	(void)err;
	(void)errlen;
	return (settings_parse_rate(v, &s->patch_rate));
}

/* One of the row's words, stored as its int (enums are ints here). */
int
setting_choice(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	const struct setting_choice *c;
	int same;

	(void)err;
	(void)errlen;
	for (c = row->choices; c->word != NULL; c++) {
		same = row->flags & SETTING_ANY_CASE ? !strcasecmp(v, c->word) :
						       !strcmp(v, c->word);
		if (same && row->size == sizeof(c->value)) {
			(void)memcpy(at(row, s), &c->value, sizeof(c->value));
			return (0);
		}
	}
	return (-1);
}

/* RS256 only; checked once at start-up, so a bad key stops the service. */
int
setting_public_key_file(const struct setting *row, const char *v,
    struct settings *s, char *err, size_t errlen)
{
	if (s->algorithm != JWT_ALGO_RS256)
		return (0);
	if (*v == '\0') {
		(void)snprintf(err, errlen, "%s: required for RS256",
		    row->name);
		return (-1);
	}
	s->jwt_public_key = read_file(v, &s->jwt_public_key_len);
	if (s->jwt_public_key == NULL ||
	    !pem_is_rsa_public_key(s->jwt_public_key, s->jwt_public_key_len)) {
		(void)snprintf(err, errlen,
		    "%s: cannot read an RSA public key (PEM) from %s",
		    row->name, v);
		return (-1);
	}
	return (0);
}

/* HS256 only; the secret itself never goes into the error line. */
int
setting_secret_key(const struct setting *row, const char *v, struct settings *s,
    char *err, size_t errlen)
{
	const char **w;

	if (s->algorithm != JWT_ALGO_HS256)
		return (0);
	if (*v == '\0') {
		(void)snprintf(err, errlen,
		    "%s: required for HS256 (the auth service's signing secret)",
		    row->name);
		return (-1);
	}
	for (w = weak_secrets; *w != NULL; w++) {
		if (!strcmp(v, *w)) {
			(void)snprintf(err, errlen,
			    "%s: a well-known default; set the auth service's "
			    "real secret",
			    row->name);
			return (-1);
		}
	}
	s->secret_key = xstrdup(v);
	s->secret_key_len = strlen(v);
	s->weak_secret = s->secret_key_len < 32;
	return (0);
}

static void *
at(const struct setting *row, struct settings *s)
{
	return ((char *)s + row->offset);
}

static int
in_range(const struct setting *row, const char *v, long *out)
{
	char *end;
	long n;

	if (*v == '\0')
		return (0);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < row->min || n > row->max)
		return (0);
	*out = n;
	return (1);
}

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
