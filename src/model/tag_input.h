/*
 * The bodies of the tag routes, checked as the original's schemas did
 * (original.md section 5): TagsCreate ({"label"} or {"labels"}) for
 * POST /customers/{id}/tags, TagCreate for the original's
 * POST /customers/tags/. Every label is 1..50 code points, inside
 * `labels` too (the original had no limit there and answered 500), and
 * `labels` holds at most TAG_LABELS_MAX of them (one request, one
 * statement, one event per tag: bounded). Pure C.
 */
#ifndef BEE_TAG_INPUT_H
#define BEE_TAG_INPUT_H

#include <stddef.h>

#include <jansson.h>

#include "model/problems.h"
#include "model/uuid.h"

#define TAG_LABEL_MAX 50
#define TAG_COLOR_MAX 20
#define TAG_LABELS_MAX 100

struct tag_input {
	char *labels; /* the labels as a JSON array text, owned */
	size_t nlabels;
	int duplicate; /* a label given twice: 400, not 422 */
	/* TagCreate only; the batch form leaves them empty */
	char *color; /* owned; NULL is SQL NULL */
	char priority[12]; /* decimal, a PostgreSQL integer */
	char created_by[UUID_STRLEN]; /* "" when absent or null */
	char customer_id[UUID_STRLEN];
};

/*
 * TagsCreate. 1 when valid (in->duplicate still to be checked); else 0
 * with items added: label, labels, then the model rule at ["body"].
 */
int tag_input_batch(json_t *body, struct problems *p, struct tag_input *in);
/* TagCreate, items in its field order: label, color, priority, created_by,
 * customer_id. */
int tag_input_single(json_t *body, struct problems *p, struct tag_input *in);
void tag_input_free(struct tag_input *in);

#endif
