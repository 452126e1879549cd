/*
 * Rate limiting through Redis, asynchronously: the request sleeps while
 * the script runs, woken by the reply or by a 50 ms timer, whichever
 * comes first. The wait record outlives whichever of the request, the
 * reply and the timer ends first; the last one frees it.
 *
 * A verdict of Redis also gives the RateLimit fields to the response,
 * whatever it turns out to be (429, or the handler's 200, 404, 503...):
 * the script's count and time left are the window every instance shares.
 * A verdict of this worker's window gives none: its count is one worker's
 * share of the client's requests, not the client's quota.
 */
#include <hiredis/hiredis.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/log.h"
#include "infra/metrics.h"
#include "http/ratelimit.h"
#include "infra/redis.h"
#include "http/reply.h"
#include "infra/settings.h"
#include "model/ratelimit_fields.h"
#include "model/window.h"
#include "model/xalloc.h"

#define REDIS_DEADLINE_MS 50
#define KEY_MAX 128

/*
 * INCR, and EXPIRE on the window's first hit: one round trip, which
 * returns the count and the window's time left in milliseconds.
 */
static const char lua_hit[] = "local n = redis.call('INCR', KEYS[1])\n"
			      "local t = redis.call('PTTL', KEYS[1])\n"
			      "if n == 1 or t < 0 then\n"
			      "  redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
			      "  t = tonumber(ARGV[1]) * 1000\n"
			      "end\n"
			      "return {n, t}\n";

struct rl_wait {
	struct http_request *req; /* NULL once the request is gone */
	struct kore_timer *timer; /* the deadline, until it fires */
	int pending; /* a Redis reply is due */
	int decided;
	int shared; /* Redis decided: the RateLimit fields are sent */
	long long count;
	long long ttl_ms;
	char key[KEY_MAX];
};

static struct windows local;
static uint64_t last_warning_ms;

static void decide_locally(struct rl_wait *);
static void on_reply(struct redisReply *, void *);
static void on_deadline(void *, u_int64_t);
static void release(void *);
static void maybe_free(struct rl_wait *);
static enum op_next verdict(struct http_request *, struct rl_wait *);
static void fields(struct http_request *, const struct rl_wait *);

enum op_next
ratelimit_patch_gate(struct http_request *req, struct ctx *c)
{
	struct rl_wait *w;
	const char *argv[5];
	size_t lens[5];
	char period[16];

	if ((w = c->gate) != NULL) {
		if (!w->decided) {
			http_request_sleep(req);
			return (OP_SLEEP);
		}
		return (verdict(req, w));
	}

	w = xcalloc(1, sizeof(*w));
	w->req = req;
	c->gate = w;
	c->gate_free = release;
	(void)snprintf(w->key, sizeof(w->key), "rl:patch:%s:%s", c->claims.sub,
	    c->customer_id);

	(void)snprintf(period, sizeof(period), "%u",
	    settings.patch_rate.period);
	argv[0] = "EVAL";
	argv[1] = lua_hit;
	argv[2] = "1";
	argv[3] = w->key;
	argv[4] = period;
	lens[0] = 4;
	lens[1] = sizeof(lua_hit) - 1;
	lens[2] = 1;
	lens[3] = strlen(w->key);
	lens[4] = strlen(period);
	if (redis_command(on_reply, w, 5, argv, lens) == -1) {
		decide_locally(w);
		return (verdict(req, w));
	}
	w->pending = 1;
	w->timer = kore_timer_add(on_deadline, REDIS_DEADLINE_MS, w,
	    KORE_TIMER_ONESHOT);
	http_request_sleep(req);
	return (OP_SLEEP);
}

static enum op_next
verdict(struct http_request *req, struct rl_wait *w)
{
	const struct rate *r = &settings.patch_rate;
	char msg[96], after[24];
	long long secs;

	if (w->shared)
		fields(req, w);
	if (w->count <= (long long)r->count)
		return (OP_QUERY);
	secs = ratelimit_seconds_up(w->ttl_ms);
	(void)snprintf(after, sizeof(after), "%lld", secs > 0 ? secs : 1);
	(void)snprintf(msg, sizeof(msg), "Rate limit exceeded: %u per %u %s",
	    r->count, r->amount, r->unit);
	metrics_add(METRIC_RATE_LIMITED, 1);
	http_response_header(req, "retry-after", after);
	(void)reply_doc(req, 429, xjson(json_pack("{s:s}", "error", msg)));
	return (OP_REPLIED);
}

/*
 * Added now, they go out with whatever response the request ends with;
 * a response that never reached the limiter (401, 403, 422) has none.
 */
static void
fields(struct http_request *req, const struct rl_wait *w)
{
	const struct rate *r = &settings.patch_rate;
	struct ratelimit_fields f;

	if (ratelimit_fields_format(&f, "patch", r->count, r->period, w->count,
		w->ttl_ms) == -1)
		return;
	http_response_header(req, "ratelimit-policy", f.policy);
	http_response_header(req, "ratelimit", f.limit);
}

/* This worker's window: Redis disabled, down, or too slow. */
static void
decide_locally(struct rl_wait *w)
{
	uint64_t ttl_ms, now;

	now = kore_time_ms();
	w->count = window_hit(&local, w->key, now,
	    (uint64_t)settings.patch_rate.period * 1000, &ttl_ms);
	w->ttl_ms = (long long)ttl_ms;
	w->decided = 1;
	if (*settings.redis_url != '\0' && now - last_warning_ms > 1000) {
		last_warning_ms = now;
		log_warn(NULL,
		    "rate limiter: Redis did not answer within "
		    "50 ms; using this worker's window");
	}
}

static void
on_reply(struct redisReply *reply, void *arg)
{
	struct rl_wait *w = arg;

	w->pending = 0;
	if (!w->decided) {
		if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
		    reply->elements == 2 &&
		    reply->element[0]->type == REDIS_REPLY_INTEGER &&
		    reply->element[1]->type == REDIS_REPLY_INTEGER) {
			w->count = reply->element[0]->integer;
			w->ttl_ms = reply->element[1]->integer;
			w->decided = 1;
			w->shared = 1;
		} else {
			decide_locally(w);
		}
		if (w->timer != NULL) {
			kore_timer_remove(w->timer);
			w->timer = NULL;
		}
		if (w->req != NULL)
			http_request_wakeup(w->req);
	}
	maybe_free(w);
}

static void
on_deadline(void *arg, u_int64_t now)
{
	struct rl_wait *w = arg;

	(void)now;
	w->timer = NULL; /* a one-shot timer: Kore frees it */
	if (!w->decided) {
		decide_locally(w);
		if (w->req != NULL)
			http_request_wakeup(w->req);
	}
	maybe_free(w);
}

/* The request ends (also when its client went away). */
static void
release(void *arg)
{
	struct rl_wait *w = arg;

	w->req = NULL;
	if (w->timer != NULL) {
		kore_timer_remove(w->timer);
		w->timer = NULL;
	}
	maybe_free(w);
}

static void
maybe_free(struct rl_wait *w)
{
	if (w->req == NULL && !w->pending && w->timer == NULL)
		free(w);
}
