/*
 * Tenant rules as SQL parameters: which customers a token reaches
 * (design.md section 3). Pure C, tested in tests/unit.
 */
#ifndef BEE_ACCESS_H
#define BEE_ACCESS_H

#include "model/token.h"

#define SCOPE_LIST_MAX (CLAIMS_MAX_BUSINESSES * UUID_STRLEN + 3)

struct scope {
	const char *kind; /* all, business, user, none */
	char list[SCOPE_LIST_MAX]; /* {uuid,uuid} */
	char user[UUID_STRLEN];
};

void access_scope(const struct claims *c, struct scope *s);
/* The scope as three statement parameters: kind, list, user. */
void access_params(const struct scope *s, const char **values);
/* May this role use a route about one customer (profile, stats, ...)? */
int access_customer_role(const struct claims *c);

#endif
