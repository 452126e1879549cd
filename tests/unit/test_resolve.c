/*
 * resolve.c: which failed lookups keep the last good address. A resolver
 * down for a moment must not make a dependency whose old address still
 * works refuse every connect; a name that is gone must.
 */
#include <netdb.h>

#include <criterion/criterion.h>

#include "infra/resolve.h"

Test(resolve, temporary_failures_keep_the_old_address)
{
	cr_assert_eq(resolve_failure_keeps(EAI_AGAIN), 1);
	cr_assert_eq(resolve_failure_keeps(EAI_SYSTEM), 1);
	cr_assert_eq(resolve_failure_keeps(EAI_MEMORY), 1);
	cr_assert_eq(resolve_failure_keeps(EAI_FAIL), 1);
}

Test(resolve, a_name_without_address_replaces_it)
{
	cr_assert_eq(resolve_failure_keeps(EAI_NONAME), 0);
	cr_assert_eq(resolve_failure_keeps(EAI_NODATA), 0);
	cr_assert_eq(resolve_failure_keeps(EAI_ADDRFAMILY), 0);
}
