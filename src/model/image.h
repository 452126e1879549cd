/*
 * Avatar images: the type by magic bytes (never by what the client says),
 * and the same image without its metadata (design.md section 5). Pure C,
 * tested in tests/unit/test_image.c.
 */
#ifndef BEE_IMAGE_H
#define BEE_IMAGE_H

#include <stddef.h>

enum image_type { IMAGE_NONE, IMAGE_JPEG, IMAGE_PNG };

/* JPEG (FF D8 FF) or PNG (the 8-byte signature), else IMAGE_NONE. */
enum image_type image_detect(const unsigned char *data, size_t len);

/* "jpg" or "png" (NULL for IMAGE_NONE). */
const char *image_extension(enum image_type type);
/* "image/jpeg" or "image/png" (NULL for IMAGE_NONE). */
const char *image_content_type(enum image_type type);

/*
 * Copies the image to out (room for len bytes: the result is never
 * longer) without its metadata, and returns the length written:
 * - JPEG: every APPn segment except APP0 (JFIF), APP2 ICC_PROFILE and
 *   APP14 Adobe (needed to decode), and every COM segment; bytes after
 *   EOI (where phones append motion videos and secondary images) dropped.
 * - PNG: tEXt, zTXt, iTXt and eXIf chunks; bytes after IEND dropped.
 * Everything else is copied byte for byte. Once the structure stops
 * making sense (a length past the end, a missing marker) the rest is
 * copied as it is: the type was decided by the magic bytes, and a file
 * this code cannot parse is not one a camera wrote.
 */
size_t image_strip(enum image_type type, const unsigned char *in, size_t len,
    unsigned char *out);

#endif
