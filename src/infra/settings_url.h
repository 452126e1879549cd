/*
 * The dependencies' URLs as settings write them (settings_url.c): host
 * and port for the readiness probes, and the libpq URI.
 */
#ifndef BEE_SETTINGS_URL_H
#define BEE_SETTINGS_URL_H

struct endpoint {
	char host[256];
	char port[8];
};

/* Extracts host and port from a URL ("scheme://user:pw@host:port/..."). */
int settings_url_endpoint(const char *url, const char *default_port,
    struct endpoint *ep);

/* postgresql[+asyncpg]:// URL to a libpq URI with our connect options. */
char *settings_pg_conninfo(const char *url);

#endif
