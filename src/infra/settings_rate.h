/*
 * A rate limit as a setting writes it (settings_rate.c): "5/minute",
 * "10 per second", "100/hour".
 */
#ifndef BEE_SETTINGS_RATE_H
#define BEE_SETTINGS_RATE_H

struct rate {
	unsigned int count; /* requests allowed ... */
	unsigned int period; /* ... per this many seconds */
	unsigned int amount; /* as written: "5 per 1 minute" */
	char unit[8]; /* second, minute, hour, day */
};

/* Parses "5/minute", "10 per second", "100/hour"; 0 or -1. */
int settings_parse_rate(const char *text, struct rate *r);

#endif
