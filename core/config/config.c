/* SPDX-License-Identifier: MIT */
/* config.c - mcpwatch.conf and the *.conf files of its conf_dir (libconfig syntax).
 *
 * Built as its own module (mwconfig.so), loaded by mw_config_load() only when a configuration
 * is read, so that a single check run from Nagios never maps libconfig.
 *
 *   timeout = 10;                   # main file only: default for every instance
 *   conf_dir = "conf.d";            # main file only: relative to the main file's folder
 *   checks: {
 *     root-disk: { check = "disk"; interval = 60; path = ["/"]; warning = "80%"; };
 *   };
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_module.h"
#include "config_impl.h"

/* The main file's string settings besides conf_dir. */
static char **main_string(const char *name, struct mw_config *cfg)
{
  if (strcmp(name, "spool_dir") == 0)
    return &cfg->spool_dir;
  if (strcmp(name, "state_dir") == 0)
    return &cfg->state_dir;
  if (strcmp(name, "host") == 0)
    return &cfg->host;
  if (strcmp(name, "nagios_command_file") == 0)
    return &cfg->nagios_command_file;
  return NULL;
}

static int load_file(const char *file, bool is_main, struct mw_config *cfg, char *err,
                     size_t errlen)
{
  config_t conf;
  FILE *fp;
  config_setting_t *root;
  char *copy = NULL;
  int result = -1;
  int n;
  int i;

  fp = fopen(file, "r");
  if (!fp) {
    snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
    return -1;
  }
  config_init(&conf);
  copy = strdup(file);
  if (!copy) {
    snprintf(err, errlen, "%s: out of memory", file);
    goto cleanup;
  }
  config_set_include_dir(&conf, dirname(copy));
  if (config_read(&conf, fp) != CONFIG_TRUE) {
    snprintf(err, errlen, "%s:%d: %s", config_error_file(&conf) ? config_error_file(&conf) : file,
             config_error_line(&conf), config_error_text(&conf));
    goto cleanup;
  }
  root = config_root_setting(&conf);
  n = config_setting_length(root);
  for (i = 0; i < n; i++) {
    config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
    const char *name = config_setting_name(s);
    int line = config_setting_source_line(s);
    if (strcmp(name, "checks") == 0 || strcmp(name, "notifiers") == 0 ||
        (is_main && strcmp(name, "passive_results") == 0)) {
      if (conf_load_checks(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (strcmp(name, "services") == 0) {
      if (conf_load_services(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (is_main && strcmp(name, "history") == 0) {
      if (conf_load_history(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (is_main && strcmp(name, "http") == 0) {
      if (conf_load_http(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (strcmp(name, "downtimes") == 0) {
      if (conf_load_downtimes(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (is_main && main_string(name, cfg) != NULL) {
      char **slot = main_string(name, cfg);
      if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s)) {
        snprintf(err, errlen, "%s:%d: %s must be a non-empty string", file, line, name);
        goto cleanup;
      }
      free(*slot);
      *slot = strdup(config_setting_get_string(s));
      if (!*slot) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto cleanup;
      }
    } else if (is_main && strcmp(name, "spool_max") == 0) {
      if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 1) {
        snprintf(err, errlen, "%s:%d: spool_max must be a positive number of events", file, line);
        goto cleanup;
      }
      cfg->spool_max = config_setting_get_int(s);
    } else if (is_main && (strcmp(name, "backoff_max") == 0 || strcmp(name, "backoff-max") == 0)) {
      if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 1 ||
          config_setting_get_int(s) > 64) {
        snprintf(err, errlen, "%s:%d: backoff_max must be a number from 1 (no backoff) to 64", file,
                 line);
        goto cleanup;
      }
      cfg->backoff_max = config_setting_get_int(s);
    } else if (is_main && strcmp(name, "timeout") == 0) {
      char num[64];
      const char *text;
      if (conf_scalar_text(s, num, sizeof(num), &text) != 0 ||
          mw_duration_parse(text, &cfg->timeout) != 0 || cfg->timeout <= 0) {
        snprintf(err, errlen, "%s:%d: timeout must be a duration such as 10 or \"2.5s\"", file,
                 line);
        goto cleanup;
      }
    } else if (is_main && (strcmp(name, "conf_dir") == 0 || strcmp(name, "conf-dir") == 0)) {
      if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        snprintf(err, errlen, "%s:%d: conf_dir must be a string", file, line);
        goto cleanup;
      }
      free(cfg->conf_dir);
      cfg->conf_dir = strdup(config_setting_get_string(s));
      if (!cfg->conf_dir) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto cleanup;
      }
    } else {
      snprintf(err, errlen, "%s:%d: unknown setting '%s' (expected %s)", file, line, name,
               is_main ? "checks, notifiers, services, downtimes, timeout, backoff_max, conf_dir, "
                         "spool_dir, state_dir, host, spool_max, nagios_command_file, "
                         "passive_results, http or history"
                       : "checks, notifiers, services or downtimes");
      goto cleanup;
    }
  }
  result = 0;

cleanup:
  config_destroy(&conf);
  fclose(fp);
  free(copy);
  return result;
}

static int conf_filter(const struct dirent *entry)
{
  size_t len = strlen(entry->d_name);

  return entry->d_name[0] != '.' && len > 5 && strcmp(entry->d_name + len - 5, ".conf") == 0;
}

/* Resolves conf_dir against the main file's folder. */
static char *resolve_conf_dir(const char *main_file, const char *conf_dir)
{
  char *copy;
  char *dir;
  struct mw_buf path;

  if (conf_dir && conf_dir[0] == '/')
    return strdup(conf_dir);
  copy = strdup(main_file);
  if (!copy)
    return NULL;
  dir = dirname(copy);
  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/%s", dir, conf_dir ? conf_dir : "conf.d");
  free(copy);
  if (path.failed) {
    mw_buf_free(&path);
    return NULL;
  }
  return path.data;
}

static int load_conf_dir(struct mw_config *cfg, const char *dir, bool required, char *err,
                         size_t errlen)
{
  struct dirent **entries = NULL;
  struct stat st;
  int n;
  int i;
  int result = 0;

  n = scandir(dir, &entries, conf_filter, alphasort);
  if (n < 0) {
    if (errno == ENOENT && !required)
      return 0;
    snprintf(err, errlen, "cannot read directory %s: %s", dir, strerror(errno));
    return -1;
  }
  for (i = 0; i < n; i++) {
    struct mw_buf file;
    mw_buf_init(&file, 4096);
    mw_buf_addf(&file, "%s/%s", dir, entries[i]->d_name);
    if (result == 0) {
      if (file.failed) {
        snprintf(err, errlen, "%s: path too long", dir);
        result = -1;
      } else if (stat(file.data, &st) == 0 && S_ISREG(st.st_mode)) {
        result = load_file(file.data, false, cfg, err, errlen);
      }
    }
    mw_buf_free(&file);
    free(entries[i]);
  }
  free(entries);
  return result;
}

static bool has_instance(const struct mw_instance *list, size_t n, const char *name)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if (strcmp(list[i].name, name) == 0)
      return true;
  }
  return false;
}

static int check_service_names(const struct mw_config *cfg, char *err, size_t errlen)
{
  size_t i;
  size_t j;

  for (i = 0; i < cfg->nservices; i++) {
    const struct mw_instance *svc = &cfg->services[i];
    if (has_instance(cfg->services, i, svc->name) ||
        has_instance(cfg->instances, cfg->ninstances, svc->name)) {
      snprintf(err, errlen, "%s:%d: service '%s' is defined twice, or is also a check's name",
               svc->file, svc->line, svc->name);
      return -1;
    }
    for (j = 0; j < svc->nmembers; j++) {
      if (!has_instance(cfg->instances, cfg->ninstances, svc->members[j])) {
        snprintf(err, errlen,
                 "%s:%d: service '%s' has member '%s', which no checks: { } entry "
                 "defines",
                 svc->file, svc->line, svc->name, svc->members[j]);
        return -1;
      }
    }
    for (j = 0; j < svc->nnotify; j++) {
      if (!has_instance(cfg->notifiers, cfg->nnotifiers, svc->notify[j])) {
        snprintf(err, errlen,
                 "%s:%d: service '%s' notifies '%s', which no notifiers: { } entry "
                 "defines",
                 svc->file, svc->line, svc->name, svc->notify[j]);
        return -1;
      }
    }
  }
  return 0;
}

static int check_notify_names(const struct mw_config *cfg, char *err, size_t errlen)
{
  size_t i;
  size_t j;
  size_t k;

  for (i = 0; i < cfg->ninstances; i++) {
    const struct mw_instance *inst = &cfg->instances[i];
    for (j = 0; j < inst->nnotify; j++) {
      for (k = 0; k < cfg->nnotifiers; k++) {
        if (strcmp(cfg->notifiers[k].name, inst->notify[j]) == 0)
          break;
      }
      if (k == cfg->nnotifiers) {
        snprintf(err, errlen,
                 "%s:%d: check '%s' notifies '%s', which no notifiers: { } entry "
                 "defines",
                 inst->file, inst->line, inst->name, inst->notify[j]);
        return -1;
      }
    }
  }
  return 0;
}

int mwconf_load(const char *path, struct mw_config *cfg, char *err, size_t errlen)
{
  char *dir;
  bool explicit_dir;
  int result;

  memset(cfg, 0, sizeof(*cfg));
  result = load_file(path, true, cfg, err, errlen);
  if (result == 0) {
    explicit_dir = cfg->conf_dir != NULL;
    dir = resolve_conf_dir(path, cfg->conf_dir);
    if (!dir) {
      snprintf(err, errlen, "%s: out of memory", path);
      result = -1;
    } else {
      free(cfg->conf_dir);
      cfg->conf_dir = dir;
      result = load_conf_dir(cfg, dir, explicit_dir, err, errlen);
    }
  }
  if (result == 0)
    result = check_notify_names(cfg, err, errlen);
  if (result == 0)
    result = check_service_names(cfg, err, errlen);
  if (result == 0)
    result = conf_check_policy(cfg, err, errlen);
  if (result != 0) {
    /* What was read before the error (found by fuzz_config): nothing is left for the caller. */
    mwconf_free(cfg);
    memset(cfg, 0, sizeof(*cfg));
    /* Messages quote the file's strings, which may hold "\n" escapes (found by fuzz_config):
     * the reason stays one line, and is never empty. */
    if (errlen > 0 && err[0] == '\0')
      snprintf(err, errlen, "%s: refused", path);
    if (errlen > 0)
      mw_one_line(err);
  }
  return result;
}

static void free_instances(struct mw_instance *list, size_t count)
{
  size_t i;
  size_t j;

  for (i = 0; i < count; i++) {
    struct mw_instance *inst = &list[i];
    for (j = 0; j < inst->nsettings; j++) {
      free(inst->settings[j].key);
      free(inst->settings[j].value);
    }
    for (j = 0; j < inst->nnotify; j++)
      free(inst->notify[j]);
    free(inst->notify);
    free(inst->notify_routes);
    for (j = 0; j < inst->nmembers; j++)
      free(inst->members[j]);
    free(inst->members);
    for (j = 0; j < inst->ndepends_on; j++)
      free(inst->depends_on[j]);
    free(inst->depends_on);
    free(inst->settings);
    free(inst->name);
    free(inst->check);
    free(inst->file);
  }
  free(list);
}

void mwconf_free(struct mw_config *cfg)
{
  free_instances(cfg->instances, cfg->ninstances);
  free_instances(cfg->notifiers, cfg->nnotifiers);
  free_instances(cfg->services, cfg->nservices);
  free_instances(cfg->results, cfg->nresults);
  conf_free_downtimes(cfg);
  conf_free_http(cfg);
  free(cfg->spool_dir);
  free(cfg->state_dir);
  free(cfg->host);
  free(cfg->nagios_command_file);
  free(cfg->conf_dir);
  memset(cfg, 0, sizeof(*cfg));
}
