/*
 * Image type by magic bytes and metadata stripping, on whole buffers:
 * avatars are at most AVATAR_MAX_BYTES, already in memory.
 */
#include <stdint.h>
#include <string.h>

#include "model/image.h"

static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	0x1a, '\n' };

static size_t jpeg_strip(const unsigned char *, size_t, unsigned char *);
static int jpeg_segment_dropped(unsigned char, const unsigned char *, size_t);
static size_t jpeg_scan_end(const unsigned char *, size_t, size_t);
static size_t png_strip(const unsigned char *, size_t, unsigned char *);
static int png_chunk_dropped(const unsigned char *);

enum image_type
image_detect(const unsigned char *data, size_t len)
{
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return (IMAGE_JPEG);
	if (len >= sizeof(png_signature) &&
	    memcmp(data, png_signature, sizeof(png_signature)) == 0)
		return (IMAGE_PNG);
	return (IMAGE_NONE);
}

const char *
image_extension(enum image_type type)
{
	switch (type) {
	case IMAGE_JPEG:
		return ("jpg");
	case IMAGE_PNG:
		return ("png");
	case IMAGE_NONE:
	default:
		return (NULL);
	}
}

const char *
image_content_type(enum image_type type)
{
	switch (type) {
	case IMAGE_JPEG:
		return ("image/jpeg");
	case IMAGE_PNG:
		return ("image/png");
	case IMAGE_NONE:
	default:
		return (NULL);
	}
}

size_t
image_strip(enum image_type type, const unsigned char *in, size_t len,
    unsigned char *out)
{
	if (image_detect(in, len) != type)
		type = IMAGE_NONE;
	switch (type) {
	case IMAGE_JPEG:
		return (jpeg_strip(in, len, out));
	case IMAGE_PNG:
		return (png_strip(in, len, out));
	case IMAGE_NONE:
	default:
		if (len > 0)
			(void)memcpy(out, in, len);
		return (len);
	}
}

/*
 * APP0 (JFIF), APP2 holding an ICC profile and APP14 (Adobe: the colour
 * transform of CMYK files) are needed to show the image as it was; the
 * other APPn segments are Exif (with GPS), XMP, IPTC, maker notes and
 * multi-picture indexes, and COM is free text.
 */
static int
jpeg_segment_dropped(unsigned char marker, const unsigned char *payload,
    size_t plen)
{
	if (marker == 0xfe)
		return (1);
	if (marker < 0xe0 || marker > 0xef || marker == 0xe0)
		return (0);
	if (marker == 0xe2)
		return (
		    !(plen >= 12 && memcmp(payload, "ICC_PROFILE", 12) == 0));
	if (marker == 0xee)
		return (!(plen >= 5 && memcmp(payload, "Adobe", 5) == 0));
	return (1);
}

/*
 * The end of the entropy-coded data that starts at pos: the first marker
 * that is neither a stuffed 0xFF00 nor a restart marker (fill bytes
 * before it count as data).
 */
static size_t
jpeg_scan_end(const unsigned char *in, size_t len, size_t pos)
{
	unsigned char next;

	while (pos < len) {
		if (in[pos] != 0xff) {
			pos++;
			continue;
		}
		if (pos + 1 >= len)
			return (len);
		next = in[pos + 1];
		if (next == 0x00 || (next >= 0xd0 && next <= 0xd7))
			pos += 2;
		else if (next == 0xff)
			pos++;
		else
			return (pos);
	}
	return (len);
}

static size_t
jpeg_strip(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t pos, q, seglen, end, o;
	unsigned char m;

	/* SOI; image_detect saw FF D8 FF. */
	(void)memcpy(out, in, 2);
	o = 2;
	pos = 2;
	while (pos < len) {
		if (in[pos] != 0xff)
			break;
		for (q = pos; q < len && in[q] == 0xff; q++)
			;
		if (q >= len)
			break;
		m = in[q];
		if (m == 0xd9) {
			/* EOI: what follows is not part of the image. */
			(void)memcpy(out + o, in + pos, q + 1 - pos);
			return (o + q + 1 - pos);
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			/* standalone markers: no length */
			(void)memcpy(out + o, in + pos, q + 1 - pos);
			o += q + 1 - pos;
			pos = q + 1;
			continue;
		}
		if (m == 0x00 || m == 0xd8 || q + 3 > len)
			break;
		seglen = (size_t)in[q + 1] << 8 | in[q + 2];
		if (seglen < 2 || seglen > len - q - 1)
			break;
		end = q + 1 + seglen;
		if (!jpeg_segment_dropped(m, in + q + 3, seglen - 2)) {
			(void)memcpy(out + o, in + pos, end - pos);
			o += end - pos;
		}
		pos = end;
		if (m == 0xda) {
			/* SOS: its entropy-coded data, up to the next marker */
			end = jpeg_scan_end(in, len, pos);
			(void)memcpy(out + o, in + pos, end - pos);
			o += end - pos;
			pos = end;
		}
	}
	/* Not a structure we know: the rest as it is. */
	if (pos < len) {
		(void)memcpy(out + o, in + pos, len - pos);
		o += len - pos;
	}
	return (o);
}

static int
png_chunk_dropped(const unsigned char *type)
{
	static const char *dropped[] = { "tEXt", "zTXt", "iTXt", "eXIf", NULL };
	size_t i;

	for (i = 0; dropped[i] != NULL; i++) {
		if (memcmp(type, dropped[i], 4) == 0)
			return (1);
	}
	return (0);
}

static size_t
png_strip(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t pos, o, total;
	uint32_t clen;

	(void)memcpy(out, in, sizeof(png_signature));
	o = sizeof(png_signature);
	pos = sizeof(png_signature);
	/* length (4), type (4), data (length), CRC (4) */
	while (len - pos >= 12) {
		clen = (uint32_t)in[pos] << 24 | (uint32_t)in[pos + 1] << 16 |
		    (uint32_t)in[pos + 2] << 8 | (uint32_t)in[pos + 3];
		if (clen > 0x7fffffffU || clen > len - pos - 12)
			break;
		total = 12 + (size_t)clen;
		if (!png_chunk_dropped(in + pos + 4)) {
			(void)memcpy(out + o, in + pos, total);
			o += total;
		}
		if (memcmp(in + pos + 4, "IEND", 4) == 0)
			return (o);
		pos += total;
	}
	if (pos < len) {
		(void)memcpy(out + o, in + pos, len - pos);
		o += len - pos;
	}
	return (o);
}
