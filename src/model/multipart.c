/*
 * A multipart/form-data reader over a body in memory: delimiters are found
 * with memmem (linear), part headers are read in place, nothing is copied
 * or allocated. Errors and limits follow what the original (Starlette with
 * python-multipart) answered.
 */
#include <string.h>
#include <strings.h>

#include "model/multipart.h"

#define PARAM_VALUE_MAX 256

/* One `; key=value` parameter of a header value (RFC 2045/7578). */
struct param {
	const char *name;
	size_t nlen;
	char value[PARAM_VALUE_MAX + 1];
	size_t vlen;
	int truncated; /* value longer than PARAM_VALUE_MAX */
};

/* What one part's headers say. */
struct part_info {
	int has_name;
	int is_file;
	int name_matches;
};

static const char *skip_ws(const char *, const char *);
static const char *trim_end(const char *, const char *);
static const char *value_end(const char *, const char *);
static int range_is(const char *, const char *, const char *);
static int param_next(const char **, const char *, struct param *);
static void disposition(const char *, const char *, const char *,
    struct part_info *);
static int part_headers(const char *, const char *, const char *,
    struct part_info *);
static enum multipart_status scan(const unsigned char *, size_t, const char *,
    const char *, struct multipart_file *);

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (p);
}

/* The end of [s, end) without trailing blanks. */
static const char *
trim_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (end);
}

/* The first ';' outside a quoted string, or end. */
static const char *
value_end(const char *p, const char *end)
{
	int quoted;

	quoted = 0;
	for (; p < end; p++) {
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ';')
			break;
	}
	return (p);
}

/* Is [s, end) `word`, ignoring case? */
static int
range_is(const char *s, const char *end, const char *word)
{
	size_t n;

	n = strlen(word);
	return ((size_t)(end - s) == n && strncasecmp(s, word, n) == 0);
}

/*
 * The parameter at *pp (at a ';' or the end of the value), unquoted into
 * prm->value; *pp moves past it. 0 when there is none left.
 */
static int
param_next(const char **pp, const char *end, struct param *prm)
{
	const char *p, *stop;

	p = *pp;
	if (p >= end)
		return (0);
	p = skip_ws(p + 1, end); /* the ';' */
	memset(prm, 0, sizeof(*prm));
	prm->name = p;
	while (p < end && *p != '=' && *p != ';')
		p++;
	prm->nlen = (size_t)(trim_end(prm->name, p) - prm->name);
	if (p < end && *p == '=') {
		p = skip_ws(p + 1, end);
		stop = value_end(p, end);
		if (p < stop && *p == '"') {
			for (p++; p < stop && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < stop)
					p++;
				if (prm->vlen < PARAM_VALUE_MAX)
					prm->value[prm->vlen++] = *p;
				else
					prm->truncated = 1;
			}
			if (p < stop)
				p++; /* the closing quote */
		} else {
			for (stop = trim_end(p, stop); p < stop; p++) {
				if (prm->vlen < PARAM_VALUE_MAX)
					prm->value[prm->vlen++] = *p;
				else
					prm->truncated = 1;
			}
		}
	}
	prm->value[prm->vlen] = '\0';
	*pp = value_end(p, end);
	return (1);
}

enum multipart_status
multipart_boundary(const char *content_type,
    char out[MULTIPART_BOUNDARY_MAX + 1])
{
	struct param prm;
	const char *p, *end, *type_end;
	int found;

	out[0] = '\0';
	if (content_type == NULL)
		return (MULTIPART_NOT_FORM);
	end = content_type + strlen(content_type);
	p = skip_ws(content_type, end);
	type_end = value_end(p, end);
	if (!range_is(p, trim_end(p, type_end), "multipart/form-data"))
		return (MULTIPART_NOT_FORM);

	found = 0;
	p = type_end;
	while (param_next(&p, end, &prm)) {
		if (!range_is(prm.name, prm.name + prm.nlen, "boundary"))
			continue;
		if (prm.truncated || prm.vlen > MULTIPART_BOUNDARY_MAX)
			return (MULTIPART_MALFORMED);
		(void)memcpy(out, prm.value, prm.vlen + 1);
		found = 1; /* the last one, as a dict would keep it */
	}
	return (found && out[0] != '\0' ? MULTIPART_OK : MULTIPART_NO_BOUNDARY);
}

/* A Content-Disposition value: form-data; name="..."; filename="..." */
static void
disposition(const char *s, const char *end, const char *name,
    struct part_info *info)
{
	struct param prm;
	const char *p;

	info->has_name = 0;
	info->is_file = 0;
	info->name_matches = 0;
	p = value_end(s, end);
	while (param_next(&p, end, &prm)) {
		if (range_is(prm.name, prm.name + prm.nlen, "name")) {
			info->has_name = 1;
			info->name_matches =
			    !prm.truncated && strcmp(prm.value, name) == 0;
		} else if (range_is(prm.name, prm.name + prm.nlen,
			       "filename") ||
		    range_is(prm.name, prm.name + prm.nlen, "filename*")) {
			info->is_file = 1;
		}
	}
}

