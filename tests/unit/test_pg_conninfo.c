/*
 * pg_conninfo.c: the timeouts every connection sends in its startup
 * packet, and when a connection needs the parent's resolved address.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "db/pg_conninfo.h"
#include "infra/settings.h"

static char *
options_of(const char *url, int statement_ms, int lock_ms)
{
	char *conninfo, *o;

	conninfo = settings_pg_conninfo(url);
	cr_assert_not_null(conninfo, "%s", url);
	o = pg_options(conninfo, statement_ms, lock_ms);
	cr_assert_not_null(o);
	free(conninfo);
	return (o);
}

Test(pg_conninfo, timeouts_after_the_urls_options)
{
	char *o;

	o = options_of("postgresql://u@db/x", 5000, 2000);
	cr_assert_str_eq(o,
	    "-c DateStyle=ISO -c statement_timeout=5000 -c lock_timeout=2000");
	free(o);
	/* the URL's own options are kept; ours come last, so they win */
	o = options_of("postgresql://u@db/x?options=-c%20statement_timeout%3D0",
	    300, 100);
	cr_assert_str_eq(o,
	    "-c statement_timeout=0 -c statement_timeout=300 -c lock_timeout=100");
	free(o);
	o = pg_options("", 1, 2);
	cr_assert_str_eq(o, "-c statement_timeout=1 -c lock_timeout=2");
	free(o);
}

Test(pg_conninfo, hostaddr_only_for_one_tcp_host_name)
{
	static const struct {
		const char *url;
		int wants;
	} cases[] = {
		{ "postgresql://u@db.internal:5432/x", 1 },
		{ "postgresql://u@127.0.0.1/x", 1 },
		{ "postgresql://u@[::1]:5433/x", 1 },
		{ "postgresql://u@db/x?hostaddr=10.0.0.5", 0 },
		{ "postgresql:///x", 0 },
		{ "postgresql://u@/x?host=/var/run/postgresql", 0 },
		{ "postgresql://u@a:5432,b:5432/x", 0 },
	};
	size_t i;
	char *c;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = settings_pg_conninfo(cases[i].url);
		cr_assert_not_null(c, "%s", cases[i].url);
		cr_expect_eq(pg_wants_hostaddr(c), cases[i].wants, "%s",
		    cases[i].url);
		free(c);
	}
}
