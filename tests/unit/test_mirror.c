/*
 * mirror.c: REDIS_URL forms (password, database, port) and a connection
 * refused quickly, so the publisher falls back to keeping rows unsent.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "events/mirror.h"

Test(mirror, parses_plain_url_with_defaults)
{
	struct mirror_url u;

	cr_assert_eq(mirror_parse_url("redis://cache", &u), 0);
	cr_assert_str_eq(u.host, "cache");
	cr_assert_eq(u.port, 6379);
	cr_assert_eq(u.db, 0);
	cr_assert_str_eq(u.password, "");
}

Test(mirror, parses_password_port_and_database)
{
	struct mirror_url u;

	cr_assert_eq(mirror_parse_url("redis://:s3cret@10.0.0.5:6380/3", &u),
	    0);
	cr_assert_str_eq(u.host, "10.0.0.5");
	cr_assert_eq(u.port, 6380);
	cr_assert_eq(u.db, 3);
	cr_assert_str_eq(u.password, "s3cret");
	cr_assert_eq(mirror_parse_url("redis://user:pw@h/0", &u), 0);
	cr_assert_str_eq(u.password, "pw");
	cr_assert_str_eq(u.host, "h");
}

Test(mirror, refuses_malformed_urls)
{
	struct mirror_url u;

	cr_assert_eq(mirror_parse_url("http://h", &u), -1);
	cr_assert_eq(mirror_parse_url("redis://", &u), -1);
	cr_assert_eq(mirror_parse_url("redis://h:0", &u), -1);
	cr_assert_eq(mirror_parse_url("redis://h:x/1", &u), -1);
	cr_assert_eq(mirror_parse_url("redis://h/x", &u), -1);
}

Test(mirror, unreachable_server_fails_without_a_connection)
{
	struct mirror m;
	char err[MIRROR_ERRLEN];

	/* port 1 on loopback: refused at once */
	cr_assert_eq(mirror_connect(&m, "redis://127.0.0.1:1/0", NULL, 500, err,
			 sizeof(err)),
	    -1);
	cr_assert_null(m.ctx);
	cr_assert(strlen(err) > 0);
	{
		const char *items[1] = { "{}" };

		cr_assert_eq(mirror_push(&m, items, 1, err, sizeof(err)), -1);
		cr_assert_eq(mirror_remove(&m, items, 1, err, sizeof(err)), -1);
	}
	mirror_close(&m);
}
