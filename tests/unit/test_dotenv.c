/*
 * dotenv.c: `.env` lines as python-dotenv (pydantic-settings) reads them;
 * the environment always wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "infra/dotenv.h"
#include "support/unit.h"

static void parse(struct dotenv *, const char *);

static void
parse(struct dotenv *env, const char *text)
{
	memset(env, 0, sizeof(*env));
	cr_assert_eq(dotenv_parse(env, text), 0, "%s: %s", text, env->error);
}

static void
init(void)
{
	(void)unsetenv("BEE_UNIT_A");
	(void)unsetenv("BEE_UNIT_B");
}

static void
fini(void)
{
	unit_temp_cleanup();
}

TestSuite(dotenv, .init = init, .fini = fini);

Test(dotenv, key_value_lines)
{
	struct dotenv env;

	parse(&env, "BEE_UNIT_A=1\nBEE_UNIT_B=two words\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "1");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"), "two words");
	cr_assert_null(dotenv_get(&env, "BEE_UNIT_C"));
	dotenv_free(&env);
}

Test(dotenv, comments_blank_lines_and_spaces)
{
	struct dotenv env;

	parse(&env,
	    "# a comment\n\n   \n  # indented comment\n"
	    "  BEE_UNIT_A = spaced  \r\n");
	cr_assert_eq(env.count, 1);
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "spaced");
	dotenv_free(&env);
}

Test(dotenv, inline_comment_after_unquoted_value)
{
	struct dotenv env;

	parse(&env,
	    "BEE_UNIT_A=https://a.example,https://b.example # two\n"
	    "BEE_UNIT_B=a#b\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"),
	    "https://a.example,https://b.example");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"), "a#b");
	dotenv_free(&env);
}

Test(dotenv, quotes)
{
	struct dotenv env;

	parse(&env, "BEE_UNIT_A=\"Bee # Test\"\nBEE_UNIT_B='single \"q\"'\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "Bee # Test");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"), "single \"q\"");
	dotenv_free(&env);
}

Test(dotenv, quoted_value_then_a_comment)
{
	struct dotenv env;

	parse(&env,
	    "BEE_UNIT_A=\"Bee Test\" # the name\n"
	    "BEE_UNIT_B='x y'   # another\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "Bee Test");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"), "x y");
	dotenv_free(&env);
}

Test(dotenv, export_prefix)
{
	struct dotenv env;

	parse(&env, "export BEE_UNIT_A=1\nexport\tBEE_UNIT_B=\"2\"\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "1");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"), "2");
	cr_assert_null(dotenv_get(&env, "export BEE_UNIT_A"));
	dotenv_free(&env);
}

Test(dotenv, empty_value_and_equals_in_value)
{
	struct dotenv env;

	parse(&env, "BEE_UNIT_A=\nBEE_UNIT_B=postgresql://u:p@h/db?a=b&c=d\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_B"),
	    "postgresql://u:p@h/db?a=b&c=d");
	dotenv_free(&env);
}

Test(dotenv, last_duplicate_wins)
{
	struct dotenv env;

	parse(&env, "BEE_UNIT_A=1\nBEE_UNIT_A=2\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "2");
	dotenv_free(&env);
}

Test(dotenv, environment_wins)
{
	struct dotenv env;

	cr_assert_eq(setenv("BEE_UNIT_A", "from-env", 1), 0);
	parse(&env, "BEE_UNIT_A=from-file\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "from-env");
	(void)unsetenv("BEE_UNIT_A");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "from-file");
	dotenv_free(&env);
}

Test(dotenv, empty_environment_value_still_wins)
{
	struct dotenv env;

	cr_assert_eq(setenv("BEE_UNIT_A", "", 1), 0);
	parse(&env, "BEE_UNIT_A=from-file\n");
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "");
	dotenv_free(&env);
}

Test(dotenv, bad_line_named)
{
	struct dotenv env;

	memset(&env, 0, sizeof(env));
	cr_assert_eq(dotenv_parse(&env, "BEE_UNIT_A=1\n# ok\ngarbage\n"), -1);
	cr_assert_str_eq(env.error, "line 3: expected KEY=value");
	cr_assert_eq(env.count, 0);
	cr_assert_null(env.pairs);

	memset(&env, 0, sizeof(env));
	cr_assert_eq(dotenv_parse(&env, "=value\n"), -1);
	cr_assert_str_eq(env.error, "line 1: empty key");
}

Test(dotenv, read_file)
{
	struct dotenv env;
	char *path;

	path = unit_temp_file("# settings\nexport BEE_UNIT_A='from file'\n");
	cr_assert_eq(dotenv_read(&env, path), 0);
	cr_assert_str_eq(dotenv_get(&env, "BEE_UNIT_A"), "from file");
	dotenv_free(&env);
	free(path);
}

Test(dotenv, missing_file_is_empty)
{
	struct dotenv env;
	char *path;

	path = unit_missing_path();
	cr_assert_eq(dotenv_read(&env, path), 0);
	cr_assert_eq(env.count, 0);
	cr_assert_null(dotenv_get(&env, "BEE_UNIT_A"));
	dotenv_free(&env);
	free(path);
}

/* A file past the bound is refused whole, never read in part. */
Test(dotenv, oversized_file_is_refused)
{
	struct dotenv env;
	char *text, *path;
	size_t len, i;

	len = 256 * 1024 + 1;
	cr_assert_not_null(text = malloc(len + 1));
	for (i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '\n' : '#';
	text[len] = '\0';
	path = unit_temp_file(text);
	cr_assert_eq(dotenv_read(&env, path), -1);
	cr_assert_not_null(strstr(env.error, "larger than 256 KiB"), "%s",
	    env.error);
	cr_assert_eq(env.count, 0);
	free(path);

	/* at the bound exactly: read */
	text[len - 1] = '\0';
	path = unit_temp_file(text);
	cr_assert_eq(dotenv_read(&env, path), 0, "%s", env.error);
	dotenv_free(&env);
	free(path);
	free(text);
}

/* A NUL would hide the rest of the file from the parser: refused. */
Test(dotenv, nul_byte_is_refused)
{
	static const char text[] = "BEE_UNIT_A=1\n\0BEE_UNIT_B=2\n";
	struct dotenv env;
	char *path;
	FILE *fp;

	path = unit_temp_file("");
	cr_assert_not_null(fp = fopen(path, "w"));
	cr_assert_eq(fwrite(text, 1, sizeof(text) - 1, fp), sizeof(text) - 1);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(dotenv_read(&env, path), -1);
	cr_assert_not_null(strstr(env.error, "NUL"), "%s", env.error);
	free(path);
}
