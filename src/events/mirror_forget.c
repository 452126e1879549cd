/*
 * LREM of the mirror items of an erased customer's events (mirror_forget.h).
 * The commands are queued at once; their replies arrive later on the loop,
 * counted in a small record that the last reply frees and logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <kore/kore.h>

#include "http/ctx.h"
#include "infra/log.h"
#include "events/mirror.h"
#include "events/mirror_forget.h"
#include "infra/redis.h"
#include "infra/settings.h"

struct forget {
	int pending; /* replies still due */
	int failed; /* commands that failed */
	char trace_id[TRACE_ID_MAX + 1];
};

static void on_reply(struct redisReply *, void *);
static void report(const struct forget *);

void
mirror_forget(const char *items, const char *trace_id)
{
	const char *argv[4] = { "LREM", MIRROR_LIST, "0", NULL };
	size_t lens[4] = { 4, sizeof(MIRROR_LIST) - 1, 1, 0 };
	struct forget *f;
	json_t *a, *v;
	size_t i;

	if (*settings.redis_url == '\0')
		return;
	if ((a = json_loads(items, 0, NULL)) == NULL || !json_is_array(a)) {
		json_decref(a);
		log_warn(trace_id, "failed_events: erased items not parsed");
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		fatal("mirror_forget: out of memory");
	(void)kore_strlcpy(f->trace_id, trace_id, sizeof(f->trace_id));
	f->pending = 1; /* this loop's own, until every command is queued */
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			continue;
		argv[3] = json_string_value(v);
		lens[3] = json_string_length(v);
		f->pending++;
		if (redis_command(on_reply, f, 4, argv, lens) == -1) {
			f->pending--;
			f->failed++;
		}
	}
	json_decref(a);
	if (--f->pending == 0) {
		report(f);
		free(f);
	}
}

static void
on_reply(struct redisReply *r, void *arg)
{
	struct forget *f = arg;

	if (f == NULL)
		return;
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		f->failed++;
	if (--f->pending == 0) {
		report(f);
		free(f);
	}
}

static void
report(const struct forget *f)
{
	struct log_field fl[1];

	if (f->failed == 0)
		return;
	memset(fl, 0, sizeof(fl));
	fl[0].key = "items";
	fl[0].num = f->failed;
	log_write(LOG_LEVEL_WARNING, f->trace_id,
	    "failed_events: mirror items of an erased customer stay "
	    "(Redis unreachable)",
	    fl, 1);
}
