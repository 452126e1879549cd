/*
 * A private PostgreSQL/Redis/RabbitMQ stack of a test's own
 * (scripts/stack with STACK_DIR under BEE_E2E_DIR), for tests that stop
 * and start servers: the shared e2e servers must keep running for the
 * other tests. Typical use:
 *
 *	struct stack s;
 *
 *	stack_start(&s, "postgres rabbitmq");	(URLs now in the environment)
 *	instance_start(&in, env);		(inherits them)
 *	stack_ctl(&s, "stop", "postgres");
 *	...
 *	stack_ctl(&s, "start", "postgres");
 *	stack_reset(&s);
 *
 * The stack is reset (servers stopped, data deleted) when the test process
 * ends, however it ends: a reaper process waits for the end of a pipe that
 * only the test holds. Run the tests from the repository root, as root.
 */
#ifndef E2E_STACK_H
#define E2E_STACK_H

#include <sys/types.h>

struct stack {
	char dir[256]; /* STACK_DIR (a symlink to /tmp when needed) */
	char log[256]; /* the output of every scripts/stack command */
	pid_t reaper;
	int reaper_fd; /* write end: closing it resets the stack */
};

/*
 * Starts the servers (space-separated names of scripts/stack, "" for all;
 * "--rabbitmq-nodes 3 rabbitmq ..." for a three-node cluster, whose
 * RABBITMQ_URL lists the nodes) of a fresh stack, migrates its database (when PostgreSQL is one of them)
 * and sets DATABASE_URL, REDIS_URL (empty without Redis) and RABBITMQ_URL
 * and STACK_DIR in this process's environment, before the test starts any
 * thread. One stack per test process.
 */
void stack_start(struct stack *, const char *servers);
/* scripts/stack VERB SERVER ("start" or "stop"); fails the test on error. */
void stack_ctl(struct stack *, const char *verb, const char *server);
/* Stops everything and deletes the state; waits for it. */
void stack_reset(struct stack *);

#endif
