/*
 * amqp_pub.c without a broker: a bad URL and a refused connect fail
 * within the timeout and leave a closed publisher that refuses to send.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "events/amqp_pub.h"

Test(amqp_pub, refuses_a_malformed_url)
{
	struct amqp_pub p;
	char err[AMQP_PUB_ERRLEN];

	cr_assert_eq(amqp_pub_open(&p, "http://nope", NULL, "x", 500, err,
			 sizeof(err)),
	    -1);
	cr_assert_null(p.conn);
	cr_assert_not_null(strstr(err, "RABBITMQ_URL"));
}

Test(amqp_pub, refused_connect_fails_and_send_refuses)
{
	struct amqp_pub p;
	struct amqp_msg m;
	char err[AMQP_PUB_ERRLEN];

	cr_assert_eq(amqp_pub_open(&p, "amqp://guest:guest@example.invalid:1/",
			 "127.0.0.1", "bee.customers.events", 1000, err,
			 sizeof(err)),
	    -1);
	cr_assert_null(p.conn);
	cr_assert_not_null(strstr(err, "connect"), "%s", err);
	memset(&m, 0, sizeof(m));
	m.routing_key = "k";
	m.body = "{}";
	m.body_len = 2;
	m.message_id = "id";
	cr_assert_eq(amqp_pub_send(&p, &m, err, sizeof(err)), -1);
	cr_assert_eq(amqp_pub_confirm(&p, 100, err, sizeof(err)), -1);
	amqp_pub_close(&p);
}
