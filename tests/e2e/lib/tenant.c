/*
 * The fixture test_notes.c and test_tags.c share (tenant.h): written once
 * so that both resources are tested against the same tenant set-up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "customer.h"
#include "expect.h"
#include "tenant.h"
#include "token.h"

void
tenant_init(struct tenant_fx *f)
{
	uuid4(f->biz);
	cust_create(f->biz, f->cid, f->uid);
	uuid4(f->sub);
	f->admin = tok_sub("admin_business", f->sub, f->biz);
}

void
tenant_free(struct tenant_fx *f)
{
	free(f->admin);
}

struct http_resp *
tenant_req(const char *method, const char *fmt, const char *a, const char *b,
    const char *tok, const char *json)
{
	struct http_resp *r;
	char *path;

	cr_assert(asprintf(&path, fmt, a, b) != -1);
	r = http_req_tok(method, path, tok, json);
	free(path);
	return (r);
}

void
tenant_delete_bad_ids(const struct tenant_fx *f, const char *res,
    const char *id_name)
{
	struct http_resp *r;
	char item[128], loc[64];
	json_t *j, *d;

	snprintf(item, sizeof(item), "/customers/%%s/%s/%%s", res);
	snprintf(loc, sizeof(loc), "[\"path\",\"%s\"]", id_name);
	r = tenant_req("DELETE", item, "bad", "worse", f->admin, NULL);
	j = expect_422(r);
	d = json_object_get(j, "detail");
	cr_assert_eq(json_array_size(d), 2);
	cr_assert_str_eq(json_str(json_array_get(d, 0), "input"), "bad");
	cr_assert_str_eq(json_str(json_array_get(d, 1), "input"), "worse");
	expect_item(j, "[\"path\",\"customer_id\"]", "uuid_parsing", NULL);
	expect_item(j, loc, "uuid_parsing", NULL);
	json_decref(j);
	http_resp_free(r);
}

void
tenant_routes(const char *res, const char *cid, const char *id,
    const char *body, const char *tok, int status, const char *detail)
{
	char list[128], item[128];

	snprintf(list, sizeof(list), "/customers/%%s/%s", res);
	snprintf(item, sizeof(item), "/customers/%%s/%s/%%s", res);
	expect_detail_and_free(tenant_req("POST", list, cid, NULL, tok, body),
	    status, detail);
	expect_detail_and_free(tenant_req("GET", list, cid, NULL, tok, NULL),
	    status, detail);
	expect_detail_and_free(tenant_req("DELETE", item, cid, id, tok, NULL),
	    status, detail);
}

void
tenant_post_and_list(struct tenant_fx *f, const char *fmt, const char *json,
    size_t n)
{
	struct http_resp *r;
	json_t *j;

	r = tenant_req("POST", fmt, f->cid, NULL, f->admin, json);
	expect_status(r, 201);
	http_resp_free(r);
	r = tenant_req("GET", fmt, f->cid, NULL, f->admin, NULL);
	expect_status(r, 200);
	j = resp_json(r);
	cr_assert_eq(json_array_size(j), n, "via %s", fmt);
	json_decref(j);
	http_resp_free(r);
}

void
tenant_roles_that_may_not(tenant_routes_fn routes)
{
	static const char *roles[] = { "customer", "client", "internal",
		"courier", "collaborator" };
	struct tenant_fx fx, *f = &fx;
	char other[UUID_STR_LEN];
	char *tok;
	size_t i;

	tenant_init(f);
	/* the customer themselves, by both customer role names */
	for (i = 0; i < 2; i++) {
		tok = tok_sub(roles[i], f->uid, NULL);
		routes(f, tok, 403, "Admin privileges required");
		free(tok);
	}
	for (i = 2; i < 5; i++) {
		uuid4(other);
		tok = tok_sub(roles[i], other, f->biz);
		routes(f, tok, 403, "Admin privileges required");
		free(tok);
	}
	uuid4(other);
	tok = tok_sub("admin_business", other, NULL);
	routes(f, tok, 403, "Token has no business");
	free(tok);
	tenant_free(f);
}
