/*
 * multipart.c: the boundary of a Content-Type, and the file part of a
 * multipart/form-data body, with the original's (Starlette's) limits and
 * errors; hostile bodies end in an error, never in a read out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/multipart.h"

#define B "XyZzY0123"

static enum multipart_status find(const char *, struct multipart_file *);
static void expect_file(const char *, const char *, const char *);
static void expect_status(const char *, enum multipart_status);
static char *parts(size_t, const char *);

static enum multipart_status
find(const char *body, struct multipart_file *f)
{
	return (multipart_find_file((const unsigned char *)body, strlen(body),
	    B, "file", f));
}

/* body has a file part whose content is `content`. */
static void
expect_file(const char *why, const char *body, const char *content)
{
	struct multipart_file f;

	cr_assert_eq(find(body, &f), MULTIPART_OK, "%s", why);
	cr_assert(f.found, "%s: not found", why);
	cr_assert_eq(f.length, strlen(content), "%s: length %zu", why,
	    f.length);
	cr_assert(memcmp(body + f.offset, content, f.length) == 0, "%s", why);
}

static void
expect_status(const char *body, enum multipart_status want)
{
	struct multipart_file f;

	cr_assert_eq(find(body, &f), want, "body: %.60s", body);
	if (want != MULTIPART_OK)
		cr_assert(!f.found);
}

/* n parts, each a file when `filename` is not NULL; malloc'd. */
static char *
parts(size_t n, const char *filename)
{
	char *body, *p;
	size_t i, cap;

	cap = n * 128 + 64;
	body = malloc(cap);
	cr_assert(body != NULL);
	p = body;
	for (i = 0; i < n; i++) {
		p += snprintf(p, cap - (size_t)(p - body),
		    "--" B "\r\nContent-Disposition: form-data; name=\"f%zu\""
		    "%s%s%s\r\n\r\nx\r\n",
		    i, filename ? "; filename=\"" : "",
		    filename ? filename : "", filename ? "\"" : "");
	}
	(void)snprintf(p, cap - (size_t)(p - body), "--" B "--\r\n");
	return (body);
}

Test(multipart, boundary_forms)
{
	char b[MULTIPART_BOUNDARY_MAX + 1];

	cr_assert_eq(multipart_boundary("multipart/form-data; boundary=abc", b),
	    MULTIPART_OK);
	cr_assert_str_eq(b, "abc");
	cr_assert_eq(
	    multipart_boundary("Multipart/Form-Data;boundary=\"a b;c\"", b),
	    MULTIPART_OK);
	cr_assert_str_eq(b, "a b;c");
	cr_assert_eq(multipart_boundary("multipart/form-data; charset=utf-8; "
					"BOUNDARY=----WebKitFormBoundary7MA",
			 b),
	    MULTIPART_OK);
	cr_assert_str_eq(b, "----WebKitFormBoundary7MA");
	cr_assert_eq(multipart_boundary(
			 " multipart/form-data ; boundary = xyz ; x=1", b),
	    MULTIPART_OK);
	cr_assert_str_eq(b, "xyz");
	cr_assert_eq(multipart_boundary(
			 "multipart/form-data; boundary=\"q\\\"uote\"", b),
	    MULTIPART_OK);
	cr_assert_str_eq(b, "q\"uote");
}

