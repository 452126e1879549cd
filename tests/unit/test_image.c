/*
 * image.c: the type by magic bytes, and metadata stripping that keeps
 * every other byte as it was (design.md section 5).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model/image.h"

/* A growing byte string for building test images. */
struct bytes {
	unsigned char data[4096];
	size_t len;
};

static void put(struct bytes *, const void *, size_t);
static void put_str(struct bytes *, const char *);
static void jpeg_seg(struct bytes *, unsigned char, const void *, size_t);
static void png_chunk(struct bytes *, const char *, const void *, size_t);
static void expect_strip(enum image_type, const struct bytes *,
    const struct bytes *);

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	'\n' };

static void
put(struct bytes *b, const void *p, size_t n)
{
	cr_assert(b->len + n <= sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
put_str(struct bytes *b, const char *s)
{
	put(b, s, strlen(s));
}

/* FF marker, length, payload */
static void
jpeg_seg(struct bytes *b, unsigned char marker, const void *payload, size_t n)
{
	unsigned char hdr[4] = { 0xff, marker, (unsigned char)((n + 2) >> 8),
		(unsigned char)((n + 2) & 0xff) };

	put(b, hdr, 4);
	put(b, payload, n);
}

/* length, type, data, a CRC (not checked by the stripper) */
static void
png_chunk(struct bytes *b, const char *type, const void *data, size_t n)
{
	unsigned char len[4] = { (unsigned char)(n >> 24),
		(unsigned char)(n >> 16), (unsigned char)(n >> 8),
		(unsigned char)n };
	unsigned char crc[4] = { 0xde, 0xad, 0xbe, 0xef };

	put(b, len, 4);
	put(b, type, 4);
	put(b, data, n);
	put(b, crc, 4);
}

static void
expect_strip(enum image_type type, const struct bytes *in,
    const struct bytes *want)
{
	unsigned char *out;
	size_t n;
	int same;

	out = malloc(in->len + 1);
	cr_assert(out != NULL);
	n = image_strip(type, in->data, in->len, out);
	same = n == want->len && memcmp(out, want->data, n) == 0;
	free(out);
	cr_assert_eq(n, want->len, "length %zu, want %zu", n, want->len);
	cr_assert(same, "bytes differ");
}

Test(image, detect_by_magic_bytes)
{
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
	static const unsigned char gif[] = "GIF89a....";
	static const unsigned char text[] = "hello, world";

	cr_assert_eq(image_detect(jpeg, sizeof(jpeg)), IMAGE_JPEG);
	cr_assert_eq(image_detect(png_sig, sizeof(png_sig)), IMAGE_PNG);
	cr_assert_eq(image_detect(gif, sizeof(gif) - 1), IMAGE_NONE);
	cr_assert_eq(image_detect(text, sizeof(text) - 1), IMAGE_NONE);
	cr_assert_eq(image_detect(jpeg, 2), IMAGE_NONE);
	cr_assert_eq(image_detect(png_sig, 7), IMAGE_NONE);
	cr_assert_eq(image_detect(jpeg, 0), IMAGE_NONE);
}

Test(image, names_and_types)
{
	cr_assert_str_eq(image_extension(IMAGE_JPEG), "jpg");
	cr_assert_str_eq(image_extension(IMAGE_PNG), "png");
	cr_assert_null(image_extension(IMAGE_NONE));
	cr_assert_str_eq(image_content_type(IMAGE_JPEG), "image/jpeg");
	cr_assert_str_eq(image_content_type(IMAGE_PNG), "image/png");
	cr_assert_null(image_content_type(IMAGE_NONE));
}

/* Every kind of segment before the scan, then the scan and junk after. */
Test(image, jpeg_metadata_removed_rest_kept)
{
	static const unsigned char soi[] = { 0xff, 0xd8 };
	static const unsigned char eoi[] = { 0xff, 0xd9 };
	static const unsigned char jfif[] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0,
		1, 0, 1, 0, 0 };
	static const unsigned char icc[] = "ICC_PROFILE\0\1\1profile-bytes";
	static const unsigned char adobe[] = "Adobe\0d\0\0\0\0\1";
	static const unsigned char dqt[] = { 0x00, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned char sof[] = { 8, 0, 1, 0, 1, 1, 1, 0x11, 0 };
	static const unsigned char sos[] = { 1, 1, 0, 0, 0x3f, 0 };
	/* stuffed FF00, a restart marker, a fill byte before EOI */
	static const unsigned char scan[] = { 0x12, 0xff, 0x00, 0x34, 0xff,
		0xd0, 0x56, 0x78, 0xff };
	static const unsigned char junk[] = "motion-photo video bytes";
	struct bytes in, want;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	put(&in, soi, 2);
	jpeg_seg(&in, 0xe0, jfif, sizeof(jfif));
	jpeg_seg(&in, 0xe1, "Exif\0\0GPS 44.43N 26.10E", 23);
	jpeg_seg(&in, 0xe1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>", 42);
	jpeg_seg(&in, 0xe2, icc, sizeof(icc) - 1);
	jpeg_seg(&in, 0xe2, "MPF\0II*\0", 8);
	jpeg_seg(&in, 0xfe, "a comment", 9);
	jpeg_seg(&in, 0xed, "Photoshop 3.0\0IPTC", 18);
	jpeg_seg(&in, 0xee, adobe, sizeof(adobe) - 1);
	jpeg_seg(&in, 0xef, "anything", 8);
	jpeg_seg(&in, 0xdb, dqt, sizeof(dqt));
	jpeg_seg(&in, 0xc0, sof, sizeof(sof));
	jpeg_seg(&in, 0xda, sos, sizeof(sos));
	put(&in, scan, sizeof(scan));
	put(&in, eoi, 2);
	put(&in, junk, sizeof(junk) - 1);

	put(&want, soi, 2);
	jpeg_seg(&want, 0xe0, jfif, sizeof(jfif));
	jpeg_seg(&want, 0xe2, icc, sizeof(icc) - 1);
	jpeg_seg(&want, 0xee, adobe, sizeof(adobe) - 1);
	jpeg_seg(&want, 0xdb, dqt, sizeof(dqt));
	jpeg_seg(&want, 0xc0, sof, sizeof(sof));
	jpeg_seg(&want, 0xda, sos, sizeof(sos));
	put(&want, scan, sizeof(scan));
	put(&want, eoi, 2);

	expect_strip(IMAGE_JPEG, &in, &want);
}

/* Progressive files: segments between scans are read too. */
Test(image, jpeg_comment_between_scans_removed)
{
	static const unsigned char soi[] = { 0xff, 0xd8 };
	static const unsigned char eoi[] = { 0xff, 0xd9 };
	static const unsigned char sos[] = { 1, 1, 0, 0, 0, 0 };
	static const unsigned char dht[] = { 0x10, 1, 2 };
	static const unsigned char scan1[] = { 1, 2, 3, 0xff, 0x00 };
	static const unsigned char scan2[] = { 4, 5, 6 };
	struct bytes in, want;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	put(&in, soi, 2);
	jpeg_seg(&in, 0xda, sos, sizeof(sos));
	put(&in, scan1, sizeof(scan1));
	jpeg_seg(&in, 0xfe, "between scans", 13);
	jpeg_seg(&in, 0xc4, dht, sizeof(dht));
	jpeg_seg(&in, 0xda, sos, sizeof(sos));
	put(&in, scan2, sizeof(scan2));
	put(&in, eoi, 2);

	put(&want, soi, 2);
	jpeg_seg(&want, 0xda, sos, sizeof(sos));
	put(&want, scan1, sizeof(scan1));
	jpeg_seg(&want, 0xc4, dht, sizeof(dht));
	jpeg_seg(&want, 0xda, sos, sizeof(sos));
	put(&want, scan2, sizeof(scan2));
	put(&want, eoi, 2);

	expect_strip(IMAGE_JPEG, &in, &want);
}

/* What cannot be parsed is kept as it is, from where parsing stopped. */
Test(image, jpeg_broken_structure_copied_from_there)
{
	static const unsigned char soi[] = { 0xff, 0xd8 };
	static const unsigned char overlong[] = { 0xff, 0xe1, 0x7f, 0xff, 'E',
		'x', 'i', 'f' };
	struct bytes in, want;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	put(&in, soi, 2);
	jpeg_seg(&in, 0xfe, "dropped", 7);
	put(&in, overlong, sizeof(overlong));
	put(&want, soi, 2);
	put(&want, overlong, sizeof(overlong));
	expect_strip(IMAGE_JPEG, &in, &want);

	/* magic bytes, then anything: accepted by type, kept as is */
	memset(&in, 0, sizeof(in));
	put(&in, "\xff\xd8\xff", 3);
	put_str(&in, "not really a jpeg, but the magic bytes say so");
	expect_strip(IMAGE_JPEG, &in, &in);

	/* a length below 2, a truncated length */
	memset(&in, 0, sizeof(in));
	put(&in, "\xff\xd8\xff\xe1\x00\x01xyz", 9);
	expect_strip(IMAGE_JPEG, &in, &in);
	memset(&in, 0, sizeof(in));
	put(&in, "\xff\xd8\xff\xe1\x00", 5);
	expect_strip(IMAGE_JPEG, &in, &in);
	memset(&in, 0, sizeof(in));
	put(&in, "\xff\xd8\xff\xff\xff", 5);
	expect_strip(IMAGE_JPEG, &in, &in);
}

Test(image, png_text_chunks_removed_rest_kept)
{
	static const unsigned char ihdr[13] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0,
		0, 0 };
	static const unsigned char idat[] = { 0x78, 0x9c, 0x63, 0x60, 0, 0, 0,
		2, 0, 1 };
	static const unsigned char time[7] = { 0x07, 0xe9, 1, 2, 3, 4, 5 };
	struct bytes in, want;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	put(&in, png_sig, 8);
	png_chunk(&in, "IHDR", ihdr, sizeof(ihdr));
	png_chunk(&in, "tEXt", "Author\0Ana", 10);
	png_chunk(&in, "zTXt", "Comment\0\0x", 10);
	png_chunk(&in, "iTXt", "GPS\0\0\0en\0\0x", 11);
	png_chunk(&in, "eXIf", "MM\0*", 4);
	png_chunk(&in, "IDAT", idat, sizeof(idat));
	png_chunk(&in, "tIME", time, sizeof(time));
	png_chunk(&in, "tEXt", "", 0);
	png_chunk(&in, "IEND", "", 0);
	put_str(&in, "appended after IEND");

	put(&want, png_sig, 8);
	png_chunk(&want, "IHDR", ihdr, sizeof(ihdr));
	png_chunk(&want, "IDAT", idat, sizeof(idat));
	png_chunk(&want, "tIME", time, sizeof(time));
	png_chunk(&want, "IEND", "", 0);

	expect_strip(IMAGE_PNG, &in, &want);
}

Test(image, png_broken_structure_copied_from_there)
{
	static const unsigned char huge[] = { 0x7f, 0xff, 0xff, 0xff, 't', 'E',
		'X', 't', 'x' };
	static const unsigned char over31[] = { 0x80, 0, 0, 0, 't', 'E', 'X',
		't', 1, 2, 3, 4 };
	struct bytes in, want;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	put(&in, png_sig, 8);
	png_chunk(&in, "tEXt", "k\0v", 3);
	put(&in, huge, sizeof(huge));
	put(&want, png_sig, 8);
	put(&want, huge, sizeof(huge));
	expect_strip(IMAGE_PNG, &in, &want);

	memset(&in, 0, sizeof(in));
	put(&in, png_sig, 8);
	put(&in, over31, sizeof(over31));
	expect_strip(IMAGE_PNG, &in, &in);

	/* magic then zeros: empty chunks named \0\0\0\0, all kept */
	memset(&in, 0, sizeof(in));
	put(&in, png_sig, 8);
	in.len += 100;
	expect_strip(IMAGE_PNG, &in, &in);

	/* the signature alone, and a few bytes short of a chunk */
	memset(&in, 0, sizeof(in));
	put(&in, png_sig, 8);
	expect_strip(IMAGE_PNG, &in, &in);
	put_str(&in, "short");
	expect_strip(IMAGE_PNG, &in, &in);
}

/* A type the bytes do not have: copied unchanged. */
Test(image, wrong_type_copied)
{
	struct bytes in;

	memset(&in, 0, sizeof(in));
	put_str(&in, "GIF89a, not ours");
	expect_strip(IMAGE_PNG, &in, &in);
	expect_strip(IMAGE_JPEG, &in, &in);
	expect_strip(IMAGE_NONE, &in, &in);
}
