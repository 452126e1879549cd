/* Customer rows to JSON: one definition for every route that shows one. */
#include <stdlib.h>
#include <string.h>

#include "model/customer_row.h"
#include "model/json_compact.h"
#include "model/pgtext.h"

enum kind { K_STRING, K_NUMBER, K_FLOAT, K_TIMESTAMP, K_JSON };

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
	{ "lifetime_value", K_FLOAT },
	{ "created_at", K_TIMESTAMP },
	{ "updated_at", K_TIMESTAMP },
	{ "preferences", K_JSON },
};

static void write_compact(struct jsonw *, const char *);

void
customer_row_json(const PGresult *res, int row, int col, struct jsonw *w)
{
	int i;

	jsonw_open(w, '{');
	for (i = 0; i < CUSTOMER_NCOLUMNS; i++) {
		jsonw_key(w, fields[i].key);
		customer_row_value(res, row, col, i, w);
	}
	jsonw_close(w, '}');
}

void
customer_row_value(const PGresult *res, int row, int col, int index,
    struct jsonw *w)
{
	char ts[PGTEXT_TS_LEN], num[40];
	const char *v;

	if (PQgetisnull(res, row, col + index)) {
		if (fields[index].kind == K_JSON)
			jsonw_raw(w, "{}", 2);
		else
			jsonw_raw(w, "null", 4);
		return;
	}
	v = PQgetvalue(res, row, col + index);
	switch (fields[index].kind) {
	case K_STRING:
		jsonw_string(w, v);
		break;
	case K_NUMBER:
		jsonw_rawz(w, v);
		break;
	case K_FLOAT:
		if (pgtext_pyfloat(v, num, sizeof(num)) == -1)
			w->failed = 1;
		else
			jsonw_rawz(w, num);
		break;
	case K_TIMESTAMP:
		if (pgtext_timestamp(v, ts) == -1)
			w->failed = 1;
		else
			jsonw_string(w, ts);
		break;
	case K_JSON:
		write_compact(w, v);
		break;
	}
}

/* jsonb's text form has spaces after ':' and ','; responses are compact. */
static void
write_compact(struct jsonw *w, const char *text)
{
	if (!jsonw_compact(w, text))
		w->failed = 1;
}