/*
 * The header lines of one part, [s, end) without the blank line. Only
 * Content-Disposition matters (the last one); a line without a colon is
 * malformed. Returns 0 when malformed.
 */
static int
part_headers(const char *s, const char *end, const char *name,
    struct part_info *info)
{
	const char *line, *eol, *colon;

	memset(info, 0, sizeof(*info));
	for (line = s; line < end; line = eol + 2) {
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL)
			return (0);
		if (range_is(line, trim_end(line, colon),
			"content-disposition"))
			disposition(skip_ws(colon + 1, eol), eol, name, info);
		if (eol == end)
			break;
	}
	return (1);
}

/*
 * A file part seen before a later part made the body an error is not an
 * answer: the error is (as Starlette read the whole form first).
 */
enum multipart_status
multipart_find_file(const unsigned char *body, size_t len, const char *boundary,
    const char *name, struct multipart_file *file)
{
	enum multipart_status status;

	status = scan(body, len, boundary, name, file);
	if (status != MULTIPART_OK)
		memset(file, 0, sizeof(*file));
	return (status);
}

static enum multipart_status
scan(const unsigned char *body, size_t len, const char *boundary,
    const char *name, struct multipart_file *file)
{
	char delim[MULTIPART_BOUNDARY_MAX + 5];
	const unsigned char *found;
	struct part_info info;
	size_t blen, dlen, p, hdr_end, data, limit, files, fields;

	memset(file, 0, sizeof(*file));
	blen = strlen(boundary);
	if (blen == 0 || blen > MULTIPART_BOUNDARY_MAX)
		return (MULTIPART_MALFORMED);
	if (len == 0)
		return (MULTIPART_OK);
	/* "\r\n--boundary"; the first delimiter may lack the CRLF. */
	(void)memcpy(delim, "\r\n--", 4);
	(void)memcpy(delim + 4, boundary, blen);
	dlen = blen + 4;

	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		p = 0;
	} else {
		if ((found = memmem(body, len, delim, dlen)) == NULL)
			return (MULTIPART_MALFORMED);
		p = (size_t)(found - body) + 2;
	}

	files = 0;
	fields = 0;
	for (;;) {
		/* p is at "--boundary" */
		p += dlen - 2;
		if (len - p >= 2 && body[p] == '-' && body[p + 1] == '-')
			return (MULTIPART_OK); /* the close delimiter */
		while (p < len && (body[p] == ' ' || body[p] == '\t'))
			p++;
		if (p == len)
			return (MULTIPART_OK); /* no close delimiter: lenient */
		if (len - p < 2 || body[p] != '\r' || body[p + 1] != '\n')
			return (MULTIPART_MALFORMED);
		p += 2;

		if (len - p >= 2 && body[p] == '\r' && body[p + 1] == '\n') {
			hdr_end = p; /* no headers at all */
			data = p + 2;
		} else {
			limit = len - p;
			if (limit > MULTIPART_HEADER_MAX + 4)
				limit = MULTIPART_HEADER_MAX + 4;
			found = memmem(body + p, limit, "\r\n\r\n", 4);
			if (found == NULL)
				return (MULTIPART_MALFORMED);
			hdr_end = (size_t)(found - body);
			data = hdr_end + 4;
		}
		if (!part_headers((const char *)body + p,
			(const char *)body + hdr_end, name, &info))
			return (MULTIPART_MALFORMED);
		if (!info.has_name)
			return (MULTIPART_NO_NAME);
		if (info.is_file && ++files > MULTIPART_FILES_MAX)
			return (MULTIPART_TOO_MANY_FILES);
		if (!info.is_file && ++fields > MULTIPART_FIELDS_MAX)
			return (MULTIPART_TOO_MANY_FIELDS);

		found = memmem(body + data, len - data, delim, dlen);
		if (found == NULL)
			return (MULTIPART_MALFORMED); /* unterminated part */
		if (info.is_file && info.name_matches) {
			file->found = 1;
			file->offset = data;
			file->length = (size_t)(found - body) - data;
		}
		p = (size_t)(found - body) + 2;
	}
}

const char *
multipart_error(enum multipart_status status)
{
	switch (status) {
	case MULTIPART_NO_BOUNDARY:
		return ("Missing boundary in multipart.");
	case MULTIPART_NO_NAME:
		return ("The Content-Disposition header field \"name\" must "
			"be provided.");
	case MULTIPART_TOO_MANY_FILES:
		return ("Too many files. Maximum number of files is 1000.");
	case MULTIPART_TOO_MANY_FIELDS:
		return ("Too many fields. Maximum number of fields is 1000.");
	case MULTIPART_MALFORMED:
	case MULTIPART_OK:
	case MULTIPART_NOT_FORM:
	default:
		return ("There was an error parsing the body");
	}
}
