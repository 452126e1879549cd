/*
 * Entity-tags and the If-Match / If-None-Match lists (etag.h). One format,
 * "<version>", made and read here only, so that a tag this service sends
 * is always one it recognises when it comes back.
 */
#include <stdio.h>
#include <string.h>

#include "model/etag.h"

static const char *skip_ows(const char *);
static int is_version(const char *, size_t);
static const char *element(const char *, enum etag_compare, struct etag_cond *,
    size_t *, size_t *);

int
etag_format(const char *version, char out[ETAG_MAX])
{
	out[0] = '\0';
	if (version == NULL || !is_version(version, strlen(version)))
		return (-1);
	(void)snprintf(out, ETAG_MAX, "\"%s\"", version);
	return (0);
}

void
etag_cond_parse(const char *value, enum etag_compare cmp, struct etag_cond *out)
{
	const char *s;
	size_t at, tags;

	memset(out, 0, sizeof(*out));
	(void)memcpy(out->versions, "{}", 3);
	if (value == NULL)
		return;
	out->present = 1;
	s = skip_ows(value);
	if (*s == '*' && *skip_ows(s + 1) == '\0') {
		out->any = 1;
		return;
	}
	at = 1;
	tags = 0;
	for (;;) {
		s = skip_ows(s);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\0')
			break;
		if ((s = element(s, cmp, out, &at, &tags)) == NULL) {
			/* not a list of entity-tags: it names nothing */
			(void)memcpy(out->versions, "{}", 3);
			return;
		}
	}
	out->versions[at++] = '}';
	out->versions[at] = '\0';
}

/*
 * One entity-tag at s, then OWS and a comma or the end: the version it
 * names is appended at out->versions[*at] when it is one that cmp lets
 * match. Returns what follows the tag, NULL when s is not a tag.
 */
static const char *
element(const char *s, enum etag_compare cmp, struct etag_cond *out, size_t *at,
    size_t *tags)
{
	const unsigned char *p;
	const char *tag;
	size_t len;
	int weak;

	weak = !strncmp(s, "W/", 2);
	if (weak)
		s += 2;
	if (*s != '"')
		return (NULL);
	tag = ++s;
	for (p = (const unsigned char *)s;
	     *p == 0x21 || (*p >= 0x23 && *p != 0x7f); p++)
		;
	if (*p != '"')
		return (NULL);
	len = (size_t)((const char *)p - tag);
	s = skip_ows((const char *)p + 1);
	if (*s != ',' && *s != '\0')
		return (NULL);
	if ((weak && cmp == ETAG_STRONG) || !is_version(tag, len) ||
	    *tags == ETAG_COND_TAGS)
		return (s);
	if (*tags > 0)
		out->versions[(*at)++] = ',';
	(void)memcpy(out->versions + *at, tag, len);
	*at += len;
	(*tags)++;
	return (s);
}

int
etag_cond_matches(const struct etag_cond *cond, const char *version)
{
	const char *s, *e;
	size_t len;

	if (!cond->present)
		return (0);
	if (cond->any)
		return (1);
	len = strlen(version);
	for (s = cond->versions + 1; *s != '}' && *s != '\0'; s = e) {
		e = s + strcspn(s, ",}");
		if ((size_t)(e - s) == len && !memcmp(s, version, len))
			return (1);
		if (*e == ',')
			e++;
	}
	return (0);
}

const char *
etag_cond_param(const struct etag_cond *cond)
{
	if (!cond->present || cond->any)
		return (NULL);
	return (cond->versions);
}

/* RFC 9110's OWS: spaces and horizontal tabs. */
static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return (s);
}

/* 1 to ETAG_DIGITS digits without a leading zero: a version's text. */
static int
is_version(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ETAG_DIGITS || s[0] == '0')
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (1);
}
