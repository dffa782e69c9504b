/* SPDX-License-Identifier: MIT */
/* Pieces the agent leans on: the log rate limiter (libmcpwatch) and the HTTP Basic header the
 * icinga2 notifier sends (libmwhttp). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mw_core.h"
#ifdef HAVE_MWHTTP
#include "mw_http.h"
#endif

#define S 1000000000LL

static void test_ratelog_doubles(void **state)
{
  struct mw_ratelog *rl = mw_ratelog_new(60, 240);
  unsigned long held = 99;
  (void)state;

  assert_non_null(rl);
  assert_true(mw_ratelog_allow(rl, "error: a", 0, &held));
  assert_int_equal(held, 0);
  assert_false(mw_ratelog_allow(rl, "error: a", 1 * S, &held));
  assert_false(mw_ratelog_allow(rl, "error: a", 59 * S, &held));
  assert_true(mw_ratelog_allow(rl, "error: b", 59 * S, &held)); /* another message is news */
  assert_true(mw_ratelog_allow(rl, "error: a", 60 * S, &held));
  assert_int_equal(held, 2);
  /* The hold-off doubled to 120 s. */
  assert_false(mw_ratelog_allow(rl, "error: a", 179 * S, &held));
  assert_true(mw_ratelog_allow(rl, "error: a", 180 * S, &held));
  assert_int_equal(held, 1);
  /* 240 s at most. */
  assert_false(mw_ratelog_allow(rl, "error: a", 419 * S, &held));
  assert_true(mw_ratelog_allow(rl, "error: a", 420 * S, &held));
  assert_false(mw_ratelog_allow(rl, "error: a", 659 * S, &held));
  assert_true(mw_ratelog_allow(rl, "error: a", 660 * S, &held));
  mw_ratelog_free(rl);
}

static void test_ratelog_quiet_resets(void **state)
{
  struct mw_ratelog *rl = mw_ratelog_new(60, 240);
  unsigned long held;
  (void)state;

  assert_true(mw_ratelog_allow(rl, "x", 0, &held));
  assert_false(mw_ratelog_allow(rl, "x", 10 * S, &held));
  /* Not seen for the longest hold-off: written at once, as a first time. */
  assert_true(mw_ratelog_allow(rl, "x", 10 * S + 240 * S, &held));
  assert_int_equal(held, 0);
  assert_false(mw_ratelog_allow(rl, "x", 10 * S + 241 * S, &held));
  mw_ratelog_free(rl);
}

static void test_ratelog_many_messages(void **state)
{
  struct mw_ratelog *rl = mw_ratelog_new(60, 3600);
  unsigned long held;
  char text[32];
  int i;
  (void)state;

  /* More distinct messages than it keeps: the oldest are forgotten, never wrongly held. */
  for (i = 0; i < 1000; i++) {
    snprintf(text, sizeof(text), "error: %d", i);
    assert_true(mw_ratelog_allow(rl, text, i, &held));
  }
  assert_true(mw_ratelog_allow(rl, "error: 0", 1000, &held));
  /* The most recent ones are still remembered. */
  assert_false(mw_ratelog_allow(rl, "error: 999", 1001, &held));
  mw_ratelog_free(rl);
}

/* A secret file every user can read or write is refused, without its contents in the reason;
 * the owner's and the group's access is fine (root:mcpwatch 0640). So are one in a folder every
 * user can write, another user's, an empty one and a folder. */
static void test_secret_file_permissions(void **state)
{
  char dir[] = "/tmp/mcpwatch-unit.XXXXXX";
  char path[64];
  char shared[] = "/tmp/mcpwatch-unit-secret.XXXXXX";
  char out[64];
  char err[256];
  int fd;
  (void)state;

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/secret", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "s3cret\n", 7), 7);
  close(fd);
  assert_int_equal(chmod(path, 0640), 0);
  assert_int_equal(mw_read_secret_file(path, out, sizeof(out), err, sizeof(err)), 0);
  assert_string_equal(out, "s3cret");
  assert_int_equal(chmod(path, 0644), 0);
  assert_int_equal(mw_read_secret_file(path, out, sizeof(out), err, sizeof(err)), -1);
  assert_non_null(strstr(err, "refusing"));
  assert_null(strstr(err, "s3cret"));
  assert_string_equal(out, "");
  assert_int_equal(chmod(path, 0602), 0);
  assert_int_equal(mw_read_secret_file(path, out, sizeof(out), err, sizeof(err)), -1);
  assert_int_equal(chmod(path, 0600), 0);
  if (geteuid() == 0) {
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(mw_read_secret_file(path, out, sizeof(out), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "owned by uid 65534"));
    assert_int_equal(chown(path, 0, 0), 0);
  }
  assert_int_equal(truncate(path, 0), 0);
  assert_int_equal(mw_read_secret_file(path, out, sizeof(out), err, sizeof(err)), -1);
  assert_non_null(strstr(err, "first line is empty"));
  assert_int_equal(mw_read_secret_file(dir, out, sizeof(out), err, sizeof(err)), -1);
  assert_non_null(strstr(err, "not a regular file"));
  unlink(path);
  rmdir(dir);
  /* /tmp: every user can write there, so anyone could have put it there. */
  fd = mkstemp(shared);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "s3cret\n", 7), 7);
  close(fd);
  assert_int_equal(mw_read_secret_file(shared, out, sizeof(out), err, sizeof(err)), -1);
  assert_non_null(strstr(err, "its folder is writable by every user"));
  unlink(shared);
}

#ifdef HAVE_MWHTTP
static void test_basic_header(void **state)
{
  char dir[] = "/tmp/mcpwatch-unit.XXXXXX";
  char path[64];
  char out[256];
  char err[256];
  int fd;
  (void)state;

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/pw", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  /* RFC 7617's example: Aladdin / open sesame. */
  assert_int_equal(write(fd, "open sesame\n", 12), 12);
  close(fd);
  assert_int_equal(mw_http_basic_header("Aladdin", path, NULL, out, sizeof(out), err, sizeof(err)),
                   0);
  assert_string_equal(out, "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  setenv("MW_UNIT_PW", "ab", 1);
  assert_int_equal(
      mw_http_basic_header("u", NULL, "MW_UNIT_PW", out, sizeof(out), err, sizeof(err)), 0);
  assert_string_equal(out, "Authorization: Basic dTphYg==");
  setenv("MW_UNIT_PW", "abc", 1);
  assert_int_equal(
      mw_http_basic_header("u", NULL, "MW_UNIT_PW", out, sizeof(out), err, sizeof(err)), 0);
  assert_string_equal(out, "Authorization: Basic dTphYmM=");
  assert_int_equal(mw_http_basic_header("a:b", path, NULL, out, sizeof(out), err, sizeof(err)), -1);
  assert_non_null(strstr(err, "without ':'"));
  assert_int_equal(mw_http_basic_header("Aladdin", path, NULL, out, 30, err, sizeof(err)), -1);
  assert_null(strstr(err, "sesame"));
  unlink(path);
  rmdir(dir);
  assert_int_equal(mw_http_basic_header("Aladdin", path, NULL, out, sizeof(out), err, sizeof(err)),
                   -1);
  assert_null(strstr(err, "sesame"));
}
#endif

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ratelog_doubles),       cmocka_unit_test(test_ratelog_quiet_resets),
      cmocka_unit_test(test_ratelog_many_messages), cmocka_unit_test(test_secret_file_permissions),
#ifdef HAVE_MWHTTP
      cmocka_unit_test(test_basic_header),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
