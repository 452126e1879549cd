/*
 * GET /customers?business_id=&query=&search=&skip=&limit= (docs/api.md): who
 * may list which business, the query string's 422 items in the original's
 * order, matching by name, email or phone with '%' and '_' taken literally, the
 * order (full_name, id) and paging. Every test lists a fresh random business,
 * seeded through SQL (ids chosen by the test, so ties by name have a known
 * order).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "customer.h"
#include "db.h"
#include "expect.h"
#include "http.h"
#include "token.h"
#include "uuid4.h"

#define MSG_INT \
	"Input should be a valid integer, unable to parse string as an integer"
#define MSG_GE0 "Input should be greater than or equal to 0"
#define MSG_GE1 "Input should be greater than or equal to 1"
#define MSG_LE500 "Input should be less than or equal to 500"
#define MSG_SHORT3 "String should have at least 3 characters"

struct seeded {
	char id[UUID_STR_LEN];
	const char *name;
};

static void seed(const char *, const char *, const char *, const char *,
    char[UUID_STR_LEN]);
static char *qs_enc(const char *);
static struct http_resp *list_as(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *expect_list(struct http_resp *);
static void expect_ids(json_t *, const char *const *, size_t);
static json_t *list_422(const char *);
static void expect_ctx_int(json_t *, const char *, long);
static char *tok_admin_of(const char *, const char *, const char *);
static void expect_admin_lists(const char *, int);
static int by_name_id(const void *, const void *);

/*
 * A customer row written directly: a known id, name, email and phone (NULL:
 * none), in business bid, for a fresh user. Later columns take their
 * defaults. (A NULL would end db_exec's parameters, hence NULLIF.)
 */
static void
seed(const char *bid, const char *name, const char *email, const char *phone,
    char id[UUID_STR_LEN])
{
	char uid[UUID_STR_LEN];

	uuid4(id);
	uuid4(uid);
	db_exec("INSERT INTO customers (id, user_id, business_id, full_name, "
		"email, phone, created_at, updated_at) VALUES ($1, $2, $3, "
		"$4, $5, NULLIF($6, ''), now() AT TIME ZONE 'utc', "
		"now() AT TIME ZONE 'utc')",
	    id, uid, bid, name, email ? email : "seed@example.com",
	    phone ? phone : "", DB_END);
}

/* Percent-encodes all but the unreserved characters of RFC 3986. */
static char *
qs_enc(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *o;

	out = malloc(strlen(s) * 3 + 1);
	cr_assert(out != NULL);
	for (o = out; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return (out);
}

/* GET of a path built like printf (the query string included). */
static struct http_resp *
list_as(const char *tok, const char *fmt, ...)
{
	struct http_resp *r;
	va_list ap;
	char *path;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) == -1)
		cr_assert_fail("out of memory");
	va_end(ap);
	r = http_req_tok("GET", path, tok, NULL);
	free(path);
	return (r);
}

/* A 200 JSON array of customers, each of the exact shape; frees r. */
static json_t *
expect_list(struct http_resp *r)
{
	json_t *j, *c;
	size_t i;

	expect_status(r, 200);
	expect_json_ct(r);
	expect_module_headers(r);
	j = resp_json(r);
	cr_assert(json_is_array(j), "not an array: %s", r->body);
	json_array_foreach(j, i, c)
		expect_customer(c);
	http_resp_free(r);
	return (j);
}

/* Exactly these ids, in this order; frees the list. */
static void
expect_ids(json_t *list, const char *const *ids, size_t n)
{
	char *all;
	size_t i;

	all = json_dumps(list, JSON_COMPACT);
	cr_assert_eq(json_array_size(list), n, "want %zu customers, got %s", n,
	    all);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(json_str(json_array_get(list, i), "id"),
		    ids[i], "item %zu of %s", i, all);
	free(all);
	json_decref(list);
}

static int
by_name_id(const void *a, const void *b)
{
	const struct seeded *x = a, *y = b;
	int c;

	c = strcmp(x->name, y->name);
	return (c != 0 ? c : strcmp(x->id, y->id));
}

/* ---- who may list what ---- */

