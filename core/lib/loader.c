/* SPDX-License-Identifier: MIT */
/* loader.c - finds, verifies and loads check plugins; refuses what it cannot trust. */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_module.h"
#include "loader_bind.h"
#include "mw_core.h"

#define NAME_MAX_LEN 64

const char *mw_check_dir(void)
{
  const char *env = getenv("MCPWATCH_CHECK_DIR");

  return env && *env ? env : MW_CHECK_DIR;
}

static bool check_name_is_valid(const char *name)
{
  size_t len = strlen(name);
  const char *p;

  if (len == 0 || len > NAME_MAX_LEN || name[0] == '-')
    return false;
  for (p = name; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return false;
  }
  return true;
}

/* A plugin runs with the agent's privileges: anyone who can rewrite it, or swap it inside its
 * folder, owns the agent. */
static int check_trust(const char *path, char *err, size_t errlen)
{
  struct stat st;
  char *copy;
  int result = -1;

  if (stat(path, &st) != 0) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "refusing %s: not a regular file", path);
    return -1;
  }
  if (st.st_mode & S_IWOTH) {
    snprintf(err, errlen, "refusing %s: it is world-writable", path);
    return -1;
  }
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    snprintf(err, errlen, "refusing %s: owned by uid %u, neither root nor this user", path,
             (unsigned)st.st_uid);
    return -1;
  }
  copy = strdup(path);
  if (!copy) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (stat(dirname(copy), &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
    snprintf(err, errlen, "refusing %s: its folder is world-writable", path);
    goto cleanup;
  }
  result = 0;
cleanup:
  free(copy);
  return result;
}

int mw_object_trusted(const char *path, char *err, size_t errlen)
{
  return check_trust(path, err, errlen);
}

/* Set by one-shot commands (a check from the shell or Nagios, `notify`): see mw_loader_keep_loaded.
 * Set before any thread starts and never cleared. */
static bool keep_loaded;

void mw_loader_keep_loaded(void)
{
  keep_loaded = true;
}

/* A module that passed every test at load stays mapped until exit (RTLD_NODELETE, promoted on
 * the loaded object): its dlclose would unmap libcurl's or libpq's tree, 20 to 30 libraries,
 * one munmap each, where exit tears the address space down at once. A refused module is still
 * unloaded at once. */
static void keep_if_asked(const char *path)
{
  void *again;

  if (!keep_loaded)
    return;
  again = dlopen(path, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  if (again)
    dlclose(again);
}

/* RTLD_LAZY: binding every call of libpq's or libcurl's dependency tree at load was most of a
 * single check's start; loader_unbound_call keeps the refusal of a module that cannot run.
 * RTLD_DEEPBIND, for a one-shot command only: each of the ~8,000 symbols libpq's or libcurl's
 * tree looks up at load otherwise first walks the program's scope (the program, libmcpwatch,
 * libc, ld.so), then the module's, which holds all of those but the program again: 46% more
 * objects searched than a program linked against libpq, 2 M instructions of a postgres check's
 * 13 M. The module's scope first finds the same definitions, as long as nothing else is mapped
 * (loader_scope_is_own); a preloaded library must keep seeing the calls it wraps, so then, and in
 * the agent and collectd, the default order stays. */
static void *load_object(const char *path, char *err, size_t errlen)
{
  int deep = keep_loaded && loader_scope_is_own() ? RTLD_DEEPBIND : 0;
  void *handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL | deep);
  const char *missing;

  if (!handle) {
    const char *reason = dlerror();
    snprintf(err, errlen, "cannot load %s: %s", path, reason ? reason : "unknown error");
    return NULL;
  }
  missing = loader_unbound_call(handle);
  if (missing) {
    snprintf(err, errlen, "cannot load %s: undefined symbol: %.128s", path, missing);
    dlclose(handle);
    return NULL;
  }
  return handle;
}