Test(multipart, boundary_missing_or_not_a_form)
{
	char b[MULTIPART_BOUNDARY_MAX + 1], long_ct[400];

	cr_assert_eq(multipart_boundary(NULL, b), MULTIPART_NOT_FORM);
	cr_assert_eq(multipart_boundary("application/json", b),
	    MULTIPART_NOT_FORM);
	cr_assert_eq(multipart_boundary("multipart/form-datax; boundary=a", b),
	    MULTIPART_NOT_FORM);
	cr_assert_eq(multipart_boundary("multipart/mixed; boundary=a", b),
	    MULTIPART_NOT_FORM);
	cr_assert_eq(multipart_boundary("", b), MULTIPART_NOT_FORM);
	cr_assert_eq(multipart_boundary("multipart/form-data", b),
	    MULTIPART_NO_BOUNDARY);
	cr_assert_eq(multipart_boundary("multipart/form-data;", b),
	    MULTIPART_NO_BOUNDARY);
	cr_assert_eq(multipart_boundary("multipart/form-data; boundary=", b),
	    MULTIPART_NO_BOUNDARY);
	cr_assert_eq(multipart_boundary("multipart/form-data; boundary", b),
	    MULTIPART_NO_BOUNDARY);
	cr_assert_eq(multipart_boundary("multipart/form-data; charset=x", b),
	    MULTIPART_NO_BOUNDARY);

	memset(long_ct, 0, sizeof(long_ct));
	(void)snprintf(long_ct, sizeof(long_ct),
	    "multipart/form-data; boundary=");
	memset(long_ct + strlen(long_ct), 'b', MULTIPART_BOUNDARY_MAX + 1);
	cr_assert_eq(multipart_boundary(long_ct, b), MULTIPART_MALFORMED);
	long_ct[strlen(long_ct) - 1] = '\0';
	cr_assert_eq(multipart_boundary(long_ct, b), MULTIPART_OK);
	cr_assert_eq(strlen(b), MULTIPART_BOUNDARY_MAX);
}

Test(multipart, the_file_part)
{
	expect_file("one part",
	    "--" B "\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n"
	    "\x89PNG data\r\n-- not a delimiter\r\n"
	    "--" B "--\r\n",
	    "\x89PNG data\r\n-- not a delimiter");
	expect_file("after a field, header case, unquoted",
	    "preamble\r\n--" B "\r\n"
	    "content-disposition: form-data; name=title\r\n\r\n"
	    "hello\r\n"
	    "--" B "  \r\n"
	    "CONTENT-DISPOSITION:form-data;NAME=file;FILENAME=x\r\n\r\n"
	    "abc\r\n"
	    "--" B "--",
	    "abc");
	expect_file("the last of two files wins",
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"1\"\r\n\r\nfirst\r\n"
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"2\"\r\n\r\nsecond\r\n"
	    "--" B "--\r\n",
	    "second");
	expect_file("filename* and an empty file",
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename*=UTF-8''%C3%A9.png\r\n\r\n\r\n"
	    "--" B "--\r\n",
	    "");
	expect_file("no close delimiter",
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"a\"\r\n\r\nabc\r\n--" B,
	    "abc");
}

Test(multipart, no_file_part)
{
	struct multipart_file f;

	/* a field named file is not a file */
	cr_assert_eq(find("--" B "\r\nContent-Disposition: form-data; "
			  "name=\"file\"\r\n\r\nabc\r\n--" B "--\r\n",
			 &f),
	    MULTIPART_OK);
	cr_assert(!f.found);
	cr_assert_eq(find("--" B "\r\nContent-Disposition: form-data; "
			  "name=\"files\"; filename=\"a\"\r\n\r\nabc\r\n--" B
			  "--\r\n",
			 &f),
	    MULTIPART_OK);
	cr_assert(!f.found);
	cr_assert_eq(find("", &f), MULTIPART_OK);
	cr_assert(!f.found);
	cr_assert_eq(find("--" B "--\r\n", &f), MULTIPART_OK);
	cr_assert(!f.found);
}

Test(multipart, malformed_bodies)
{
	char *hdr, *body;
	size_t n;

	expect_status("no delimiter at all", MULTIPART_MALFORMED);
	expect_status("--" B "garbage\r\n", MULTIPART_MALFORMED);
	expect_status("--" B "\r\nContent-Disposition: form-data; "
		      "name=\"file\"; filename=\"a\"\r\n\r\nunterminated",
	    MULTIPART_MALFORMED);
	expect_status("--" B "\r\nContent-Disposition: form-data; "
		      "name=\"file\"; filename=\"a\"",
	    MULTIPART_MALFORMED);
	expect_status("--" B "\r\nno colon here\r\n\r\nx\r\n--" B "--",
	    MULTIPART_MALFORMED);
	expect_status("--" B "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" B
		      "--",
	    MULTIPART_NO_NAME);
	expect_status("--" B "\r\n\r\nx\r\n--" B "--", MULTIPART_NO_NAME);
	expect_status("--" B "\r\nContent-Disposition: form-data; "
		      "filename=\"a\"\r\n\r\nx\r\n--" B "--",
	    MULTIPART_NO_NAME);
	expect_status("--" B, MULTIPART_OK);

	/* a part header block over MULTIPART_HEADER_MAX */
	n = MULTIPART_HEADER_MAX + 100;
	hdr = malloc(n + 1);
	body = malloc(n + 256);
	cr_assert(hdr != NULL && body != NULL);
	memset(hdr, 'a', n);
	hdr[n] = '\0';
	(void)snprintf(body, n + 256,
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"a\"\r\nX-Big: %s\r\n\r\nx\r\n--" B "--",
	    hdr);
	expect_status(body, MULTIPART_MALFORMED);
	/* just under it is fine */
	hdr[MULTIPART_HEADER_MAX - 200] = '\0';
	(void)snprintf(body, n + 256,
	    "--" B "\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"a\"\r\nX-Big: %s\r\n\r\nx\r\n--" B "--",
	    hdr);
	expect_file("large header", body, "x");
	free(hdr);
	free(body);
}

