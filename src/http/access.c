/* Tenant scope: the only place that maps roles to the rows they reach. */
#include <string.h>

#include "http/access.h"

void
access_scope(const struct claims *c, struct scope *s)
{
	size_t i, off;

	memset(s, 0, sizeof(*s));
	(void)memcpy(s->list, "{}", 3);
	(void)memcpy(s->user, c->sub, sizeof(s->user));
	switch (c->role) {
	case ROLE_SUPERADMIN:
	case ROLE_INTERNAL:
		s->kind = "all";
		return;
	case ROLE_CUSTOMER:
		s->kind = "user";
		return;
	case ROLE_ADMIN:
		s->kind = "business";
		off = 0;
		s->list[off++] = '{';
		for (i = 0; i < c->nbusinesses; i++) {
			if (i > 0)
				s->list[off++] = ',';
			(void)memcpy(s->list + off, c->businesses[i], 36);
			off += 36;
		}
		s->list[off++] = '}';
		s->list[off] = '\0';
		return;
	case ROLE_OTHER:
	default:
		s->kind = "none";
		return;
	}
}

int
access_customer_role(const struct claims *c)
{
	return (c->role != ROLE_OTHER);
}

void
access_params(const struct scope *s, const char **values)
{
	values[0] = s->kind;
	values[1] = s->list;
	values[2] = s->user;
}
