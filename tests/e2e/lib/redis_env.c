/* The Redis at REDIS_URL (redis_env.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "redis_env.h"

redisContext *
redis_from_env(int db_override)
{
	const char *url = getenv("REDIS_URL");
	char host[128], *end;
	const char *colon;
	long port, db;
	redisContext *rc;
	redisReply *rep;

	/* redis://host:port[/db], as scripts/dev writes it */
	cr_assert(url != NULL && strncmp(url, "redis://", 8) == 0,
	    "REDIS_URL not set");
	colon = strchr(url + 8, ':');
	cr_assert_not_null(colon, "REDIS_URL %s has no port", url);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - url - 8), url + 8);
	port = strtol(colon + 1, &end, 10);
	db = *end == '/' ? strtol(end + 1, NULL, 10) : 0;
	if (db_override >= 0)
		db = db_override;
	rc = redisConnect(host, (int)port);
	cr_assert(rc != NULL && !rc->err);
	rep = redisCommand(rc, "SELECT %ld", db);
	freeReplyObject(rep);
	return (rc);
}
