/*
 * Helpers shared by the unit tests: JSON comparisons, temporary files,
 * the settings' environment variables and an RSA key pair for RS256.
 */
#ifndef BEE_UNIT_H
#define BEE_UNIT_H

#include <stddef.h>

#include <jansson.h>

/* Compact JSON text in insertion order; the caller frees. */
char *unit_json_text(const json_t *);
/* Fails the test unless v dumps to exactly `expected`. */
void unit_assert_json(const json_t *v, const char *expected);
/* Parses text that must be JSON; fails the test otherwise. */
json_t *unit_json(const char *text);

struct problems;
/* Item i of the 422 items (borrowed); fails the test when there is none. */
json_t *unit_problem_item(struct problems *p, size_t i);

/*
 * A new temporary file holding text; the caller frees the path.
 * unit_temp_cleanup (a suite's .fini) removes them all, failed tests too.
 */
char *unit_temp_file(const char *text);
void unit_temp_cleanup(void);
/* A path in a fresh directory that does not exist as a file. */
char *unit_missing_path(void);
/* The whole file, NUL-terminated; the caller frees. */
char *unit_read_file(const char *path, size_t *len);

/*
 * Every variable settings_load reads: saved and unset (so that the
 * caller's shell cannot change a test), then put back as they were.
 */
void unit_env_clear(void);
void unit_env_restore(void);

/* A fresh RSA-2048 key pair as PEM texts (PKCS#8, SPKI); caller frees. */
void unit_rsa_pem(char **private_pem, char **public_pem);

#endif
