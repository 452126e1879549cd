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
