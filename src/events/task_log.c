/*
 * The queue of task threads' log lines (task_log.h).
 */
#include <sys/types.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <kore/kore.h>

#include "infra/log.h"
#include "events/task_log.h"

#define LOGQ_LEN 64
#define LOG_DRAIN_MS 200

struct logline {
	int level;
	char message[64];
	char detail[256];
	long long count;
};

static pthread_mutex_t logq_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logline logq[LOGQ_LEN];
static size_t logq_len;
static int started;

static void log_drain(void *, u_int64_t);

void
task_log_start(void)
{
	if (started)
		return;
	started = 1;
	(void)kore_timer_add(log_drain, LOG_DRAIN_MS, NULL, 0);
}

void
task_log(int level, const char *message, const char *detail, long long count)
{
	struct logline *l;

	pthread_mutex_lock(&logq_lock);
	if (logq_len < LOGQ_LEN) {
		l = &logq[logq_len++];
		l->level = level;
		(void)snprintf(l->message, sizeof(l->message), "%s", message);
		(void)snprintf(l->detail, sizeof(l->detail), "%s",
		    detail != NULL ? detail : "");
		l->count = count;
	}
	pthread_mutex_unlock(&logq_lock);
}

static void
log_drain(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	task_log_flush();
}

/* Worker side (the timer, the drain's last line): write the queued lines. */
void
task_log_flush(void)
{
	struct logline lines[LOGQ_LEN];
	struct log_field f[2];
	size_t i, n, nf;

	pthread_mutex_lock(&logq_lock);
	n = logq_len;
	memcpy(lines, logq, n * sizeof(lines[0]));
	logq_len = 0;
	pthread_mutex_unlock(&logq_lock);
	for (i = 0; i < n; i++) {
		nf = 0;
		memset(f, 0, sizeof(f));
		if (lines[i].detail[0] != '\0') {
			f[nf].key = "error";
			f[nf++].str = lines[i].detail;
		}
		if (lines[i].count >= 0) {
			f[nf].key = "count";
			f[nf++].num = lines[i].count;
		}
		log_write(lines[i].level, NULL, lines[i].message, f, nf);
	}
}
