/* access.c: which rows a token reaches, as SQL parameters. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "http/access.h"

#define SUB "3f2a6c1e-9b4d-4e2f-8a7b-0c1d2e3f4a5b"
#define B1 "11111111-1111-4111-8111-111111111111"
#define B2 "22222222-2222-4222-8222-222222222222"

static void claims(struct claims *, enum role);

static void
claims(struct claims *c, enum role role)
{
	memset(c, 0, sizeof(*c));
	(void)snprintf(c->sub, sizeof(c->sub), "%s", SUB);
	c->role = role;
}

Test(access, superadmin_reaches_all)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_SUPERADMIN);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "all");
	cr_assert(access_customer_role(&c));
}

Test(access, internal_reaches_all)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_INTERNAL);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "all");
	cr_assert(access_customer_role(&c));
}

Test(access, customer_reaches_own_rows)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_CUSTOMER);
	c.nbusinesses = 1;
	(void)snprintf(c.businesses[0], UUID_STRLEN, "%s", B1);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "user");
	cr_assert_str_eq(s.user, SUB);
	cr_assert(access_customer_role(&c));
}

Test(access, admin_reaches_their_businesses)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_ADMIN);
	c.nbusinesses = 2;
	(void)snprintf(c.businesses[0], UUID_STRLEN, "%s", B1);
	(void)snprintf(c.businesses[1], UUID_STRLEN, "%s", B2);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "business");
	cr_assert_str_eq(s.list, "{" B1 "," B2 "}");
	cr_assert(access_customer_role(&c));
}

Test(access, admin_with_one_business)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_ADMIN);
	c.nbusinesses = 1;
	(void)snprintf(c.businesses[0], UUID_STRLEN, "%s", B2);
	access_scope(&c, &s);
	cr_assert_str_eq(s.list, "{" B2 "}");
}

Test(access, admin_without_business_reaches_nothing)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_ADMIN);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "business");
	cr_assert_str_eq(s.list, "{}");
}

Test(access, admin_with_the_most_businesses)
{
	struct claims c;
	struct scope s;
	size_t i;

	claims(&c, ROLE_ADMIN);
	c.nbusinesses = CLAIMS_MAX_BUSINESSES;
	for (i = 0; i < CLAIMS_MAX_BUSINESSES; i++)
		(void)snprintf(c.businesses[i], UUID_STRLEN,
		    "00000000-0000-4000-8000-%012zx", i);
	access_scope(&c, &s);
	cr_assert_eq(strlen(s.list),
	    2 + 36 * CLAIMS_MAX_BUSINESSES + (CLAIMS_MAX_BUSINESSES - 1));
	cr_assert_eq(strncmp(s.list,
			 "{00000000-0000-4000-8000-000000000000,"
			 "00000000-0000-4000-8000-000000000001,",
			 75),
	    0, "%s", s.list);
	cr_assert_str_eq(s.list + strlen(s.list) - 38,
	    ",00000000-0000-4000-8000-00000000003f}");
}

Test(access, other_roles_reach_nothing)
{
	struct claims c;
	struct scope s;

	claims(&c, ROLE_OTHER);
	access_scope(&c, &s);
	cr_assert_str_eq(s.kind, "none");
	cr_assert_not(access_customer_role(&c));
}

Test(access, claims_has_business)
{
	struct claims c;

	claims(&c, ROLE_ADMIN);
	cr_assert_not(claims_has_business(&c, B1));
	c.nbusinesses = 2;
	(void)snprintf(c.businesses[0], UUID_STRLEN, "%s", B1);
	(void)snprintf(c.businesses[1], UUID_STRLEN, "%s", B2);
	cr_assert(claims_has_business(&c, B1));
	cr_assert(claims_has_business(&c, B2));
	cr_assert_not(claims_has_business(&c, SUB));
}
