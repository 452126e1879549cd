/* Helpers shared by the unit tests (see unit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "infra/settings.h"
#include "model/problems.h"
#include "unit.h"

/* Every name the service reads, aliases after their setting. */
static char *env_saved[64][2];
static char *temp_paths[64];
static size_t ntemp_paths;

static char *bio_text(BIO *);
static const char *env_name(size_t, size_t);

char *
unit_json_text(const json_t *v)
{
	return (json_dumps(v,
	    JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY));
}

void
unit_assert_json(const json_t *v, const char *expected)
{
	char *text;

	cr_assert_not_null(v, "no JSON value where %s was expected", expected);
	text = unit_json_text(v);
	cr_assert_not_null(text);
	if (strcmp(text, expected) != 0) {
		cr_log_error("expected %s", expected);
		cr_log_error("actual   %s", text);
		free(text);
		cr_assert_fail("JSON differs");
	}
	free(text);
}

json_t *
unit_json(const char *text)
{
	json_error_t err;
	json_t *v;

	v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	cr_assert_not_null(v, "not JSON (%s): %s", err.text, text);
	return (v);
}

char *
unit_temp_file(const char *text)
{
	char *path;
	int fd;
	size_t len, off;
	ssize_t n;

	path = strdup("/tmp/bee-unit-XXXXXX");
	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert(fd != -1, "mkstemp: %s", strerror(errno));
	len = strlen(text);
	for (off = 0; off < len; off += (size_t)n) {
		n = write(fd, text + off, len - off);
		cr_assert(n > 0, "write: %s", strerror(errno));
	}
	(void)close(fd);
	if (ntemp_paths < sizeof(temp_paths) / sizeof(temp_paths[0]))
		temp_paths[ntemp_paths++] = strdup(path);
	return (path);
}

void
unit_temp_cleanup(void)
{
	size_t i;

	for (i = 0; i < ntemp_paths; i++) {
		if (temp_paths[i] != NULL)
			(void)unlink(temp_paths[i]);
		free(temp_paths[i]);
		temp_paths[i] = NULL;
	}
	ntemp_paths = 0;
}

char *
unit_missing_path(void)
{
	char *dir, *path;

	dir = strdup("/tmp/bee-unit-XXXXXX");
	cr_assert_not_null(dir);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert(asprintf(&path, "%s/none/.env", dir) != -1);
	(void)rmdir(dir);
	free(dir);
	return (path);
}

char *
unit_read_file(const char *path, size_t *lenp)
{
	FILE *fp;
	char *buf, *more;
	size_t len, cap, n;

	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	cap = 4096;
	len = 0;
	buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			more = realloc(buf, cap + 1);
			cr_assert_not_null(more);
			buf = more;
		}
	}
	(void)fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

void
unit_env_clear(void)
{
	const char *name, *v;
	size_t i, j;

	cr_assert_leq(settings_table_len, 64);
	for (i = 0; i < settings_table_len; i++) {
		for (j = 0; j < 2; j++) {
			if ((name = env_name(i, j)) == NULL)
				continue;
			v = getenv(name);
			env_saved[i][j] = v ? strdup(v) : NULL;
			(void)unsetenv(name);
		}
	}
}

void
unit_env_restore(void)
{
	const char *name;
	size_t i, j;

	for (i = 0; i < settings_table_len; i++) {
		for (j = 0; j < 2; j++) {
			if ((name = env_name(i, j)) == NULL)
				continue;
			if (env_saved[i][j] != NULL)
				(void)setenv(name, env_saved[i][j], 1);
			else
				(void)unsetenv(name);
			free(env_saved[i][j]);
			env_saved[i][j] = NULL;
		}
	}
}

/* The settings table's row i: its name (j 0) or alias (j 1, or NULL). */
static const char *
env_name(size_t i, size_t j)
{
	return (j == 0 ? settings_table[i].name : settings_table[i].alias);
}

void
unit_rsa_pem(char **private_pem, char **public_pem)
{
	EVP_PKEY *pkey;
	BIO *bio;

	pkey = EVP_RSA_gen(2048);
	cr_assert_not_null(pkey, "EVP_RSA_gen failed");

	bio = BIO_new(BIO_s_mem());
	cr_assert(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
		      NULL) == 1);
	*private_pem = bio_text(bio);
	BIO_free(bio);

	bio = BIO_new(BIO_s_mem());
	cr_assert(PEM_write_bio_PUBKEY(bio, pkey) == 1);
	*public_pem = bio_text(bio);
	BIO_free(bio);

	EVP_PKEY_free(pkey);
}

static char *
bio_text(BIO *bio)
{
	char *data, *text;
	long len;

	len = BIO_get_mem_data(bio, &data);
	cr_assert(len > 0);
	text = strndup(data, (size_t)len);
	cr_assert_not_null(text);
	return (text);
}

json_t *
unit_problem_item(struct problems *p, size_t i)
{
	json_t *v;

	v = json_array_get(p->items, i);
	cr_assert_not_null(v, "no item %zu", i);
	return (v);
}