Test(list, superadmin_lists_a_business_in_order)
{
	struct seeded s[4] = { { .name = "Cezar Marin" },
		{ .name = "Anca Dobre" }, { .name = "Bogdan Ilie" },
		{ .name = "Anca Dobre" } };
	const char *ids[4];
	char bid[UUID_STR_LEN], *tok;
	size_t i;

	uuid4(bid);
	for (i = 0; i < 4; i++)
		seed(bid, s[i].name, NULL, NULL, s[i].id);
	/* full_name, then id for the two of the same name */
	qsort(s, 4, sizeof(s[0]), by_name_id);
	for (i = 0; i < 4; i++)
		ids[i] = s[i].id;
	tok = tok_superadmin();
	expect_ids(expect_list(list_as(tok, "/customers?business_id=%s", bid)),
	    ids, 4);
	free(tok);
}

/* A list item is the same object GET /customers/{id} returns. */
Test(list, items_are_the_customer_shape)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], uid[UUID_STR_LEN];
	char path[128], *tok, *a, *b;
	json_t *list, *one;

	uuid4(bid);
	cust_create(bid, id, uid);
	tok = tok_superadmin();
	list = expect_list(list_as(tok, "/customers?business_id=%s", bid));
	cr_assert_eq(json_array_size(list), 1);
	snprintf(path, sizeof(path), "/customers/%s", id);
	r = http_req_tok("GET", path, tok, NULL);
	expect_status(r, 200);
	one = resp_json(r);
	a = json_dumps(json_array_get(list, 0), JSON_COMPACT);
	b = json_dumps(one, JSON_COMPACT);
	cr_assert_str_eq(a, b);
	cr_assert_str_eq(json_str(one, "user_id"), uid);
	free(a);
	free(b);
	json_decref(one);
	json_decref(list);
	http_resp_free(r);
	free(tok);
}

/* An admin token of role `role` for bid, or for other and bid. */
static char *
tok_admin_of(const char *role, const char *other, const char *bid)
{
	char sub[UUID_STR_LEN], claims[512];
	long exp;

	uuid4(sub);
	exp = (long)time(NULL) + TOK_TTL;
	if (other != NULL)
		snprintf(claims, sizeof(claims),
		    "{\"sub\":\"%s\",\"role\":\"%s\",\"business_ids\":"
		    "[\"%s\",\"%s\"],\"exp\":%ld}",
		    sub, role, other, bid, exp);
	else
		snprintf(claims, sizeof(claims),
		    "{\"sub\":\"%s\",\"role\":\"%s\",\"business_id\":"
		    "\"%s\",\"exp\":%ld}",
		    sub, role, bid, exp);
	return (tok_claims(claims, JWT_ALG_HS256, NULL));
}

static void
expect_admin_lists(const char *role, int two_businesses)
{
	char bid[UUID_STR_LEN], other[UUID_STR_LEN], id[UUID_STR_LEN], *tok;
	const char *ids[1];

	uuid4(bid);
	uuid4(other);
	seed(bid, "Dana Stan", NULL, NULL, id);
	tok = tok_admin_of(role, two_businesses ? other : NULL, bid);
	ids[0] = id;
	expect_ids(expect_list(list_as(tok, "/customers?business_id=%s", bid)),
	    ids, 1);
	free(tok);
}

Test(list, admin_business_of_that_business)
{
	expect_admin_lists("admin_business", 0);
}

Test(list, admin_manager_of_that_business)
{
	expect_admin_lists("admin_manager", 0);
}

Test(list, admin_by_business_ids_second_entry)
{
	expect_admin_lists("admin_business", 1);
}

Test(list, admin_without_business_id_is_422_missing)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], *tok;
	json_t *j;

	uuid4(bid);
	tok = tok_admin(bid);
	r = list_as(tok, "/customers");
	j = expect_422(r);
	cr_assert_eq(items_count(j), 1, "%s", r->body);
	expect_item(j, "[\"query\",\"business_id\"]", "missing",
	    "Field required");
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(list, admin_of_another_business_403)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], mine[UUID_STR_LEN], id[UUID_STR_LEN], *tok;

	uuid4(bid);
	uuid4(mine);
	seed(bid, "Elena Vlad", NULL, NULL, id);
	tok = tok_admin(mine);
	r = list_as(tok, "/customers?business_id=%s", bid);
	expect_detail(r, 403, "Admin privileges required");
	http_resp_free(r);
	free(tok);
}

Test(list, admin_token_without_business_403)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN], *tok;

	uuid4(bid);
	tok = tok_role("admin_business");
	r = list_as(tok, "/customers?business_id=%s", bid);
	expect_detail(r, 403, "Token has no business");
	http_resp_free(r);
	free(tok);
}