int mw_plugin_load_path(const char *path, struct mw_plugin *out, char *err, size_t errlen)
{
  const struct mw_check *(*entry)(void);
  const struct mw_check *check;
  const char *base = loader_file_name(path);
  void *handle;
  char why[256];

  out->handle = NULL;
  out->check = NULL;
  if (check_trust(path, err, errlen) != 0)
    return -1;
  handle = load_object(path, err, errlen);
  if (!handle)
    return -1;
  *(void **)&entry = dlsym(handle, MW_CHECK_ENTRY_SYMBOL);
  if (!entry) {
    snprintf(err, errlen, "%s is not an mcpwatch check: it has no %s()", base,
             MW_CHECK_ENTRY_SYMBOL);
    goto fail;
  }
  check = entry();
  if (!check) {
    snprintf(err, errlen, "%s: %s() returned nothing", base, MW_CHECK_ENTRY_SYMBOL);
    goto fail;
  }
  if (check->abi != MW_CHECK_ABI) {
    snprintf(err, errlen,
             "%s was built for check ABI %u but this mcpwatch speaks ABI %u: rebuild or reinstall "
             "it",
             base, check->abi, MW_CHECK_ABI);
    goto fail;
  }
  if (!check->name || !check_name_is_valid(check->name) || !check->summary || !check->open ||
      !check->run || !check->close) {
    snprintf(err, errlen, "%s: incomplete check description (name, summary, open, run, close)",
             base);
    goto fail;
  }
  if (mw_options_validate(check->options, why, sizeof(why)) != 0) {
    snprintf(err, errlen, "%s: %s", base, why);
    goto fail;
  }
  out->handle = handle;
  out->check = check;
  return 0;

fail:
  dlclose(handle);
  return -1;
}

static int plugin_path(const char *name, struct mw_buf *path)
{
  const char *p;

  mw_buf_addf(path, "%s/", mw_check_dir());
  for (p = name; *p; p++)
    mw_buf_add(path, *p == '-' ? "_" : p, 1);
  mw_buf_adds(path, ".so");
  return path->failed ? -1 : 0;
}

int mw_plugin_load(const char *name, struct mw_plugin *out, char *err, size_t errlen)
{
  struct mw_buf path;
  struct stat st;
  int result = -1;

  out->handle = NULL;
  out->check = NULL;
  if (!check_name_is_valid(name)) {
    snprintf(err, errlen, "'%.64s' is not a check name (lower-case letters, digits and '-')", name);
    return -1;
  }
  mw_buf_init(&path, 4096);
  if (plugin_path(name, &path) != 0) {
    snprintf(err, errlen, "check directory path too long");
    goto cleanup;
  }
  if (stat(path.data, &st) != 0 && errno == ENOENT) {
    snprintf(err, errlen, "unknown check '%s' (no %s; 'mcpwatch list' shows the installed ones)",
             name, path.data);
    goto cleanup;
  }
  if (mw_plugin_load_path(path.data, out, err, errlen) != 0)
    goto cleanup;
  if (strcmp(out->check->name, name) != 0) {
    snprintf(err, errlen, "%s calls itself '%s', not '%s'", path.data, out->check->name, name);
    mw_plugin_unload(out);
    goto cleanup;
  }
  keep_if_asked(path.data);
  result = 0;
cleanup:
  mw_buf_free(&path);
  return result;
}

void mw_plugin_unload(struct mw_plugin *plugin)
{
  if (plugin->handle)
    dlclose(plugin->handle);
  plugin->handle = NULL;
  plugin->check = NULL;
}

const struct mw_check *mw_plugin_set_get(struct mw_plugin_set *set, const char *name, char *err,
                                         size_t errlen)
{
  struct mw_plugin *grown;
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (strcmp(set->plugins[i].check->name, name) == 0)
      return set->plugins[i].check;
  }
  grown = realloc(set->plugins, (set->count + 1) * sizeof(*grown));
  if (!grown) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  set->plugins = grown;
  if (mw_plugin_load(name, &set->plugins[set->count], err, errlen) != 0)
    return NULL;
  return set->plugins[set->count++].check;
}

