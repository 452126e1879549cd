/* Customer rows to JSON: one definition for every route that shows one. */
#include <stdlib.h>
#include <string.h>

#include "customer_row.h"
#include "json_compact.h"

enum kind { K_STRING, K_NUMBER, K_JSON };

static const struct {
	const char *key;
	enum kind kind;
} fields[CUSTOMER_NCOLUMNS] = {
	{ "full_name", K_STRING },
	{ "email", K_STRING },
	{ "phone", K_STRING },
	{ "gender", K_STRING },
	{ "avatar_url", K_STRING },
	{ "id", K_STRING },
	{ "user_id", K_STRING },
	{ "business_id", K_STRING },
	{ "total_orders", K_NUMBER },
	{ "total_appointments", K_NUMBER },
	{ "last_order_date", K_STRING },
	{ "last_appointment_date", K_STRING },
	{ "lifetime_value", K_NUMBER },
	{ "created_at", K_STRING },
	{ "updated_at", K_STRING },
	{ "preferences", K_JSON },
};

static void write_compact(struct jsonw *, const char *);

void
customer_row_json(struct kore_pgsql *sql, int row, int col, struct jsonw *w)
{
	const char *v;
	int i;

	jsonw_open(w, '{');
	for (i = 0; i < CUSTOMER_NCOLUMNS; i++) {
		jsonw_key(w, fields[i].key);
		if (PQgetisnull(sql->result, row, col + i)) {
			jsonw_raw(w, fields[i].kind == K_JSON ? "{}" : "null",
			    fields[i].kind == K_JSON ? 2 : 4);
			continue;
		}
		v = kore_pgsql_getvalue(sql, row, col + i);
		switch (fields[i].kind) {
		case K_STRING:
			jsonw_string(w, v);
			break;
		case K_NUMBER:
			jsonw_rawz(w, v);
			break;
		case K_JSON:
			write_compact(w, v);
			break;
		}
	}
	jsonw_close(w, '}');
}

/* jsonb's text form has spaces after ':' and ','; responses are compact. */
static void
write_compact(struct jsonw *w, const char *text)
{
	if (!jsonw_compact(w, text))
		w->failed = 1;
}