/* Without business_id a superadmin searches every business. */
Test(list, superadmin_without_business_id_lists_all)
{
	struct seeded s[2];
	char b1[UUID_STR_LEN], b2[UUID_STR_LEN], mark[UUID_STR_LEN];
	char n1[64], n2[64], *tok;
	const char *ids[2];
	size_t i;

	uuid4(b1);
	uuid4(b2);
	uuid4(mark);
	mark[8] = '\0';
	snprintf(n1, sizeof(n1), "Zamfir %s One", mark);
	snprintf(n2, sizeof(n2), "Zamfir %s Two", mark);
	s[0].name = n1;
	s[1].name = n2;
	seed(b2, n2, NULL, NULL, s[1].id);
	seed(b1, n1, NULL, NULL, s[0].id);
	for (i = 0; i < 2; i++)
		ids[i] = s[i].id;
	tok = tok_superadmin();
	expect_ids(expect_list(list_as(tok, "/customers?query=%s", mark)), ids,
	    2);
	free(tok);
}

static void
expect_list_forbidden(char *tok)
{
	struct http_resp *r;
	char bid[UUID_STR_LEN];

	uuid4(bid);
	r = list_as(tok, "/customers?business_id=%s", bid);
	expect_detail(r, 403, "Admin privileges required");
	http_resp_free(r);
	r = list_as(tok, "/customers");
	expect_detail(r, 403, "Admin privileges required");
	http_resp_free(r);
	free(tok);
}

Test(list, customer_forbidden)
{
	char sub[UUID_STR_LEN];

	uuid4(sub);
	expect_list_forbidden(tok_customer(sub));
}

Test(list, client_forbidden)
{
	expect_list_forbidden(tok_role("client"));
}

Test(list, internal_forbidden)
{
	expect_list_forbidden(tok_internal());
}

Test(list, courier_forbidden)
{
	expect_list_forbidden(tok_role("courier"));
}

Test(list, collaborator_forbidden)
{
	expect_list_forbidden(tok_role("collaborator"));
}

Test(list, no_token_401)
{
	struct http_resp *r;

	r = http_req("GET", "/customers", NULL, NULL, 0);
	expect_detail(r, 401, "Not authenticated");
	cr_assert_str_eq(http_hdr(r, "www-authenticate"), "Bearer");
	http_resp_free(r);
}

/* An admin never sees another business's rows, whatever the query. */
Test(list, admin_never_sees_other_businesses)
{
	char mine[UUID_STR_LEN], other[UUID_STR_LEN], mark[UUID_STR_LEN];
	char id[UUID_STR_LEN], theirs[UUID_STR_LEN], name[64], *tok;
	const char *ids[1];

	uuid4(mine);
	uuid4(other);
	uuid4(mark);
	mark[8] = '\0';
	snprintf(name, sizeof(name), "Tenant %s", mark);
	seed(mine, name, NULL, NULL, id);
	seed(other, name, NULL, NULL, theirs);
	tok = tok_admin(mine);
	ids[0] = id;
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&query=%s", mine, mark)),
	    ids, 1);
	expect_ids(expect_list(list_as(tok, "/customers?business_id=%s", mine)),
	    ids, 1);
	free(tok);
}

/* ---- both path forms ---- */

static void
expect_listed_on(const char *prefix)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], *tok;
	const char *ids[1];

	uuid4(bid);
	seed(bid, "Florin Pop", NULL, NULL, id);
	tok = tok_admin(bid);
	ids[0] = id;
	expect_ids(expect_list(list_as(tok, "%s?business_id=%s", prefix, bid)),
	    ids, 1);
	free(tok);
}

Test(list_paths, customers_slash)
{
	expect_listed_on("/customers/");
}

Test(list_paths, api_customers)
{
	expect_listed_on("/api/customers");
}

Test(list_paths, api_customers_slash)
{
	expect_listed_on("/api/customers/");
}

/* ---- 422 items of the query string ---- */

/* The 422 of a superadmin's list with this query string. */
static json_t *
list_422(const char *qs)
{
	struct http_resp *r;
	char *tok;
	json_t *j;

	tok = tok_superadmin();
	r = list_as(tok, "/customers?%s", qs);
	j = expect_422(r);
	http_resp_free(r);
	free(tok);
	return (j);
}

static void
expect_ctx_int(json_t *item, const char *key, long want)
{
	json_t *v;

	v = json_object_get(json_object_get(item, "ctx"), key);
	cr_assert(json_is_integer(v), "no integer ctx.%s", key);
	cr_assert_eq(json_integer_value(v), want, "ctx.%s", key);
}