void mw_plugin_set_free(struct mw_plugin_set *set)
{
  size_t i;

  for (i = 0; i < set->count; i++)
    mw_plugin_unload(&set->plugins[i]);
  free(set->plugins);
  set->plugins = NULL;
  set->count = 0;
}

int mw_dir_names(const char *dir, char *(*name_of)(const char *dir, const char *entry),
                 char ***names, size_t *count)
{
  struct dirent **entries = NULL;
  char **list;
  int n;
  int i;
  size_t k = 0;

  *names = NULL;
  *count = 0;
  n = scandir(dir, &entries, NULL, alphasort);
  if (n < 0)
    return -1;
  list = calloc((size_t)n + 1, sizeof(char *));
  for (i = 0; i < n; i++) {
    char *name = list && entries[i]->d_name[0] != '.' ? name_of(dir, entries[i]->d_name) : NULL;
    if (name)
      list[k++] = name;
    free(entries[i]);
  }
  free(entries);
  if (!list)
    return -1;
  *names = list;
  *count = k;
  return 0;
}

/* "rest_health.so" -> "rest-health"; anything else is not a check. "NAME_helper.so" is code a
 * check loads itself when an option needs it (redis_tls_helper.so: OpenSSL for redis --tls). */
static char *check_name_of(const char *dir, const char *entry)
{
  static const char helper[] = "_helper.so";
  size_t len = strlen(entry);
  char *name;
  char *p;

  (void)dir;
  if (len <= 3 || strcmp(entry + len - 3, ".so") != 0)
    return NULL;
  if (len > sizeof(helper) - 1 && strcmp(entry + len - (sizeof(helper) - 1), helper) == 0)
    return NULL;
  name = strndup(entry, len - 3);
  for (p = name; p && *p; p++) {
    if (*p == '_')
      *p = '-';
  }
  return name;
}

int mw_plugin_names(const char *dir, char ***names, size_t *count)
{
  return mw_dir_names(dir, check_name_of, names, count);
}

void mw_names_free(char **names, size_t count)
{
  size_t i;

  for (i = 0; i < count; i++)
    free(names[i]);
  free(names);
}

/* ---- notifiers ---- */

const char *mw_notifier_dir(void)
{
  const char *env = getenv("MCPWATCH_NOTIFIER_DIR");

  return env && *env ? env : MW_NOTIFIER_DIR;
}

static int notifier_check(const struct mw_notifier *n, const char *name, const char *base,
                          char *err, size_t errlen)
{
  char why[256];

  if (n->abi != MW_NOTIFIER_ABI) {
    snprintf(err, errlen,
             "%s was built for notifier ABI %u but this mcpwatch speaks ABI %u: rebuild or "
             "reinstall it",
             base, n->abi, MW_NOTIFIER_ABI);
    return -1;
  }
  if (!n->name || strcmp(n->name, name) != 0 || !n->summary || !n->open || !n->send || !n->close) {
    snprintf(err, errlen,
             "%s: incomplete notifier description (name '%s', summary, open, send, "
             "close)",
             base, name);
    return -1;
  }
  if (mw_options_validate_with(n->options, mw_notifier_common_options, why, sizeof(why)) != 0) {
    snprintf(err, errlen, "%s: %s", base, why);
    return -1;
  }
  return 0;
}

