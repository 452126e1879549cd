/* Query-string parsing for every route that takes query parameters. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/query.h"
#include "model/utf8.h"
#include "model/xalloc.h"

static char *decode(const char *, size_t);
static int hexdigit(int);

int
query_parse(const char *qs, struct query *q)
{
	const char *p, *end, *eq;
	size_t len;

	memset(q, 0, sizeof(*q));
	if (qs == NULL)
		return (0);
	for (p = qs; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (q->count == QUERY_ARGS_MAX) {
			query_free(q);
			return (-1);
		}
		eq = memchr(p, '=', len);
		q->args[q->count].name = decode(p, eq ? (size_t)(eq - p) : len);
		q->args[q->count].value =
		    eq ? decode(eq + 1, (size_t)(end - eq - 1)) : decode("", 0);
		q->count++;
	}
	return (0);
}

void
query_free(struct query *q)
{
	size_t i;

	for (i = 0; i < q->count; i++) {
		free(q->args[i].name);
		free(q->args[i].value);
	}
	memset(q, 0, sizeof(*q));
}

const char *
query_get(const struct query *q, const char *name)
{
	size_t i;

	for (i = q->count; i > 0; i--) {
		if (!strcmp(q->args[i - 1].name, name))
			return (q->args[i - 1].value);
	}
	return (NULL);
}

int
query_int(struct problems *p, const struct query *q, const char *name, long def,
    long min, long max, long *out)
{
	const char *v, *s;
	char *end, msg[96];
	json_t *input;
	long n;

	*out = def;
	if ((v = query_get(q, name)) == NULL)
		return (1);
	input = json_string(v); /* NULL: not UTF-8 */
	if (input == NULL)
		input = xjson(json_string(""));
	/* pydantic: surrounding whitespace allowed, a sign, digits only */
	for (s = v; isspace((unsigned char)*s); s++)
		;
	errno = 0;
	n = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (s == end || *end != '\0' ||
	    !(isdigit((unsigned char)*s) || *s == '-' || *s == '+')) {
		problems_add(p, "int_parsing", problem_loc("query", name),
		    "Input should be a valid integer, unable to parse string "
		    "as an integer",
		    input, NULL);
		json_decref(input);
		return (0);
	}
	/* Python integers have no bound: a huge one is out of range. */
	if (errno == ERANGE)
		n = *s == '-' ? LONG_MIN : LONG_MAX;
	if (n < min) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be greater than or equal to %ld", min);
		problems_add(p, "greater_than_equal",
		    problem_loc("query", name), msg, input,
		    xjson(json_pack("{s:I}", "ge", (json_int_t)min)));
		json_decref(input);
		return (0);
	}
	if (n > max) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be less than or equal to %ld", max);
		problems_add(p, "less_than_equal", problem_loc("query", name),
		    msg, input,
		    xjson(json_pack("{s:I}", "le", (json_int_t)max)));
		json_decref(input);
		return (0);
	}
	json_decref(input);
	*out = n;
	return (1);
}

int
query_page(struct problems *p, const struct query *q, struct query_page *out)
{
	long skip, limit;
	int ok;

	ok = query_int(p, q, "skip", 0, 0, QUERY_SKIP_MAX, &skip);
	if (!query_int(p, q, "limit", QUERY_LIMIT_DEFAULT, 1, QUERY_LIMIT_MAX,
		&limit))
		ok = 0;
	(void)snprintf(out->skip, sizeof(out->skip), "%ld", skip);
	(void)snprintf(out->limit, sizeof(out->limit), "%ld", limit);
	out->limit_given = query_get(q, "limit") != NULL;
	return (ok);
}

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * application/x-www-form-urlencoded as Python's unquote_plus reads it:
 * + is a space, %XX a byte, a malformed escape stays as written, and
 * bytes that are not UTF-8 (or NUL, which no column can hold) become
 * U+FFFD.
 */
static char *
decode(const char *s, size_t len)
{
	unsigned char *raw;
	char *out;
	size_t i, n, o, k;
	int hi, lo;

	raw = xmalloc(len + 1);
	for (i = 0, n = 0; i < len; i++) {
		hi = lo = -1;
		if (s[i] == '%' && i + 2 < len) {
			hi = hexdigit((unsigned char)s[i + 1]);
			lo = hexdigit((unsigned char)s[i + 2]);
		}
		if (s[i] == '+') {
			raw[n++] = ' ';
		} else if (hi >= 0 && lo >= 0) {
			raw[n++] = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else {
			raw[n++] = (unsigned char)s[i];
		}
	}

	/* at most three bytes out for each byte in */
	out = xmalloc(n * 3 + 1);
	for (i = 0, o = 0; i < n; i += k) {
		k = utf8_sequence(raw + i, n - i);
		if (k == 0 || raw[i] == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
			continue;
		}
		memcpy(out + o, raw + i, k);
		o += k;
	}
	out[o] = '\0';
	free(raw);
	return (out);
}