static void
expect_input_str(json_t *item, const char *want)
{
	cr_assert_str_eq(json_str(item, "input"), want, "input");
}

Test(list_422, skip_not_integer)
{
	json_t *j, *it;

	j = list_422("skip=abc");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"query\",\"skip\"]", "int_parsing", MSG_INT);
	expect_input_str(it, "abc");
	json_decref(j);
}

Test(list_422, skip_negative)
{
	json_t *j, *it;

	j = list_422("skip=-1");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"query\",\"skip\"]", "greater_than_equal",
	    MSG_GE0);
	expect_input_str(it, "-1");
	expect_ctx_int(it, "ge", 0);
	json_decref(j);
}

Test(list_422, limit_not_integer)
{
	json_t *j;

	j = list_422("limit=ten");
	expect_item(j, "[\"query\",\"limit\"]", "int_parsing", MSG_INT);
	json_decref(j);
}

Test(list_422, limit_zero)
{
	json_t *j, *it;

	j = list_422("limit=0");
	it = expect_item(j, "[\"query\",\"limit\"]", "greater_than_equal",
	    MSG_GE1);
	expect_ctx_int(it, "ge", 1);
	json_decref(j);
}

Test(list_422, limit_over_500)
{
	json_t *j, *it;

	j = list_422("limit=501");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"query\",\"limit\"]", "less_than_equal",
	    MSG_LE500);
	expect_input_str(it, "501");
	expect_ctx_int(it, "le", 500);
	json_decref(j);
}

Test(list_422, limit_beyond_int64)
{
	json_t *j;

	j = list_422("limit=99999999999999999999999");
	cr_assert_eq(items_count(j), 1);
	/* pydantic parses big integers, then the bound fails */
	expect_item(j, "[\"query\",\"limit\"]", "less_than_equal", MSG_LE500);
	json_decref(j);
}

Test(list_422, business_id_not_uuid)
{
	json_t *j, *it;

	j = list_422("business_id=xyz");
	cr_assert_eq(items_count(j), 1);
	it =
	    expect_item(j, "[\"query\",\"business_id\"]", "uuid_parsing", NULL);
	cr_assert(strncmp(json_str(it, "msg"), "Input should be a valid UUID",
		      28) == 0,
	    "msg %s", json_str(it, "msg"));
	expect_input_str(it, "xyz");
	json_decref(j);
}

Test(list_422, query_too_short)
{
	json_t *j, *it;

	j = list_422("query=ab");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"query\",\"query\"]", "string_too_short",
	    MSG_SHORT3);
	expect_input_str(it, "ab");
	expect_ctx_int(it, "min_length", 3);
	json_decref(j);
}

Test(list_422, search_too_short)
{
	json_t *j, *it;

	j = list_422("search=ab");
	cr_assert_eq(items_count(j), 1);
	it = expect_item(j, "[\"query\",\"search\"]", "string_too_short",
	    MSG_SHORT3);
	expect_ctx_int(it, "min_length", 3);
	json_decref(j);
}

/* Two code points in four bytes are still too short. */
Test(list_422, query_length_in_code_points)
{
	json_t *j;

	j = list_422("query=%C4%83%C8%99");
	expect_item(j, "[\"query\",\"query\"]", "string_too_short", MSG_SHORT3);
	json_decref(j);
}

Test(list_422, every_item_in_the_originals_order)
{
	static const char *locs[] = { "[\"query\",\"skip\"]",
		"[\"query\",\"limit\"]", "[\"query\",\"business_id\"]",
		"[\"query\",\"query\"]", "[\"query\",\"search\"]" };
	json_t *j;

	/* given in reverse order: the answer follows the schema */
	j = list_422("search=x&query=y&business_id=z&limit=-5&skip=s");
	expect_item_locs(j, locs, 5);
	json_decref(j);
}

/* Query parameters come before the role check (docs/api.md). */
Test(list_422, before_the_role_check)
{
	struct http_resp *r;
	char sub[UUID_STR_LEN], *tok;
	json_t *j;

	uuid4(sub);
	tok = tok_customer(sub);
	r = list_as(tok, "/customers?skip=-1");
	j = expect_422(r);
	expect_item(j, "[\"query\",\"skip\"]", "greater_than_equal", MSG_GE0);
	json_decref(j);
	http_resp_free(r);
	free(tok);
}