int mw_notifier_load(const char *name, struct mw_notifier_plugin *out, char *err, size_t errlen)
{
  const struct mw_notifier *(*entry)(void);
  const struct mw_notifier *notifier;
  struct mw_buf path;
  struct stat st;
  void *handle = NULL;
  int result = -1;

  out->handle = NULL;
  out->notifier = NULL;
  if (!check_name_is_valid(name)) {
    snprintf(err, errlen, "'%.64s' is not a notifier name (lower-case letters, digits and '-')",
             name);
    return -1;
  }
  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/%s.so", mw_notifier_dir(), name);
  if (path.failed) {
    snprintf(err, errlen, "notifier directory path too long");
    goto cleanup;
  }
  if (stat(path.data, &st) != 0 && errno == ENOENT) {
    snprintf(err, errlen, "unknown notifier '%s' (no %s)", name, path.data);
    goto cleanup;
  }
  if (check_trust(path.data, err, errlen) != 0)
    goto cleanup;
  handle = load_object(path.data, err, errlen);
  if (!handle)
    goto cleanup;
  *(void **)&entry = dlsym(handle, MW_NOTIFIER_ENTRY_SYMBOL);
  notifier = entry ? entry() : NULL;
  if (!notifier) {
    snprintf(err, errlen, "%s is not an mcpwatch notifier: it has no %s()", path.data,
             MW_NOTIFIER_ENTRY_SYMBOL);
    goto cleanup;
  }
  if (notifier_check(notifier, name, path.data, err, errlen) != 0)
    goto cleanup;
  keep_if_asked(path.data);
  out->handle = handle;
  out->notifier = notifier;
  handle = NULL;
  result = 0;
cleanup:
  if (handle)
    dlclose(handle);
  mw_buf_free(&path);
  return result;
}

void mw_notifier_unload(struct mw_notifier_plugin *plugin)
{
  if (plugin->handle)
    dlclose(plugin->handle);
  plugin->handle = NULL;
  plugin->notifier = NULL;
}

/* ---- the configuration module ---- */

/* Loaded by the first configuration read and unloaded when the last one read is freed, so that
 * nothing of it is left mapped (or reported by valgrind) once no configuration is in use; a
 * one-shot command keeps it mapped until exit, as it keeps the checks (keep_if_asked). */
static struct {
  pthread_mutex_t mutex;
  void *handle;
  int (*load)(const char *, struct mw_config *, char *, size_t);
  void (*free)(struct mw_config *);
  size_t users;
} conf_module = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, 0};

/* With conf_module.mutex held. */
static int conf_module_open(char *err, size_t errlen)
{
  const char *env = getenv("MCPWATCH_CONFIG_MODULE");
  const char *path = env && *env ? env : MW_CONFIG_MODULE;
  void *handle;

  if (conf_module.handle)
    return 0;
  if (check_trust(path, err, errlen) != 0)
    return -1;
  handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    snprintf(err, errlen, "cannot load the configuration module: %s", reason ? reason : path);
    return -1;
  }
  *(void **)&conf_module.load = dlsym(handle, MW_CONF_LOAD_SYMBOL);
  *(void **)&conf_module.free = dlsym(handle, MW_CONF_FREE_SYMBOL);
  if (!conf_module.load || !conf_module.free) {
    snprintf(err, errlen, "%s is not the mcpwatch configuration module", path);
    dlclose(handle);
    return -1;
  }
  keep_if_asked(path);
  conf_module.handle = handle;
  return 0;
}

int mw_config_load(const char *path, struct mw_config *cfg, char *err, size_t errlen)
{
  int result;

  memset(cfg, 0, sizeof(*cfg));
  pthread_mutex_lock(&conf_module.mutex);
  result = conf_module_open(err, errlen);
  if (result == 0)
    conf_module.users++;
  pthread_mutex_unlock(&conf_module.mutex);
  if (result != 0)
    return -1;
  result = conf_module.load(path, cfg, err, errlen);
  cfg->owned = true;
  return result;
}

void mw_config_free(struct mw_config *cfg)
{
  if (!cfg->owned)
    return;
  conf_module.free(cfg);
  cfg->owned = false;
  pthread_mutex_lock(&conf_module.mutex);
  if (--conf_module.users == 0) {
    dlclose(conf_module.handle);
    conf_module.handle = NULL;
  }
  pthread_mutex_unlock(&conf_module.mutex);
}
