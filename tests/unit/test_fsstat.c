/* SPDX-License-Identifier: MIT */
/* statvfs bounded by a deadline, by each of its three ways, and the disk check's mount lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mounts.h"
#include "mw_core.h"

static void expect_same_as_statvfs(const char *fstype)
{
  struct statvfs direct;
  struct statvfs bounded;
  mw_deadline deadline = mw_now_ns() + 5000000000LL;

  assert_int_equal(statvfs("/", &direct), 0);
  memset(&bounded, 0, sizeof(bounded));
  assert_int_equal(mw_statvfs_bounded("/", fstype, &bounded, deadline), 0);
  assert_true(bounded.f_blocks == direct.f_blocks);
  assert_true(bounded.f_files == direct.f_files);
  assert_int_equal(mw_statvfs_bounded("/no/such/path", fstype, &bounded, deadline), ENOENT);
}

static void test_local_direct(void **state)
{
  (void)state;
  expect_same_as_statvfs("ext4");
}

static void test_network_thread(void **state)
{
  (void)state;
  expect_same_as_statvfs("nfs4");
}

static void test_fuse_and_unknown_child(void **state)
{
  (void)state;
  expect_same_as_statvfs("fuse.sshfs");
  expect_same_as_statvfs(NULL);
}

static struct mount items[] = {
    {"/", "ext4", "8:1"},  {"/a", "tmpfs", "0:40"},    {"/a/b", "nfs4", "0:41"},
    {"/ab", "xfs", "8:2"}, {"/a/b", "fuse.x", "0:42"}, /* mounted over the nfs4 one */
};
static const struct mount_table table = {items, sizeof(items) / sizeof(items[0])};

static const char *type_of(const char *path)
{
  const struct mount *m = mount_table_find(&table, path);

  return m ? m->type : NULL;
}

static void test_mount_lookup(void **state)
{
  (void)state;
  assert_string_equal(type_of("/"), "ext4");
  assert_string_equal(type_of("/etc/passwd"), "ext4");
  assert_string_equal(type_of("/a"), "tmpfs");
  assert_string_equal(type_of("/a/"), "tmpfs");
  assert_string_equal(type_of("/a/x"), "tmpfs");
  assert_string_equal(type_of("/ab"), "xfs");       /* not under /a */
  assert_string_equal(type_of("/abc"), "ext4");     /* nor under /ab */
  assert_string_equal(type_of("/a/b/c"), "fuse.x"); /* the later mount hides the earlier */
  assert_string_equal(type_of("//a/./b//c/"), "fuse.x");
  assert_null(type_of("/a/../a/b")); /* ".." is not resolved by text: unknown */
}

static void test_relative_paths(void **state)
{
  (void)state;
  assert_int_equal(chdir("/"), 0);
  assert_string_equal(type_of("a/b"), "fuse.x");
  assert_string_equal(type_of("."), "ext4");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_local_direct),           cmocka_unit_test(test_network_thread),
      cmocka_unit_test(test_fuse_and_unknown_child), cmocka_unit_test(test_mount_lookup),
      cmocka_unit_test(test_relative_paths),
  };
  return cmocka_run_group_tests_name("fsstat", tests, NULL, NULL);
}
