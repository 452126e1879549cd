/*
 * The settings table (src/infra/settings.c) as data: what each row
 * promises the documents printed from it (.env.example, the operations
 * table, scripts/dev's list) holds for every row, not only the ones
 * test_settings.c names.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "infra/settings.h"
#include "infra/settings_parse.h"
#include "support/unit.h"

#define GOOD_SECRET "k3Zr9-unit-test-secret-of-40-bytes-long!"

struct outcome {
	int rc;
	char err[SETTINGS_ERRLEN];
	struct settings s;
};

static void load_with(const char *, const char *, int, struct outcome *);
static int holds_text(const struct setting *);
static void assert_same_field(const struct setting *, struct settings *,
    struct settings *);

static void
fini(void)
{
	unit_env_restore();
	unit_temp_cleanup();
}

TestSuite(settings_table, .init = unit_env_clear, .fini = fini);

/* With SECRET_KEY good, NAME=value (NULL: unset) set; no .env file. */
static void
load_with(const char *name, const char *value, int auth, struct outcome *o)
{
	char *path;

	cr_assert_eq(setenv("SECRET_KEY", GOOD_SECRET, 1), 0);
	if (value != NULL)
		cr_assert_eq(setenv(name, value, 1), 0);
	else
		cr_assert_eq(unsetenv(name), 0);
	path = unit_missing_path();
	o->err[0] = '\0';
	o->rc = auth ?
	    settings_load(&o->s, path, o->err, sizeof(o->err)) :
	    settings_load_noauth(&o->s, path, o->err, sizeof(o->err));
	free(path);
	(void)unsetenv(name);
}

/* Rows whose field is an owned string. */
static int
holds_text(const struct setting *row)
{
	return (row->parse == setting_text || row->parse == setting_http_url ||
	    row->parse == setting_database_url ||
	    row->parse == setting_rabbitmq_url ||
	    row->parse == setting_redis_url ||
	    row->parse == setting_public_key_file ||
	    row->parse == setting_secret_key);
}

static void
assert_same_field(const struct setting *row, struct settings *a,
    struct settings *b)
{
	const char *pa, *pb;

	if (holds_text(row)) {
		(void)memcpy(&pa, (char *)a + row->offset, sizeof(pa));
		(void)memcpy(&pb, (char *)b + row->offset, sizeof(pb));
		cr_assert((pa == NULL) == (pb == NULL), "%s", row->name);
		if (pa != NULL)
			cr_assert_str_eq(pa, pb, "%s", row->name);
	} else
		cr_assert_eq(memcmp((char *)a + row->offset,
				 (char *)b + row->offset, row->size),
		    0, "%s", row->name);
}

Test(settings_table, rows_are_documented)
{
	const struct setting *row, *other;
	const char *p;
	size_t i, j;

	cr_assert_gt(settings_table_len, 0);
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		cr_assert_not_null(row->name);
		for (p = row->name; *p != '\0'; p++)
			cr_assert(isupper((unsigned char)*p) ||
				isdigit((unsigned char)*p) || *p == '_',
			    "%s: not an environment name", row->name);
		cr_assert_not_null(row->parse, "%s", row->name);
		cr_assert_not_null(row->about, "%s", row->name);
		cr_assert_gt(strlen(row->about), 0, "%s", row->name);
		/* one line of .env.example's comment and one table cell */
		cr_assert_null(strpbrk(row->about, "\n|"), "%s", row->name);
		cr_assert_leq(row->offset + row->size, sizeof(struct settings),
		    "%s", row->name);
		for (j = 0; j < i; j++) {
			other = &settings_table[j];
			cr_assert_str_neq(row->name, other->name);
			if (other->alias != NULL)
				cr_assert_str_neq(row->name, other->alias);
			/* no two rows write the same bytes */
			cr_assert(row->offset + row->size <= other->offset ||
				other->offset + other->size <= row->offset,
			    "%s and %s share a field", row->name, other->name);
		}
	}
}

/* A refusal names its setting: every row that can refuse has its line. */
Test(settings_table, every_refusing_row_has_an_error_line)
{
	const struct setting *row;
	size_t i;

	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (row->parse == setting_chars || row->parse == setting_text ||
		    row->parse == setting_public_key_file ||
		    row->parse == setting_secret_key)
			continue;
		cr_assert_not_null(row->error, "%s refuses with no line",
		    row->name);
		cr_assert_null(strchr(row->error, '\n'), "%s", row->name);
	}
}

Test(settings_table, number_rows_fit_their_field)
{
	const struct setting *row;
	char *end;
	long n;
	size_t i;

	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (row->parse != setting_number)
			continue;
		cr_assert(row->size == sizeof(int) || row->size == sizeof(long),
		    "%s", row->name);
		cr_assert_leq(row->min, row->max, "%s", row->name);
		cr_assert_geq(row->min, 0, "%s", row->name);
		if (row->size == sizeof(int))
			cr_assert_leq(row->max, 2147483647L, "%s", row->name);
		if (row->fallback != NULL) {
			n = strtol(row->fallback, &end, 10);
			cr_assert_eq(*end, '\0', "%s", row->name);
			cr_assert(n >= row->min && n <= row->max, "%s",
			    row->name);
		}
	}
}

