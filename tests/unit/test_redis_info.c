/* SPDX-License-Identifier: MIT */
/* test_redis_info.c - INFO parsing: CRLF and LF, sections, unknown and empty fields, prefixes,
 * sub-fields, numbers, and replies that are not NUL terminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis_info.h"

static const char sample[] = "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:42\r\n\r\n"
                             "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                             "slave0:ip=127.0.0.1,port=6380,state=online,offset=14,lag=0\r\n"
                             "master_repl_offset:20\r\nempty:\r\nweird:12abc\r\nlast:7";

static bool get(const char *info, const char *field, char *out, size_t outlen)
{
  struct info_value v;

  if (!redis_info_get(info, strlen(info), field, &v))
    return false;
  snprintf(out, outlen, "%.*s", (int)v.len, v.text);
  return true;
}

static void test_fields(void **state)
{
  char text[64];
  double n;

  (void)state;
  assert_true(get(sample, "redis_version", text, sizeof(text)));
  assert_string_equal(text, "7.0.15");
  assert_true(get(sample, "role", text, sizeof(text)));
  assert_string_equal(text, "master");
  assert_true(get(sample, "empty", text, sizeof(text)));
  assert_string_equal(text, "");
  assert_true(get(sample, "last", text, sizeof(text)));
  assert_string_equal(text, "7");
  /* A prefix of a field, a section header and a missing field are not fields. */
  assert_false(get(sample, "redis", text, sizeof(text)));
  assert_false(get(sample, "Server", text, sizeof(text)));
  assert_false(get(sample, "# Server", text, sizeof(text)));
  assert_false(get(sample, "missing", text, sizeof(text)));
  assert_false(get(sample, "", text, sizeof(text)));
  assert_true(redis_info_number(sample, strlen(sample), "master_repl_offset", &n));
  assert_true(n == 20);
  assert_false(redis_info_number(sample, strlen(sample), "weird", &n));
  assert_false(redis_info_number(sample, strlen(sample), "empty", &n));
  assert_false(redis_info_number(sample, strlen(sample), "role", &n));
}

static void test_lf_only(void **state)
{
  static const char lf[] = "a:1\nb:2\n";
  double n;

  (void)state;
  assert_true(redis_info_number(lf, strlen(lf), "b", &n));
  assert_true(n == 2);
}

static void test_subfields(void **state)
{
  struct info_value line;
  struct info_value v;
  double n;

  (void)state;
  assert_true(redis_info_get(sample, strlen(sample), "slave0", &line));
  assert_true(redis_info_subfield(&line, "port", &v));
  assert_true(redis_info_value_number(&v, &n));
  assert_true(n == 6380);
  assert_true(redis_info_subfield(&line, "lag", &v));
  assert_int_equal(v.len, 1);
  assert_true(redis_info_subfield(&line, "state", &v));
  assert_memory_equal(v.text, "online", 6);
  assert_false(redis_info_subfield(&line, "off", &v));
  assert_false(redis_info_subfield(&line, "missing", &v));
}

/* The reply is a length and bytes: nothing may be read past the length, and a NUL inside the
 * reply ends nothing. */
static void test_not_terminated(void **state)
{
  char *buf = malloc(8);
  struct info_value v;
  double n;

  (void)state;
  memcpy(buf, "k:12\nx:9", 8);
  assert_true(redis_info_number(buf, 8, "x", &n));
  assert_true(n == 9);
  assert_true(redis_info_get(buf, 6, "x", &v) == false);
  memcpy(buf, "a\0b:1\nc:", 8);
  assert_true(redis_info_get(buf, 8, "c", &v));
  assert_int_equal(v.len, 0);
  free(buf);
}

static void test_long_number(void **state)
{
  char big[200];
  double n;

  (void)state;
  memset(big, '9', sizeof(big));
  memcpy(big, "n:", 2);
  assert_false(redis_info_number(big, sizeof(big), "n", &n));
}

static void test_persistence(void **state)
{
  static const char failed[] = "rdb_last_bgsave_status:err\r\naof_enabled:0\r\n";
  static const char silent[] = "# Persistence\r\nloading:0\r\nrdb_changes_since_last_save:3\r\n";
  static const char aof_failed[] =
      "rdb_last_bgsave_status:ok\r\naof_enabled:1\r\naof_last_write_status:err\r\n";
  static const char rewrite_failed[] =
      "rdb_last_bgsave_status:ok\r\naof_enabled:1\r\naof_last_write_status:ok\r\n"
      "aof_last_bgrewrite_status:err\r\n";
  static const char fine[] = "rdb_last_bgsave_status:ok\r\naof_enabled:0\r\n";
  int severity = -1;

  (void)state;
  assert_string_equal(redis_persistence_problem(failed, strlen(failed), &severity),
                      "the last RDB save failed");
  assert_int_equal(severity, 2);
  /* A server that does not report the fields: no failure is made up. */
  assert_null(redis_persistence_problem(silent, strlen(silent), &severity));
  assert_int_equal(severity, 0);
  assert_string_equal(redis_persistence_problem(aof_failed, strlen(aof_failed), &severity),
                      "the last AOF write failed");
  assert_int_equal(severity, 2);
  assert_string_equal(redis_persistence_problem(rewrite_failed, strlen(rewrite_failed), &severity),
                      "the last AOF rewrite failed");
  assert_int_equal(severity, 1);
  assert_null(redis_persistence_problem(fine, strlen(fine), &severity));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields),      cmocka_unit_test(test_lf_only),
      cmocka_unit_test(test_subfields),   cmocka_unit_test(test_not_terminated),
      cmocka_unit_test(test_long_number), cmocka_unit_test(test_persistence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