Test(list, bounds_accepted)
{
	char bid[UUID_STR_LEN], id[UUID_STR_LEN], *tok;
	const char *ids[1];

	uuid4(bid);
	seed(bid, "Gelu Radu", NULL, NULL, id);
	ids[0] = id;
	tok = tok_superadmin();
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&skip=0&limit=1", bid)),
	    ids, 1);
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&limit=500", bid)),
	    ids, 1);
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&query=abc&query=Gel", bid)),
	    ids, 1);
	free(tok);
}

/* ---- matching ---- */

/* A business with rows that tell literal matching from wildcards. */
struct fixture {
	char bid[UUID_STR_LEN];
	char pct[UUID_STR_LEN]; /* "Alpha 50% Club" */
	char nopct[UUID_STR_LEN]; /* "Beta 500 Club" */
	char under[UUID_STR_LEN]; /* "Gamma_X Ltd" */
	char nound[UUID_STR_LEN]; /* "GammaYX Ltd" */
	char mail[UUID_STR_LEN]; /* email Zorro.Mail@example.com */
	char tel[UUID_STR_LEN]; /* phone +40711222333 */
	char bs[UUID_STR_LEN]; /* "Back\slash Name" */
	char space[UUID_STR_LEN]; /* "Ioana Maria Pop" */
};

static void
fixture(struct fixture *f)
{
	uuid4(f->bid);
	seed(f->bid, "Alpha 50% Club", NULL, NULL, f->pct);
	seed(f->bid, "Beta 500 Club", NULL, NULL, f->nopct);
	seed(f->bid, "Gamma_X Ltd", NULL, NULL, f->under);
	seed(f->bid, "GammaYX Ltd", NULL, NULL, f->nound);
	seed(f->bid, "Henric Ursu", "Zorro.Mail@example.com", NULL, f->mail);
	seed(f->bid, "Iulian Vasile", NULL, "+40711222333", f->tel);
	seed(f->bid, "Back\\slash Name", NULL, NULL, f->bs);
	seed(f->bid, "Ioana Maria Pop", NULL, NULL, f->space);
}

/* The ids a superadmin finds in f's business with param=term. */
static void
expect_found(const struct fixture *f, const char *param, const char *term,
    const char *const *ids, size_t n)
{
	char *tok, *enc;

	tok = tok_superadmin();
	enc = qs_enc(term);
	expect_ids(expect_list(list_as(tok, "/customers?business_id=%s&%s=%s",
		       f->bid, param, enc)),
	    ids, n);
	free(enc);
	free(tok);
}

Test(search, percent_is_literal)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.pct;
	expect_found(&f, "query", "50%", ids, 1);
	expect_found(&f, "query", "0% C", ids, 1);
	/* "%%%" matches no name: it is not "anything" */
	expect_found(&f, "query", "%%%", ids, 0);
}

Test(search, underscore_is_literal)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.under;
	expect_found(&f, "query", "a_X", ids, 1);
	expect_found(&f, "query", "___", ids, 0);
}

Test(search, backslash_is_literal)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.bs;
	expect_found(&f, "query", "k\\s", ids, 1);
}

Test(search, case_insensitive_name)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.pct;
	expect_found(&f, "query", "ALPHA", ids, 1);
	expect_found(&f, "query", "lpha 5", ids, 1);
}

Test(search, by_email)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.mail;
	expect_found(&f, "query", "zorro.mail@", ids, 1);
	expect_found(&f, "query", "ZORRO", ids, 1);
}

Test(search, by_phone)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.tel;
	expect_found(&f, "query", "711222", ids, 1);
	expect_found(&f, "query", "+4071122", ids, 1);
}

Test(search, search_alias)
{
	struct fixture f;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.mail;
	expect_found(&f, "search", "zorro", ids, 1);
}

/* Several matches, in the database's order of (full_name, id). */
Test(search, matches_several_in_order)
{
	struct fixture f;
	const char *ids[2];
	char *first;

	fixture(&f);
	/* "Gamma_X Ltd" and "GammaYX Ltd": their order is the collation's */
	first = db_value("SELECT id::text FROM customers WHERE id IN ($1, $2) "
			 "ORDER BY full_name, id LIMIT 1",
	    f.under, f.nound, DB_END);
	cr_assert_not_null(first);
	ids[0] = strcmp(first, f.under) == 0 ? f.under : f.nound;
	ids[1] = ids[0] == f.under ? f.nound : f.under;
	expect_found(&f, "query", "gamma", ids, 2);
	free(first);
}

