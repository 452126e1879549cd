/*
 * log.c, the JSON log writer, with arbitrary strings where a request's
 * bytes reach a log line (trace id, message, field keys and values, the
 * method, route and raw path of the access line). Input: those strings
 * separated by NUL bytes. Every line written must parse as one JSON
 * object, and a value that is valid UTF-8 must come back as itself or a
 * prefix of itself (a long line is cut, never broken).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "infra/log.h"
#include "model/utf8.h"

#define NSTR 7

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void hook(const char *, size_t);
static void expect_prefix(json_t *, const char *, const char *);

static json_t *last;

/* Every finished line, as log.c hands it to the log forwarder. */
static void
hook(const char *line, size_t len)
{
	json_error_t err;

	json_decref(last);
	last = json_loadb(line, len, 0, &err);
	if (last == NULL)
		(void)fprintf(stderr, "not JSON (%s at %d): %.*s\n", err.text,
		    err.position, (int)len, line);
	FUZZ_ASSERT(json_is_object(last));
}

/* o[key] is the string `want` or a prefix of it (when want is UTF-8). */
static void
expect_prefix(json_t *o, const char *key, const char *want)
{
	json_t *v;
	size_t n;

	v = json_object_get(o, key);
	if (v == NULL)
		return; /* a field that did not fit is left out whole */
	FUZZ_ASSERT(json_is_string(v));
	if (!utf8_valid((const unsigned char *)want, strlen(want)))
		return;
	n = json_string_length(v);
	FUZZ_ASSERT(n <= strlen(want));
	FUZZ_ASSERT(memcmp(json_string_value(v), want, n) == 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int saved, null;

	(void)argc;
	(void)argv;
	/*
	 * log.c writes to its own descriptor of whatever stderr is when
	 * log_init runs: /dev/null, so that libFuzzer's stderr stays
	 * readable.
	 */
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	if (saved == -1 || null == -1 || dup2(null, STDERR_FILENO) == -1)
		abort();
	log_init("fuzz", LOG_LEVEL_DEBUG);
	(void)dup2(saved, STDERR_FILENO);
	(void)close(saved);
	(void)close(null);
	log_set_hook(hook);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_field f[2];
	char *s[NSTR];
	size_t i;

	for (i = 0; i < NSTR; i++)
		s[i] = fuzz_next(&data, &size, '\0');

	memset(f, 0, sizeof(f));
	f[0].key = s[2];
	f[0].str = s[3];
	f[1].key = "n";
	f[1].num = (long long)size;
	log_write(LOG_LEVEL_ERROR, s[0], s[1], f, 2);
	FUZZ_ASSERT(last != NULL);
	/* a field named like the line's own keys replaces them in jansson */
	if (strcmp(s[2], "timestamp") && strcmp(s[2], "level") &&
	    strcmp(s[2], "service_name") && strcmp(s[2], "trace_id") &&
	    strcmp(s[2], "message") && strcmp(s[2], "n")) {
		expect_prefix(last, "trace_id", s[0]);
		expect_prefix(last, "message", s[1]);
		expect_prefix(last, s[2], s[3]);
	}
	json_decref(last);
	last = NULL;

	log_request(s[0], s[4], s[5], s[3], 200, 1.5, s[6]);
	FUZZ_ASSERT(last != NULL);
	expect_prefix(last, "method", s[4]);
	expect_prefix(last, "route", s[5]);
	expect_prefix(last, "path", s[3]);
	json_decref(last);
	last = NULL;

	for (i = 0; i < NSTR; i++)
		free(s[i]);
	return (0);
}
