/* SPDX-License-Identifier: MIT */
/* Option tables: validation, the command line, typed getters and defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mw_core.h"

static const struct mw_unit pct[] = {{"%", 1, 1}, {NULL, 0, 0}};
static const char *const modes[] = {"fast", "slow", NULL};

static const struct mw_option opts[] = {
    {"host", 'H', MW_OPT_STRING, 0, "HOST", "127.0.0.1", "Host.", NULL, NULL},
    {"port", 'p', MW_OPT_INT, 0, "PORT", "5432", "Port.", NULL, NULL},
    {"ratio", 0, MW_OPT_DOUBLE, 0, "N", NULL, "Ratio.", NULL, NULL},
    {"all", 'A', MW_OPT_BOOL, 0, NULL, NULL, "All.", NULL, NULL},
    {"path", 'P', MW_OPT_STRING, MW_OPT_REPEAT, "PATH", NULL, "Path.", NULL, NULL},
    {"tools", 'T', MW_OPT_LIST, 0, "NAMES", NULL, "Tools.", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", "80%", "Warn.", pct, NULL},
    {"interval", 'i', MW_OPT_DURATION, 0, "DURATION", "1m", "Interval.", NULL, NULL},
    {"mode", 'm', MW_OPT_STRING, 0, "MODE", "fast", "Mode.", NULL, modes},
    {"password", 0, MW_OPT_SECRET, 0, "SECRET", NULL, "Password.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static int parse(struct mw_args *args, char *err, size_t errlen, ...)
{
  char *argv[32];
  int argc = 0;
  va_list ap;
  char *arg;

  argv[argc++] = "check";
  va_start(ap, errlen);
  while ((arg = va_arg(ap, char *)) != NULL && argc < 31)
    argv[argc++] = arg;
  va_end(ap);
  argv[argc] = NULL;
  return mw_args_parse_argv(args, argc, argv, err, errlen);
}

static void test_table_is_valid(void **state)
{
  char err[256];
  (void)state;
  assert_int_equal(mw_options_validate(opts, err, sizeof(err)), 0);
}

static void test_bad_tables(void **state)
{
  char err[256];
  const struct mw_option clash_common[] = {
      {"tag", 't', MW_OPT_STRING, 0, "T", NULL, "x", NULL, NULL}, {NULL, 0, 0, 0, 0, 0, 0, 0, 0}};
  const struct mw_option dup[] = {{"a", 'a', MW_OPT_BOOL, 0, NULL, NULL, "x", NULL, NULL},
                                  {"a", 0, MW_OPT_BOOL, 0, NULL, NULL, "x", NULL, NULL},
                                  {NULL, 0, 0, 0, 0, 0, 0, 0, 0}};
  const struct mw_option bad_default[] = {{"n", 0, MW_OPT_INT, 0, "N", "ten", "x", NULL, NULL},
                                          {NULL, 0, 0, 0, 0, 0, 0, 0, 0}};
  const struct mw_option no_metavar[] = {{"n", 0, MW_OPT_INT, 0, NULL, NULL, "x", NULL, NULL},
                                         {NULL, 0, 0, 0, 0, 0, 0, 0, 0}};
  const struct mw_option bad_name[] = {{"Bad_Name", 0, MW_OPT_BOOL, 0, NULL, NULL, "x", NULL, NULL},
                                       {NULL, 0, 0, 0, 0, 0, 0, 0, 0}};
  (void)state;

  assert_int_equal(mw_options_validate(clash_common, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "clashes"));
  assert_int_equal(mw_options_validate(dup, err, sizeof(err)), -1);
  assert_int_equal(mw_options_validate(bad_default, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "default"));
  assert_int_equal(mw_options_validate(no_metavar, err, sizeof(err)), -1);
  assert_int_equal(mw_options_validate(bad_name, err, sizeof(err)), -1);
}

static void test_defaults(void **state)
{
  struct mw_args *a = mw_args_new(opts);
  struct mw_range r;
  (void)state;

  assert_string_equal(mw_args_str(a, "host"), "127.0.0.1");
  assert_int_equal(mw_args_int(a, "port"), 5432);
  assert_false(mw_args_given(a, "port"));
  assert_int_equal(mw_args_count(a, "port"), 1);
  assert_int_equal(mw_args_count(a, "path"), 0);
  assert_false(mw_args_bool(a, "all"));
  assert_true(mw_args_duration(a, "interval") == 60);
  assert_true(mw_args_duration(a, "timeout") == 10);
  assert_int_equal(mw_args_state(a, "timeout-state"), MW_CRITICAL);
  assert_true(mw_args_range(a, "warning", &r));
  assert_true(r.end == 80);
  assert_string_equal(mw_args_str(a, "format"), "text");
  assert_null(mw_args_str(a, "no-such-option"));
  mw_args_free(a);
}

static void test_argv(void **state)
{
  struct mw_args *a = mw_args_new(opts);
  char err[256];
  (void)state;

  assert_int_equal(parse(a, err, sizeof(err), "-H", "db1", "--port=6543", "-A", "-P", "/a",
                         "--path", "/b", "-T", "x, y,,z", "-w", "90%", "-vv", "-v", "-t", "500ms",
                         "--mode", "slow", "--ratio", "-0.5", NULL),
                   21);
  assert_string_equal(mw_args_str(a, "host"), "db1");
  assert_int_equal(mw_args_int(a, "port"), 6543);
  assert_true(mw_args_bool(a, "all"));
  assert_int_equal(mw_args_count(a, "path"), 2);
  assert_string_equal(mw_args_str_at(a, "path", 1), "/b");
  assert_int_equal(mw_args_count(a, "tools"), 3);
  assert_string_equal(mw_args_str_at(a, "tools", 1), "y");
  assert_string_equal(mw_args_str_at(a, "tools", 2), "z");
  assert_int_equal(mw_args_verbosity(a), 3);
  assert_true(mw_args_duration(a, "timeout") == 0.5);
  assert_string_equal(mw_args_str(a, "mode"), "slow");
  assert_true(mw_args_double(a, "ratio") == -0.5);
  mw_args_free(a);
}

static void test_durations(void **state)
{
  static const struct {
    const char *text;
    double seconds; /* -1: refused */
  } cases[] = {{"10", 10},   {"2.5s", 2.5}, {"500ms", 0.5}, {"250us", 250e-6},
               {"2m", 120},  {"1h", 3600},  {"7d", 604800}, {"366d", 366 * 86400.0},
               {"367d", -1}, {"-1", -1},    {"1w", -1},     {"", -1},
               {"d", -1},    {"1 h", -1}};
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double seconds = -42;
    int rc = mw_duration_parse(cases[i].text, &seconds);

    if (cases[i].seconds < 0) {
      assert_int_equal(rc, -1);
    } else {
      assert_int_equal(rc, 0);
      assert_true(seconds == cases[i].seconds);
    }
  }
}

