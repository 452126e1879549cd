/*
 * amqp_nodes.c: RABBITMQ_URL's nodes tried in turn. A fresh client starts
 * at the first node, skips those that fail, and after its node failed
 * starts again at the next one; a node whose name does not resolve is
 * passed over without being dialled. The resolver runs for real (its
 * thread and shared table), on literal addresses and a reserved name.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "events/amqp_nodes.h"
#include "infra/resolve.h"
#include "infra/settings.h"

#define CALLS_MAX 16

struct calls {
	int n;
	char url[CALLS_MAX][64];
	char address[CALLS_MAX][64];
	const char *answers; /* the URLs that succeed, one character each */
};

static int open_node(void *, const char *, const char *, char *, size_t);
static void nodes(const char *const *, size_t);

static int
open_node(void *arg, const char *url, const char *address, char *err,
    size_t errlen)
{
	struct calls *c = arg;

	cr_assert_lt(c->n, CALLS_MAX);
	(void)snprintf(c->url[c->n], sizeof(c->url[0]), "%s", url);
	(void)snprintf(c->address[c->n], sizeof(c->address[0]), "%s", address);
	c->n++;
	/* the node's letter is the URL's user name: amqp://a@... */
	if (strchr(c->answers, url[7]) != NULL)
		return (0);
	(void)snprintf(err, errlen, "connect: refused by %c", url[7]);
	return (-1);
}

/* settings' RABBITMQ nodes, and the resolver started on them. */
static void
nodes(const char *const *urls, size_t n)
{
	const struct endpoint *eps[DEP_COUNT];
	char err[128];
	size_t i;

	memset(&settings, 0, sizeof(settings));
	memset(eps, 0, sizeof(eps));
	for (i = 0; i < n; i++) {
		settings.rabbitmq_node_url[i] = (char *)urls[i];
		cr_assert_eq(settings_url_endpoint(urls[i], "5672",
				 &settings.rabbitmq[i]),
		    0);
		eps[DEP_RABBITMQ_NODE(i)] = &settings.rabbitmq[i];
	}
	settings.rabbitmq_nodes = n;
	cr_assert_eq(resolve_init(eps, err, sizeof(err)), 0, "%s", err);
}

static const char *const three[] = { "amqp://a@127.0.0.1:1/",
	"amqp://b@127.0.0.2:2/", "amqp://c@[::1]:3/" };

Test(amqp_nodes, first_that_answers_then_the_next)
{
	struct calls c;
	char err[128];
	size_t next = 0;

	nodes(three, 3);
	memset(&c, 0, sizeof(c));
	c.answers = "bc";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    0);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.url[0], three[0]);
	cr_assert_str_eq(c.address[0], "127.0.0.1");
	cr_assert_str_eq(c.url[1], three[1]);
	cr_assert_str_eq(c.address[1], "127.0.0.2");
	cr_assert_eq(next, 2);

	/* b's connection failed: c is tried first, then round to a */
	memset(&c, 0, sizeof(c));
	c.answers = "a";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    0);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.url[0], three[2]);
	cr_assert_str_eq(c.address[0], "::1");
	cr_assert_str_eq(c.url[1], three[0]);
	cr_assert_eq(next, 1);
}

Test(amqp_nodes, none_answers_each_tried_once)
{
	struct calls c;
	char err[128];
	size_t next = 1;

	nodes(three, 3);
	memset(&c, 0, sizeof(c));
	c.answers = "";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    -1);
	cr_assert_eq(c.n, 3);
	cr_assert_str_eq(c.url[0], three[1]);
	cr_assert_str_eq(c.url[1], three[2]);
	cr_assert_str_eq(c.url[2], three[0]);
	cr_assert_str_eq(err, "connect: refused by a");
	cr_assert_eq(next, 1);
}

Test(amqp_nodes, unresolved_node_passed_over)
{
	static const char *const two[] = { "amqp://a@nowhere.invalid/",
		"amqp://b@127.0.0.1/" };
	struct calls c;
	char err[128];
	size_t next = 0;

	nodes(two, 2);
	memset(&c, 0, sizeof(c));
	c.answers = "ab";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    0);
	cr_assert_eq(c.n, 1);
	cr_assert_str_eq(c.url[0], two[1]);
	cr_assert_eq(next, 0);

	c.answers = "";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    -1);
	cr_assert_str_eq(err, "connect: refused by b");
}

Test(amqp_nodes, unresolved_alone_named)
{
	static const char *const one[] = { "amqp://a@nowhere.invalid/" };
	struct calls c;
	char err[128];
	size_t next = 0;

	nodes(one, 1);
	memset(&c, 0, sizeof(c));
	c.answers = "a";
	cr_assert_eq(amqp_nodes_open(&next, open_node, &c, err, sizeof(err)),
	    -1);
	cr_assert_eq(c.n, 0);
	cr_assert_str_eq(err, "RabbitMQ host nowhere.invalid does not resolve");
}
