/*
 * Rewrites a write statement to store its result rows (idem_sql.h).
 *
 * PostgreSQL allows data-modifying CTEs only at the top level, so the
 * statement cannot be nested whole: its final query (after the CTE list,
 * or the whole text when there is none) is found by scanning for the
 * first SELECT, INSERT, UPDATE, DELETE or VALUES outside parentheses,
 * quotes and comments, and moved into a CTE of its own beside the others.
 * A row's record text (o::text) holds each column as its type's text
 * output, which is what libpq hands the handler: the replay rebuilds the
 * very rows the handler rendered (http/idem.c). The row also learns the
 * customer its answer is about, when the claim did not know it (POST
 * /customers): the first row's customer_id column, else its id, when
 * that is a UUID; an erasure deletes the answers of its customer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/idem_sql.h"
#include "model/xalloc.h"

static const char *final_query(const char *);
static void stored_names(int, char **, char **);
static const char *skip_quoted(const char *, char);
static int keyword_at(const char *, const char *, const char *);

int
idem_sql_writes(const char *sql)
{
	return (strncmp(sql, "SELECT ", 7) != 0);
}

char *
idem_sql_wrap(const char *sql, int nparams, int stored_columns)
{
	static const char store[] =
	    " idem_out%s AS (%s),"
	    " idem_store AS ("
	    " UPDATE idempotency_keys k SET state = 'done',"
	    "  response = (SELECT coalesce(array_agg(%s), '{}')"
	    "  FROM idem_out o),"
	    "  customer_id = coalesce(k.customer_id, (SELECT CASE WHEN v ~* "
	    "'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN v::uuid END"
	    "  FROM idem_out o, LATERAL (SELECT coalesce("
	    "to_jsonb(o) ->> 'customer_id', to_jsonb(o) ->> 'id') AS v) x"
	    "  LIMIT 1))"
	    " WHERE k.owner = $%d::text AND k.key = $%d::text"
	    "  AND k.token = $%d::uuid AND k.state = 'running' RETURNING 1)"
	    " SELECT * FROM idem_out";
	const char *final;
	char *out, *head, *names, *record;
	size_t len;
	int n;

	if ((final = final_query(sql)) == NULL)
		return (NULL);
	/* "WITH a AS (...), b AS (...)" or "WITH" alone */
	if (final == sql)
		head = xstrdup("WITH");
	else {
		len = (size_t)(final - sql);
		while (len > 0 && isspace((unsigned char)sql[len - 1]))
			len--;
		head = xmalloc(len + 2);
		(void)memcpy(head, sql, len);
		head[len] = ',';
		head[len + 1] = '\0';
	}
	stored_names(stored_columns, &names, &record);
	len = strlen(head) + strlen(final) + strlen(names) + strlen(record) +
	    sizeof(store) + 64;
	out = xmalloc(len);
	n = snprintf(out, len, "%s", head);
	(void)snprintf(out + n, len - (size_t)n, store, names, final, record,
	    nparams + 1, nparams + 2, nparams + 3);
	free(head);
	free(names);
	free(record);
	return (out);
}

/*
 * All columns: idem_out as it is, each row's o::text. The first n only:
 * those are named idem_c1... (a CTE's column list may be shorter than
 * its columns) and stored as ROW(o.idem_c1, ...)::text, the same record
 * text of fewer columns.
 */
static void
stored_names(int n, char **names, char **record)
{
	size_t len;
	int i, a, b;

	if (n <= 0) {
		*names = xstrdup("");
		*record = xstrdup("o::text");
		return;
	}
	len = (size_t)n * 20 + 16;
	*names = xmalloc(len);
	*record = xmalloc(len);
	a = snprintf(*names, len, "(");
	b = snprintf(*record, len, "ROW(");
	for (i = 1; i <= n; i++) {
		a += snprintf(*names + a, len - (size_t)a, "%sidem_c%d",
		    i > 1 ? ", " : "", i);
		b += snprintf(*record + b, len - (size_t)b, "%so.idem_c%d",
		    i > 1 ? ", " : "", i);
	}
	(void)snprintf(*names + a, len - (size_t)a, ")");
	(void)snprintf(*record + b, len - (size_t)b, ")::text");
}

/* The final query of sql (sql itself when it has no CTE), or NULL. */
static const char *
final_query(const char *sql)
{
	static const char *const words[] = { "SELECT", "INSERT", "UPDATE",
		"DELETE", "VALUES", NULL };
	const char *p;
	int depth, i;

	p = sql;
	while (isspace((unsigned char)*p))
		p++;
	if (!keyword_at(sql, p, "WITH"))
		return (*p != '\0' ? p : NULL);
	depth = 0;
	for (p += 4; *p != '\0'; p++) {
		switch (*p) {
		case '(':
			depth++;
			continue;
		case ')':
			depth--;
			continue;
		case '\'':
		case '"':
			if ((p = skip_quoted(p, *p)) == NULL)
				return (NULL);
			continue;
		case '-':
			if (p[1] == '-') {
				p += strcspn(p, "\n");
				if (*p == '\0')
					return (NULL);
			}
			continue;
		default:
			break;
		}
		if (depth != 0)
			continue;
		for (i = 0; words[i] != NULL; i++) {
			if (keyword_at(sql, p, words[i]))
				return (p);
		}
	}
	return (NULL);
}

/* The closing quote of the literal or identifier opened at p, or NULL. */
static const char *
skip_quoted(const char *p, char q)
{
	for (p++; *p != '\0'; p++) {
		if (*p != q)
			continue;
		if (p[1] != q)
			return (p);
		p++; /* a doubled quote stands for itself */
	}
	return (NULL);
}

/* The word w, whole and in any case, starts at p (inside sql). */
static int
keyword_at(const char *sql, const char *p, const char *w)
{
	size_t n = strlen(w);

	if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		return (0);
	return (strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) &&
	    p[n] != '_' && p[n] != '$');
}