static void test_argv_errors(void **state)
{
  struct mw_args *a;
  char err[256];
  (void)state;

  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "--nope", NULL), -1);
  assert_string_equal(err, "unknown option '--nope'");
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-Z", NULL), -1);
  assert_string_equal(err, "unknown option '-Z'");
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-H", NULL), -1);
  assert_string_equal(err, "option '-H' needs a value");
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "--host", NULL), -1);
  assert_string_equal(err, "option '--host' needs a value");
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-p", "54x", NULL), -1);
  assert_non_null(strstr(err, "expects an integer"));
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-w", "80", NULL), -1);
  assert_non_null(strstr(err, "needs a unit"));
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "--mode", "medium", NULL), -1);
  assert_string_equal(err, "--mode must be one of fast, slow");
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-t", "soon", NULL), -1);
  assert_non_null(strstr(err, "duration"));
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "--timeout-state", "bad", NULL), -1);
  mw_args_free(a);
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "--all=yes", NULL), -1);
  mw_args_free(a);
  /* positional arguments are moved to the end and left to the caller */
  a = mw_args_new(opts);
  assert_int_equal(parse(a, err, sizeof(err), "-A", "extra", "-H", "x", NULL), 4);
  assert_string_equal(mw_args_str(a, "host"), "x");
  mw_args_free(a);
}

static void test_config_values(void **state)
{
  struct mw_args *a = mw_args_new(opts);
  char err[256];
  (void)state;

  assert_int_equal(mw_args_set(a, "all", "yes", err, sizeof(err)), 0);
  assert_true(mw_args_bool(a, "all"));
  assert_int_equal(mw_args_set(a, "all", "off", err, sizeof(err)), 0);
  assert_false(mw_args_bool(a, "all"));
  assert_int_equal(mw_args_set(a, "all", "maybe", err, sizeof(err)), -1);
  assert_int_equal(mw_args_set(a, "host", "a", err, sizeof(err)), 0);
  assert_int_equal(mw_args_set(a, "host", "b", err, sizeof(err)), 0);
  assert_int_equal(mw_args_count(a, "host"), 1); /* not repeatable: the last one wins */
  assert_string_equal(mw_args_str(a, "host"), "b");
  assert_int_equal(mw_args_set(a, "nope", "1", err, sizeof(err)), -1);
  assert_string_equal(err, "unknown option 'nope'");
  mw_args_free(a);
}

static void test_help(void **state)
{
  struct mw_buf out;
  (void)state;

  mw_buf_init(&out, 1 << 16);
  assert_int_equal(mw_options_help(opts, &out), 0);
  assert_non_null(strstr(mw_buf_str(&out), "  -H, --host=HOST"));
  assert_non_null(strstr(mw_buf_str(&out), "Default: 127.0.0.1."));
  assert_non_null(strstr(mw_buf_str(&out), "      --ratio=N"));
  assert_non_null(strstr(mw_buf_str(&out), "Comma separated; repeatable."));
  mw_buf_free(&out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_is_valid), cmocka_unit_test(test_bad_tables),
      cmocka_unit_test(test_defaults),       cmocka_unit_test(test_argv),
      cmocka_unit_test(test_argv_errors),    cmocka_unit_test(test_config_values),
      cmocka_unit_test(test_help),           cmocka_unit_test(test_durations),
  };
  return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
