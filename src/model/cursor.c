/*
 * Cursors (cursor.h). The bytes under the base64url text:
 *   version (1), kind (1), filters' fingerprint (8, big-endian),
 *   for each key: length (2, big-endian; 0xffff for NULL) and its bytes,
 *   checksum (8): FNV-1a of every byte before it.
 * FNV-1a multiplies by an odd number after each byte, so a change of any
 * one byte always changes the checksum; the lengths make a cut cursor
 * fail it too. Each key is then checked against its kind's rule, so a
 * statement never sees a key PostgreSQL would refuse.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/cursor.h"
#include "model/jsonw.h"
#include "model/utf8.h"
#include "model/uuid.h"
#include "model/xalloc.h"

#define VERSION 1
#define HEAD 11 /* version, kind, fingerprint, key count */
#define SUM 8
#define NULL_LEN 0xffff
#define RAW_MAX (CURSOR_TEXT_MAX / 4 * 3)
/*
 * The earliest time PostgreSQL's timestamp holds (4714-11-24 BC, its
 * Julian day 0), in microseconds since the epoch; its latest (294276 AD)
 * is past any number integer_ok lets through.
 */
#define TIME_MIN (-210866803200000000LL)

/*
 * A key's rule: 's' text, 'u' UUID, 'i' time (microseconds since the
 * epoch), 'I' time or NULL.
 */
static const char *const rules[] = {
	[CURSOR_CUSTOMERS] = "su",
	[CURSOR_ORDERS] = "Iis",
	[CURSOR_APPOINTMENTS] = "Iis",
};

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint64_t fnv(uint64_t, const unsigned char *, size_t);
static void put64(unsigned char *, uint64_t);
static uint64_t get64(const unsigned char *);
static const char *rule_of(enum cursor_kind);
static void url_encode(struct jsonw *, const char *);
static char *b64_encode(const unsigned char *, size_t);
static int b64_decode(const char *, unsigned char *, size_t *);
static int key_ok(char, const char *);
static int integer_ok(const char *);
static int time_ok(const char *);
static int skip_given(const struct query *);
static int read_keys(const unsigned char *, size_t, const char *,
    struct cursor *);