/* Every word of a choice row is accepted and stores its value. */
Test(settings_table, choice_rows_store_each_word)
{
	const struct setting_choice *c;
	const struct setting *row;
	struct settings st;
	char err[SETTINGS_ERRLEN];
	int stored;
	size_t i;

	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (row->parse != setting_choice)
			continue;
		cr_assert_eq(row->size, sizeof(int), "%s", row->name);
		cr_assert_not_null(row->choices, "%s", row->name);
		for (c = row->choices; c->word != NULL; c++) {
			(void)memset(&st, 0, sizeof(st));
			cr_assert_eq(row->parse(row, c->word, &st, err,
					 sizeof(err)),
			    0, "%s=%s", row->name, c->word);
			(void)memcpy(&stored, (char *)&st + row->offset,
			    sizeof(stored));
			cr_assert_eq(stored, c->value, "%s=%s", row->name,
			    c->word);
		}
		(void)memset(&st, 0, sizeof(st));
		cr_assert_eq(row->parse(row, "no such word", &st, err,
				 sizeof(err)),
		    -1, "%s", row->name);
	}
}

/*
 * What .env.example writes (NAME=default) is what an unset variable
 * gives: the same field, or the same refusal for a required one (SECRET_KEY
 * unset or empty); a default other than "" is accepted.
 */
Test(settings_table, default_written_out_equals_unset)
{
	const struct setting *row;
	struct outcome *unset, *given;
	size_t i;

	unset = calloc(1, sizeof(*unset));
	given = calloc(1, sizeof(*given));
	cr_assert(unset != NULL && given != NULL);
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (row->fallback == NULL)
			continue;
		load_with(row->name, NULL, 1, unset);
		load_with(row->name, row->fallback, 1, given);
		cr_assert_eq(given->rc, unset->rc, "%s=%s: %s", row->name,
		    row->fallback, given->err);
		cr_assert_str_eq(given->err, unset->err);
		if (*row->fallback != '\0')
			cr_assert_eq(given->rc, 0, "%s=%s: %s", row->name,
			    row->fallback, given->err);
		if (given->rc == 0)
			assert_same_field(row, &unset->s, &given->s);
		settings_free(&unset->s);
		settings_free(&given->s);
	}
	free(unset);
	free(given);
}

/* NAME= is NAME unset where the row says so. */
Test(settings_table, empty_is_unset_where_flagged)
{
	const struct setting *row;
	struct outcome *unset, *empty;
	size_t i;

	unset = calloc(1, sizeof(*unset));
	empty = calloc(1, sizeof(*empty));
	cr_assert(unset != NULL && empty != NULL);
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (!(row->flags & SETTING_EMPTY_IS_UNSET))
			continue;
		load_with(row->name, NULL, 1, unset);
		load_with(row->name, "", 1, empty);
		cr_assert_eq(unset->rc, 0, "%s: %s", row->name, unset->err);
		cr_assert_eq(empty->rc, 0, "%s=: %s", row->name, empty->err);
		assert_same_field(row, &unset->s, &empty->s);
		settings_free(&unset->s);
		settings_free(&empty->s);
	}
	free(unset);
	free(empty);
}

/* A row without a default leaves its field zero when unset. */
Test(settings_table, unset_without_default_is_zero)
{
	const struct setting *row;
	struct outcome *o;
	static const char zero[64];
	size_t i;

	cr_assert_not_null(o = calloc(1, sizeof(*o)));
	load_with("HOST", NULL, 1, o);
	cr_assert_eq(o->rc, 0, "%s", o->err);
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (row->fallback != NULL)
			continue;
		cr_assert_leq(row->size, sizeof(zero));
		cr_assert_eq(memcmp((char *)&o->s + row->offset, zero,
				 row->size),
		    0, "%s", row->name);
	}
	settings_free(&o->s);
	free(o);
}

/* Tools load without the JWT rows: a bad one stops only the service. */
Test(settings_table, noauth_skips_the_jwt_rows)
{
	const struct setting *row;
	struct outcome *o;
	size_t i;

	cr_assert_not_null(o = calloc(1, sizeof(*o)));
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		if (!(row->flags & SETTING_AUTH) ||
		    row->parse == setting_secret_key)
			continue;
		load_with(row->name, "\001not a value", 0, o);
		cr_assert_eq(o->rc, 0, "%s: %s", row->name, o->err);
		cr_assert_null(o->s.secret_key);
		settings_free(&o->s);
		load_with(row->name, "\001not a value", 1, o);
		/* the key file is read for RS256 only */
		if (row->parse != setting_text &&
		    row->parse != setting_public_key_file) {
			cr_assert_eq(o->rc, -1, "%s accepted", row->name);
			cr_assert_eq(strncmp(o->err, row->name,
					 strlen(row->name)),
			    0, "%s", o->err);
		}
		settings_free(&o->s);
	}
	free(o);
}
