/*
 * settings-docs: prints what the settings table (src/infra/settings.c)
 * documents, so that the table is the single source of each:
 *
 *   settings-docs env     .env.example
 *   settings-docs table   the Markdown table of docs/operations.md
 *   settings-docs dev     the SERVICE_SETTINGS array of scripts/dev
 *
 * scripts/settings-docs writes them into their files, or with --check
 * fails when a file disagrees (make lint).
 */
#include <stdio.h>
#include <string.h>

#include "infra/settings.h"

#define ENV_WIDTH 76 /* comment lines of .env.example, after "# " */
#define DEV_WIDTH 72 /* scripts/dev's array lines (a tab counts 0) */

static const char env_head[] =
    "# bee-customers settings: environment variables win over this file.\n"
    "# Copy to .env and edit. `scripts/dev run` starts private servers for "
    "any\n"
    "# of DATABASE_URL, RABBITMQ_URL, REDIS_URL left unset, and writes a\n"
    "# development SECRET_KEY here if none is set.\n"
    "# Generated from src/infra/settings.c by `make settings-docs`: edit the\n"
    "# table there, not this file.\n";

static const char env_tail[] =
    "# docker-compose.yml only (the service does not read these): the "
    "servers'\n"
    "# passwords (development defaults postgres and bee; URL-safe "
    "characters),\n"
    "# Grafana's admin password (default admin), the image name.\n"
    "#POSTGRES_PASSWORD=\n"
    "#RABBITMQ_USER=bee\n"
    "#RABBITMQ_PASSWORD=\n"
    "#GRAFANA_ADMIN_PASSWORD=\n"
    "#BEE_IMAGE=bee-customers:local\n";

static void print_env(void);
static void print_table(void);
static void print_dev(void);
static void comment(const char *, size_t);

int
main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "env"))
		print_env();
	else if (argc == 2 && !strcmp(argv[1], "table"))
		print_table();
	else if (argc == 2 && !strcmp(argv[1], "dev"))
		print_dev();
	else {
		(void)fprintf(stderr, "usage: settings-docs env|table|dev\n");
		return (64);
	}
	return (fflush(stdout) == 0 ? 0 : 1);
}

/* A row with a default sets it; one without is commented out. */
static void
print_env(void)
{
	const struct setting *row;
	size_t i;

	(void)fputs(env_head, stdout);
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		(void)putchar('\n');
		comment(row->about, ENV_WIDTH);
		if (row->alias != NULL)
			(void)printf("# (%s is accepted too)\n", row->alias);
		if (row->fallback != NULL)
			(void)printf("%s=%s\n", row->name, row->fallback);
		else
			(void)printf("#%s=\n", row->name);
	}
	(void)putchar('\n');
	(void)fputs(env_tail, stdout);
}

static void
print_table(void)
{
	const struct setting *row;
	size_t i;

	(void)printf("| name | default | meaning |\n|---|---|---|\n");
	for (i = 0; i < settings_table_len; i++) {
		row = &settings_table[i];
		(void)printf("| `%s`", row->name);
		if (row->alias != NULL)
			(void)printf(" (`%s` accepted)", row->alias);
		if (row->shown != NULL)
			(void)printf(" | %s", row->shown);
		else if (row->fallback == NULL)
			(void)printf(" | unset");
		else
			(void)printf(" | `%s`", row->fallback);
		(void)printf(" | %s |\n", row->about);
	}
}

/* Every name the service reads, aliases too: scripts/dev clears them. */
static void
print_dev(void)
{
	const char *name;
	size_t i, col;

	col = (size_t)printf("SERVICE_SETTINGS=(");
	for (i = 0; i < 2 * settings_table_len; i++) {
		name = i % 2 ? settings_table[i / 2].alias :
			       settings_table[i / 2].name;
		if (name == NULL)
			continue;
		if (col + 1 + strlen(name) > DEV_WIDTH) {
			(void)printf("\n\t");
			col = 0;
		} else if (name != settings_table[0].name) {
			(void)putchar(' ');
			col++;
		}
		col += (size_t)printf("%s", name);
	}
	(void)printf(")\n");
}

/* `text` as "# " lines of at most `width` characters after the "# ". */
static void
comment(const char *text, size_t width)
{
	const char *p, *end;
	size_t col, len;

	col = 0;
	for (p = text; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if ((end = strchr(p, ' ')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (col == 0)
			(void)fputs("# ", stdout);
		else if (col + 1 + len > width) {
			(void)fputs("\n# ", stdout);
			col = 0;
		} else {
			(void)putchar(' ');
			col++;
		}
		(void)fwrite(p, 1, len, stdout);
		col += len;
	}
	(void)putchar('\n');
}
