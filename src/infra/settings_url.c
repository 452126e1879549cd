/*
 * The dependencies' URLs (settings.h): host and port for the readiness
 * probes, and the libpq URI with the service's connect options. Pure C
 * (tested in tests/unit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/settings.h"

int
settings_url_endpoint(const char *url, const char *default_port,
    struct endpoint *ep)
{
	const char *p, *end, *at, *host, *colon;
	size_t len;

	if ((p = strstr(url, "://")) == NULL)
		return (-1);
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	host = at ? at + 1 : p;

	if (*host == '[') {
		if ((colon = memchr(host, ']', (size_t)(end - host))) == NULL)
			return (-1);
		len = (size_t)(colon - host - 1);
		host++;
		colon++;
		if (colon < end && *colon != ':')
			return (-1);
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		len = (size_t)((colon ? colon : end) - host);
	}
	if (len == 0)
		(void)snprintf(ep->host, sizeof(ep->host), "localhost");
	else if (len >= sizeof(ep->host))
		return (-1);
	else
		(void)snprintf(ep->host, sizeof(ep->host), "%.*s", (int)len,
		    host);

	if (colon != NULL && colon < end && *colon == ':') {
		len = (size_t)(end - colon - 1);
		if (len == 0 || len >= sizeof(ep->port) ||
		    strspn(colon + 1, "0123456789") < len)
			return (-1);
		(void)snprintf(ep->port, sizeof(ep->port), "%.*s", (int)len,
		    colon + 1);
	} else {
		(void)snprintf(ep->port, sizeof(ep->port), "%s", default_port);
	}
	return (0);
}

char *
settings_pg_conninfo(const char *url)
{
	static const char *schemes[] = { "postgresql+asyncpg://",
		"postgresql://", "postgres://", NULL };
	const char *rest, **sc;
	char *out;
	size_t len;
	int n;

	rest = NULL;
	for (sc = schemes; *sc != NULL; sc++) {
		if (!strncmp(url, *sc, strlen(*sc))) {
			rest = url + strlen(*sc);
			break;
		}
	}
	if (rest == NULL || *rest == '\0')
		return (NULL);

	/*
	 * connect_timeout bounds a connect (src/db/db_conn.c enforces it on the
	 * worker's loop, tasks in libpq); keepalives and tcp_user_timeout end a
	 * connection whose peer vanished (no reset) within about a minute,
	 * so the statements in flight on it get their 503 instead of
	 * waiting for ever; no GSSAPI probing (it stats credential caches,
	 * outside the sandbox); ISO dates and times, which src/model/pgtext.c
	 * reads, whatever the server's default.
	 */
	len = strlen(rest) + 320;
	if ((out = malloc(len)) == NULL)
		return (NULL);
	n = snprintf(out, len, "postgresql://%s%s%s%s%s%s", rest,
	    strchr(rest, '?') ? "&" : "?",
	    strstr(rest, "connect_timeout=") ? "" : "connect_timeout=2&",
	    strstr(rest, "keepalives") || strstr(rest, "tcp_user_timeout=") ?
		"" :
		"keepalives_idle=30&keepalives_interval=10&"
		"keepalives_count=3&tcp_user_timeout=60000&",
	    strstr(rest, "options=") ? "" : "options=-c%20DateStyle%3DISO&",
	    strstr(rest, "gssencmode=") ?
		"application_name=bee-customers" :
		"gssencmode=disable&application_name=bee-customers");
	if (n < 0 || (size_t)n >= len) {
		free(out);
		return (NULL);
	}
	return (out);
}
