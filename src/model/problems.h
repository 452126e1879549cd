/*
 * 422 items in the original's shape (FastAPI/pydantic):
 * {"type","loc","msg","input","ctx"?}, collected in order (path, query,
 * body fields in schema order) and sent together.
 */
#ifndef BEE_PROBLEMS_H
#define BEE_PROBLEMS_H

#include <stddef.h>

#include <jansson.h>

enum body_status {
	BODY_OK,
	BODY_MISSING, /* no body: 422 missing at ["body"] */
	BODY_BAD_UTF8, /* 400 There was an error parsing the body */
	BODY_INVALID_JSON /* 422 json_invalid (item added) */
};

struct problems {
	json_t *items; /* owned JSON array */
};

void problems_init(struct problems *p);
void problems_free(struct problems *p);
size_t problems_count(const struct problems *p);
/* Appends one item; steals loc and ctx, borrows input. */
void problems_add(struct problems *p, const char *type, json_t *loc,
    const char *msg, json_t *input, json_t *ctx);
/* The response body {"detail":[...]}, compact; caller frees. */
char *problems_dump(const struct problems *p, size_t *len);

json_t *problem_loc(const char *where, const char *name);

/* Parses a JSON request body; on BODY_INVALID_JSON an item is added. */
enum body_status body_parse(const void *data, size_t len, struct problems *p,
    json_t **out);

/*
 * String fields of a body object. Returns 1 and *out (NULL for an
 * allowed null or an absent optional field), or 0 with an item added.
 * *present tells absent from null when the caller needs it (PATCH).
 */
struct str_rule {
	const char *name;
	int required;
	int nullable;
	size_t min; /* code points */
	size_t max;
};

int check_string(struct problems *p, json_t *body, const struct str_rule *rule,
    const char **out, int *present);
/* Path or query UUIDs: item uuid_parsing at [where, name] on failure. */
int check_uuid(struct problems *p, const char *where, const char *name,
    const char *value, char out[37]);
/* A UUID field of a body object (uuid_type for non-strings). */
int check_body_uuid(struct problems *p, json_t *body, const char *name,
    char out[37]);

#endif
