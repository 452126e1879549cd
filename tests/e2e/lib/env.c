/*
 * The service's address comes from BEE_HOST/BEE_PORT when set, else from
 * BEE_URL (http://host:port), else the service's default 127.0.0.1:8007.
 * A missing SECRET_KEY or DATABASE_URL fails the test that needs it: an e2e
 * run without them cannot prove anything, so it must not pass quietly.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "env.h"

static void env_parse_url(void);

static char url_host[256] = "127.0.0.1";
static unsigned short url_port = 8007;
static int url_parsed = 0;

static void
env_parse_url(void)
{
	const char *url, *p, *colon, *slash;
	size_t len;

	if (url_parsed)
		return;
	url_parsed = 1;

	if ((url = getenv("BEE_URL")) == NULL || *url == '\0')
		return;
	if ((p = strstr(url, "://")) != NULL)
		p += 3;
	else
		p = url;

	slash = strchr(p, '/');
	colon = strchr(p, ':');
	if (colon != NULL && (slash == NULL || colon < slash)) {
		len = colon - p;
		url_port = (unsigned short)strtoul(colon + 1, NULL, 10);
	} else {
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
	}
	if (len > 0 && len < sizeof(url_host)) {
		memcpy(url_host, p, len);
		url_host[len] = '\0';
	}
}

const char *
env_host(void)
{
	const char *h;

	if ((h = getenv("BEE_HOST")) != NULL && *h != '\0')
		return (h);
	env_parse_url();
	return (url_host);
}

unsigned short
env_port(void)
{
	const char *p;

	if ((p = getenv("BEE_PORT")) != NULL && *p != '\0')
		return ((unsigned short)strtoul(p, NULL, 10));
	env_parse_url();
	return (url_port);
}

const char *
env_secret(void)
{
	const char *s;

	s = getenv("SECRET_KEY");
	cr_assert(s != NULL && *s != '\0',
	    "SECRET_KEY must be set to the service's JWT secret");
	return (s);
}

const char *
env_database_url(void)
{
	const char *s;

	s = getenv("DATABASE_URL");
	cr_assert(s != NULL && *s != '\0',
	    "DATABASE_URL must point at the service's database");
	return (s);
}

const char *
env_exchange(void)
{
	const char *e = getenv("RABBITMQ_EXCHANGE");

	return (e != NULL && *e != '\0' ? e : "bee.customers.events");
}
