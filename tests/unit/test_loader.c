/* SPDX-License-Identifier: MIT */
/* test_loader.c - what unloading a module leaves mapped: everything goes by default (the agent
 * and collectd load modules again on reload), nothing before exit once a one-shot command asked
 * to keep them, and a module refused at load goes either way. Runs on the build tree's checks,
 * notifiers and test modules (MCPWATCH_CHECK_DIR, MCPWATCH_NOTIFIER_DIR, TEST_PLUGINS). */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mw_core.h"

/* Whether the object at path is mapped in this process, without loading it. */
static bool mapped(const char *path)
{
  void *handle = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);

  if (!handle)
    return false;
  dlclose(handle);
  return true;
}

static void module_path(const char *dir, const char *file, char *out, size_t outlen)
{
  int n = snprintf(out, outlen, "%s/%s", dir, file);

  assert_true(n > 0 && (size_t)n < outlen);
}

/* One test, in this order: once mw_loader_keep_loaded is called it cannot be undone. */
static void test_unload_and_keep(void **state)
{
  struct mw_plugin plugin;
  struct mw_notifier_plugin notifier;
  char disk[4096];
  char badabi[4096];
  const char *test_plugins = getenv("TEST_PLUGINS");
  char webhook[4096];
  char err[MW_ERR_MAX];

  (void)state;
  module_path(mw_check_dir(), "disk.so", disk, sizeof(disk));
  assert_non_null(test_plugins);
  module_path(test_plugins, "badabi.so", badabi, sizeof(badabi));
  module_path(mw_notifier_dir(), "webhook.so", webhook, sizeof(webhook));

  /* By default an unloaded module is gone. */
  assert_false(mapped(disk));
  assert_int_equal(mw_plugin_load("disk", &plugin, err, sizeof(err)), 0);
  assert_true(mapped(disk));
  mw_plugin_unload(&plugin);
  assert_false(mapped(disk));
  assert_int_equal(mw_notifier_load("webhook", &notifier, err, sizeof(err)), 0);
  mw_notifier_unload(&notifier);
  assert_false(mapped(webhook));

  /* A module refused at load (built for another ABI) is unloaded even when asked to keep. */
  mw_loader_keep_loaded();
  assert_false(mapped(badabi));
  assert_int_equal(mw_plugin_load_path(badabi, &plugin, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "ABI"));
  assert_false(mapped(badabi));

  /* Asked to keep: unloaded, still mapped, and loading it again finds the same check. */
  assert_int_equal(mw_plugin_load("disk", &plugin, err, sizeof(err)), 0);
  mw_plugin_unload(&plugin);
  assert_null(plugin.check);
  assert_true(mapped(disk));
  assert_int_equal(mw_plugin_load("disk", &plugin, err, sizeof(err)), 0);
  assert_string_equal(plugin.check->name, "disk");
  mw_plugin_unload(&plugin);
  assert_int_equal(mw_notifier_load("webhook", &notifier, err, sizeof(err)), 0);
  mw_notifier_unload(&notifier);
  assert_true(mapped(webhook));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unload_and_keep),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