static uint64_t
fnv(uint64_t h, const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static void
put64(unsigned char *out, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get64(const unsigned char *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return (v);
}

static const char *
rule_of(enum cursor_kind kind)
{
	if (kind < CURSOR_CUSTOMERS || kind > CURSOR_APPOINTMENTS)
		return (NULL);
	return (rules[kind]);
}

uint64_t
cursor_fingerprint(enum cursor_kind kind, const char *const *filters, int n)
{
	unsigned char tag[2];
	uint64_t h;
	int i;

	tag[0] = (unsigned char)kind;
	h = fnv(0xcbf29ce484222325ULL, tag, 1);
	for (i = 0; i < n; i++) {
		/* 0: absent, 1: present then its bytes and a NUL */
		tag[0] = filters[i] != NULL;
		h = fnv(h, tag, 1);
		if (filters[i] != NULL)
			h = fnv(h, (const unsigned char *)filters[i],
			    strlen(filters[i]) + 1);
	}
	return (h);
}

char *
cursor_encode(enum cursor_kind kind, uint64_t filters, const char *const *keys)
{
	const char *rule = rule_of(kind);
	unsigned char *raw;
	size_t len, n, i, k;
	char *text;

	n = strlen(rule);
	len = HEAD + SUM;
	for (i = 0; i < n; i++)
		len += 2 + (keys[i] != NULL ? strlen(keys[i]) : 0);
	raw = xmalloc(len);
	raw[0] = VERSION;
	raw[1] = (unsigned char)kind;
	put64(raw + 2, filters);
	raw[10] = (unsigned char)n;
	for (i = 0, k = HEAD; i < n; i++) {
		len = keys[i] != NULL ? strlen(keys[i]) : NULL_LEN;
		raw[k++] = (unsigned char)(len >> 8);
		raw[k++] = (unsigned char)(len & 0xff);
		if (keys[i] != NULL) {
			memcpy(raw + k, keys[i], len);
			k += len;
		}
	}
	put64(raw + k, fnv(0xcbf29ce484222325ULL, raw, k));
	text = b64_encode(raw, k + SUM);
	free(raw);
	return (text);
}

enum cursor_status
cursor_decode(const char *text, enum cursor_kind kind, uint64_t filters,
    struct cursor *out)
{
	unsigned char raw[RAW_MAX];
	const char *rule = rule_of(kind);
	size_t len;

	memset(out, 0, sizeof(*out));
	if (rule == NULL || strlen(text) > CURSOR_TEXT_MAX ||
	    b64_decode(text, raw, &len) == -1)
		return (CURSOR_MALFORMED);
	if (len < HEAD + SUM || raw[0] != VERSION || raw[1] != kind ||
	    raw[10] != strlen(rule) ||
	    get64(raw + len - SUM) !=
		fnv(0xcbf29ce484222325ULL, raw, len - SUM))
		return (CURSOR_MALFORMED);
	if (!read_keys(raw + HEAD, len - HEAD - SUM, rule, out))
		return (CURSOR_MALFORMED);
	if (get64(raw + 2) != filters) {
		cursor_free(out);
		return (CURSOR_OTHER_FILTERS);
	}
	return (CURSOR_OK);
}

/* The keys fill the bytes exactly, each one valid for its rule. */
static int
read_keys(const unsigned char *in, size_t len, const char *rule,
    struct cursor *out)
{
	size_t at, n;

	for (at = 0; rule[out->nkeys] != '\0'; out->nkeys++) {
		if (len - at < 2)
			break;
		n = (size_t)in[at] << 8 | in[at + 1];
		at += 2;
		if (n == NULL_LEN) {
			if (rule[out->nkeys] != 'I')
				break;
			continue;
		}
		if (n > len - at || memchr(in + at, '\0', n) != NULL ||
		    !utf8_valid(in + at, n))
			break;
		out->keys[out->nkeys] = xmalloc(n + 1);
		memcpy(out->keys[out->nkeys], in + at, n);
		out->keys[out->nkeys][n] = '\0';
		at += n;
		if (!key_ok(rule[out->nkeys], out->keys[out->nkeys]))
			break;
	}
	if (rule[out->nkeys] != '\0' || at != len) {
		cursor_free(out);
		return (0);
	}
	return (1);
}

static int
key_ok(char rule, const char *key)
{
	switch (rule) {
	case 'u':
		return (uuid_is_canonical(key));
	case 'i':
	case 'I':
		return (time_ok(key));
	default:
		return (1);
	}
}

/* A bigint PostgreSQL reads back exactly: -?[0-9]{1,18}. */
static int
integer_ok(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	n = strspn(s, "0123456789");
	return (n > 0 && n <= 18 && s[n] == '\0');
}

/*
 * A time PostgreSQL can hold: one before its range would fail the
 * statement (a 500) instead of the cursor (a 422). Every time the
 * service stores (years 1 to 9999) is well inside.
 */
static int
time_ok(const char *s)
{
	return (integer_ok(s) && strtoll(s, NULL, 10) >= TIME_MIN);
}

void
cursor_free(struct cursor *c)
{
	int i;

	for (i = 0; i < CURSOR_KEYS_MAX; i++)
		free(c->keys[i]);
	memset(c, 0, sizeof(*c));
}

int
cursor_param(struct problems *p, const struct query *qs, enum cursor_kind kind,
    uint64_t filters, struct cursor *out)
{
	const char *text, *why;
	json_t *input;

	memset(out, 0, sizeof(*out));
	if ((text = query_get(qs, "cursor")) == NULL)
		return (1);
	switch (cursor_decode(text, kind, filters, out)) {
	case CURSOR_OK:
		if (!skip_given(qs))
			return (1);
		cursor_free(out);
		why = "Value error, cursor cannot be combined with skip";
		break;
	case CURSOR_OTHER_FILTERS:
		why = "Value error, cursor was made for other filters";
		break;
	default:
		why = "Value error, malformed cursor";
		break;
	}
	input = xjson(json_string(text));
	problems_add(p, "value_error", problem_loc("query", "cursor"), why,
	    input, xjson(json_pack("{s:{}}", "error")));
	json_decref(input);
	return (0);
}

/*
 * A skip that is an integer other than 0 (one that is not an integer has
 * its own item already).
 */
static int
skip_given(const struct query *qs)
{
	const char *v;
	char *end;
	long n;

	if ((v = query_get(qs, "skip")) == NULL)
		return (0);
	errno = 0;
	n = strtol(v, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return (end != v && *end == '\0' && (n != 0 || errno == ERANGE));
}

static char *
b64_encode(const unsigned char *in, size_t len)
{
	char *out;
	size_t i, o;
	uint32_t v;

	out = xmalloc(len / 3 * 4 + 4);
	for (i = 0, o = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < len)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < len)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	return (out);
}

/*
 * Strict: the alphabet only, no padding, no length that no byte string
 * has, no bits set past the last byte (one text per byte string).
 */
static int
b64_decode(const char *in, unsigned char *out, size_t *len)
{
	const char *at;
	size_t i, n, o;
	uint32_t v;
	int bits;

	n = strlen(in);
	if (n % 4 == 1 || n / 4 * 3 + 2 > RAW_MAX)
		return (-1);
	v = 0;
	bits = 0;
	for (i = 0, o = 0; i < n; i++) {
		if (in[i] == '\0' || (at = strchr(b64, in[i])) == NULL)
			return (-1);
		v = v << 6 | (uint32_t)(at - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits & 0xff);
		}
	}
	if ((v & ((1U << bits) - 1)) != 0)
		return (-1);
	*len = o;
	return (0);
}

/* Built with the JSON writer's buffer: raw writes only. */
char *
cursor_link(const char *path, const char *const *names,
    const char *const *values, int n, const char *cursor)
{
	struct jsonw w;
	int i;

	jsonw_init(&w);
	jsonw_raw(&w, "<", 1);
	jsonw_rawz(&w, path);
	jsonw_raw(&w, "?", 1);
	for (i = 0; i < n; i++) {
		if (values[i] == NULL)
			continue;
		url_encode(&w, names[i]);
		jsonw_raw(&w, "=", 1);
		url_encode(&w, values[i]);
		jsonw_raw(&w, "&", 1);
	}
	jsonw_rawz(&w, "cursor=");
	jsonw_rawz(&w, cursor);
	jsonw_rawz(&w, ">; rel=\"next\"");
	return (w.buf);
}

/* RFC 3986's unreserved characters as they are, every other byte %XX. */
static void
url_encode(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];

	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL) {
			jsonw_raw(w, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[(unsigned char)*s >> 4];
		esc[2] = hex[(unsigned char)*s & 15];
		jsonw_raw(w, esc, 3);
	}
}