/*
 * A business's search tests each row's fields joined in one text first
 * (src/api/customer_search.h): a term spanning the end of one field, the
 * joining character and the start of the next still matches nothing.
 */
Test(search, nothing_across_fields)
{
	static const char *const across[] = { "ursu\x1fzorro", "ursu\x1f",
		"\x1fzorro" };
	struct fixture f;
	const char *ids[1];
	size_t i;

	fixture(&f);
	ids[0] = f.mail;
	expect_found(&f, "query", "Ursu", ids, 1);
	for (i = 0; i < sizeof(across) / sizeof(across[0]); i++)
		expect_found(&f, "query", across[i], NULL, 0);
}

Test(search, no_match_is_empty)
{
	struct fixture f;

	fixture(&f);
	expect_found(&f, "query", "nothing-like-this", NULL, 0);
}

/* Browsers' forms send a space as '+' (application/x-www-form-urlencoded). */
Test(search, plus_is_a_space)
{
	struct fixture f;
	char *tok;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.space;
	tok = tok_superadmin();
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&query=Maria+Pop", f.bid)),
	    ids, 1);
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&query=Maria%%20Pop", f.bid)),
	    ids, 1);
	free(tok);
}

/* With both, query wins (the original: `query or search`). */
Test(search, query_wins_over_search)
{
	struct fixture f;
	char *tok;
	const char *ids[1];

	fixture(&f);
	ids[0] = f.pct;
	tok = tok_superadmin();
	expect_ids(expect_list(list_as(tok,
		       "/customers?business_id=%s&query=Alpha&search=Gamma",
		       f.bid)),
	    ids, 1);
	free(tok);
}

/* ---- paging ---- */

Test(paging, pages_are_stable_slices)
{
	static const char *names[] = { "Pavel Ene", "Ana Ene", "Pavel Ene",
		"Mara Ene", "Pavel Ene", "Dan Ene", "Ana Ene" };
	struct seeded s[7];
	const char *ids[7];
	char bid[UUID_STR_LEN], *tok;
	json_t *list;
	size_t i, skip, n;

	uuid4(bid);
	for (i = 0; i < 7; i++) {
		s[i].name = names[i];
		seed(bid, names[i], NULL, NULL, s[i].id);
	}
	qsort(s, 7, sizeof(s[0]), by_name_id);
	for (i = 0; i < 7; i++)
		ids[i] = s[i].id;
	tok = tok_admin(bid);
	for (skip = 0; skip < 9; skip += 3) {
		n = skip >= 7 ? 0 : (7 - skip < 3 ? 7 - skip : 3);
		list = expect_list(list_as(tok,
		    "/customers?business_id=%s&skip=%zu&limit=3", bid, skip));
		expect_ids(list, ids + skip, n);
	}
	expect_ids(expect_list(
		       list_as(tok, "/customers?business_id=%s&skip=100", bid)),
	    NULL, 0);
	free(tok);
}

Test(paging, default_limit_is_100)
{
	char bid[UUID_STR_LEN], *tok;
	json_t *list;

	uuid4(bid);
	cr_assert_eq(db_exec("INSERT INTO customers (id, user_id, business_id, "
			     "full_name, email, created_at, updated_at) "
			     "SELECT gen_random_uuid(), gen_random_uuid(), $1, "
			     "'Bulk ' || lpad(g::text, 3, '0'), "
			     "'bulk@example.com', now() AT TIME ZONE 'utc', "
			     "now() AT TIME ZONE 'utc' "
			     "FROM generate_series(1, 101) g",
			 bid, DB_END),
	    101);
	tok = tok_admin(bid);
	list = expect_list(list_as(tok, "/customers?business_id=%s", bid));
	cr_assert_eq(json_array_size(list), 100);
	cr_assert_str_eq(json_str(json_array_get(list, 0), "full_name"),
	    "Bulk 001");
	cr_assert_str_eq(json_str(json_array_get(list, 99), "full_name"),
	    "Bulk 100");
	json_decref(list);
	list = expect_list(
	    list_as(tok, "/customers?business_id=%s&limit=500", bid));
	cr_assert_eq(json_array_size(list), 101);
	json_decref(list);
	list = expect_list(
	    list_as(tok, "/customers?business_id=%s&skip=100", bid));
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_str_eq(json_str(json_array_get(list, 0), "full_name"),
	    "Bulk 101");
	json_decref(list);
	free(tok);
}
