/*
 * A rate limit as the original wrote it (settings.h): "5/minute",
 * "10 per second", "100/hour". Pure C (tested in tests/unit).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/settings.h"

int
settings_parse_rate(const char *text, struct rate *r)
{
	static const struct {
		const char *name;
		unsigned int seconds;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		{ "day", 86400 }, { NULL, 0 } };
	const char *p;
	char *end, word[16];
	unsigned long count, amount;
	size_t len, i;

	if (text == NULL)
		return (-1);
	p = text;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return (-1);
	errno = 0;
	count = strtoul(p, &end, 10);
	if (errno != 0 || count == 0 || count > 1000000)
		return (-1);
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '/')
		p++;
	else if (!strncasecmp(p, "per", 3) && isspace((unsigned char)p[3]))
		p += 3;
	else
		return (-1);
	while (isspace((unsigned char)*p))
		p++;

	amount = 1;
	if (isdigit((unsigned char)*p)) {
		amount = strtoul(p, &end, 10);
		if (amount == 0 || amount > 1000)
			return (-1);
		p = end;
		while (isspace((unsigned char)*p))
			p++;
	}

	for (len = 0; isalpha((unsigned char)p[len]); len++)
		;
	if (len == 0 || len >= sizeof(word))
		return (-1);
	for (i = 0; i < len; i++)
		word[i] = (char)tolower((unsigned char)p[i]);
	word[len] = '\0';
	if (len > 1 && word[len - 1] == 's')
		word[len - 1] = '\0';
	p += len;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		return (-1);

	for (i = 0; units[i].name != NULL; i++) {
		if (!strcmp(word, units[i].name)) {
			r->count = (unsigned int)count;
			r->amount = (unsigned int)amount;
			r->period = (unsigned int)amount * units[i].seconds;
			(void)snprintf(r->unit, sizeof(r->unit), "%s",
			    units[i].name);
			return (0);
		}
	}
	return (-1);
}