/*
 * Found by tests/fuzz/fuzz_multipart.c: a file part, then a part that
 * makes the body an error. The error is the answer; no file is found.
 */
#define FILE_PART \
	"--" B "\r\nContent-Disposition: form-data; name=\"file\"; " \
	"filename=\"a\"\r\n\r\nfirst\r\n"

Test(multipart, error_after_a_file_part)
{
	expect_status(FILE_PART "--" B "\r\nno colon here\r\n\r\nx\r\n--" B
				"--",
	    MULTIPART_MALFORMED);
	expect_status(FILE_PART "--" B "\r\n\r\nx\r\n--" B "--",
	    MULTIPART_NO_NAME);
	expect_status(FILE_PART
	    "--" B "\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"b\"\r\n\r\nunterminated",
	    MULTIPART_MALFORMED);
	expect_status(FILE_PART "--" B "garbage", MULTIPART_MALFORMED);
}

Test(multipart, part_limits)
{
	char *body;

	body = parts(MULTIPART_FILES_MAX, "a");
	expect_status(body, MULTIPART_OK);
	free(body);
	body = parts(MULTIPART_FILES_MAX + 1, "a");
	expect_status(body, MULTIPART_TOO_MANY_FILES);
	free(body);
	body = parts(MULTIPART_FIELDS_MAX, NULL);
	expect_status(body, MULTIPART_OK);
	free(body);
	body = parts(MULTIPART_FIELDS_MAX + 1, NULL);
	expect_status(body, MULTIPART_TOO_MANY_FIELDS);
	free(body);
}

/* Bodies of delimiter-like bytes cost one pass and end in an error. */
Test(multipart, hostile_bytes)
{
	static const char fills[] = { '-', '\r', '\n' };
	unsigned char *body;
	struct multipart_file f;
	size_t i, n;

	n = 1 << 20;
	body = malloc(n);
	cr_assert(body != NULL);
	for (i = 0; i < sizeof(fills); i++) {
		memset(body, fills[i], n);
		cr_assert_eq(multipart_find_file(body, n, B, "file", &f),
		    MULTIPART_MALFORMED);
	}
	/* a delimiter, then a header block that never ends */
	memcpy(body, "--" B "\r\n", strlen(B) + 4);
	cr_assert_eq(multipart_find_file(body, n, B, "file", &f),
	    MULTIPART_MALFORMED);
	free(body);
	cr_assert_eq(multipart_find_file((const unsigned char *)"x", 1, "",
			 "file", &f),
	    MULTIPART_MALFORMED);
}

Test(multipart, error_texts)
{
	cr_assert_str_eq(multipart_error(MULTIPART_NO_BOUNDARY),
	    "Missing boundary in multipart.");
	cr_assert_str_eq(multipart_error(MULTIPART_MALFORMED),
	    "There was an error parsing the body");
	cr_assert_str_eq(multipart_error(MULTIPART_NO_NAME),
	    "The Content-Disposition header field \"name\" must be "
	    "provided.");
	cr_assert_str_eq(multipart_error(MULTIPART_TOO_MANY_FILES),
	    "Too many files. Maximum number of files is 1000.");
	cr_assert_str_eq(multipart_error(MULTIPART_TOO_MANY_FIELDS),
	    "Too many fields. Maximum number of fields is 1000.");
}
