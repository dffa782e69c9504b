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

#define CONF_MAX_INSTANCES 10000

static void fold_key(char *key)
{
  for (; *key; key++) {
    if (*key == '_')
      *key = '-';
  }
}

static int add_setting(struct mw_instance *inst, const char *key, const char *value, int line)
{
  struct mw_setting *grown;
  struct mw_setting *s;

  grown = realloc(inst->settings, (inst->nsettings + 1) * sizeof(*grown));
  if (!grown)
    return -1;
  inst->settings = grown;
  s = &inst->settings[inst->nsettings];
  s->key = strdup(key);
  s->value = strdup(value);
  s->line = line;
  if (!s->key || !s->value) {
    free(s->key);
    free(s->value);
    return -1;
  }
  fold_key(s->key);
  inst->nsettings++;
  return 0;
}

/* Scalar setting as option text. Returns -1 for groups, lists and arrays. */
static int scalar_text(const config_setting_t *s, char *out, size_t outlen, const char **text)
{
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_STRING:
    *text = config_setting_get_string(s);
    return 0;
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    snprintf(out, outlen, "%lld", (long long)config_setting_get_int64(s));
    break;
  case CONFIG_TYPE_FLOAT:
    mw_format_number(config_setting_get_float(s), out, outlen);
    break;
  case CONFIG_TYPE_BOOL:
    snprintf(out, outlen, "%s", config_setting_get_bool(s) ? "true" : "false");
    break;
  default:
    return -1;
  }
  *text = out;
  return 0;
}

/* A name or a list of names ('notify', 'members') into list/count; -2 when out of memory. */
static int load_name_list(const config_setting_t *s, const char *file, const char *key,
                          const char *what, char ***list, size_t *count, char *err, size_t errlen)
{
  int n = config_setting_type(s) == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);
  int i;

  if (config_setting_type(s) != CONFIG_TYPE_STRING && config_setting_type(s) != CONFIG_TYPE_ARRAY &&
      config_setting_type(s) != CONFIG_TYPE_LIST) {
    snprintf(err, errlen, "%s:%d: '%s' must be a %s name or a list of them", file,
             config_setting_source_line(s), key, what);
    return -1;
  }
  *list = calloc((size_t)n + 1, sizeof(char *));
  if (!*list)
    return -2;
  for (i = 0; i < n; i++) {
    const config_setting_t *e =
        config_setting_type(s) == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, (unsigned)i);
    const char *name = config_setting_get_string(e);
    if (!name) {
      snprintf(err, errlen, "%s:%d: '%s' may hold only %s names", file,
               config_setting_source_line(s), key, what);
      return -1;
    }
    (*list)[*count] = strdup(name);
    if (!(*list)[*count])
      return -2;
    (*count)++;
  }
  return 0;
}

static int load_notify_list(const config_setting_t *s, const char *file, struct mw_instance *inst,
                            char *err, size_t errlen)
{
  int rc =
      load_name_list(s, file, "notify", "notifier", &inst->notify, &inst->nnotify, err, errlen);

  inst->notify_none = rc == 0 && inst->nnotify == 0;
  return rc;
}

/* Keys of a check instance that belong to mcpwatch rather than to the check. 1 when key was one
 * of them, 0 when not, -1 on a bad value (err set), -2 out of memory. */
static int load_tracking_key(const config_setting_t *s, const char *key, const char *file,
                             struct mw_instance *inst, char *err, size_t errlen)
{
  int line = config_setting_source_line(s);
  char num[64];
  const char *text;
  int rc;

  if (strcmp(key, "notify") == 0) {
    rc = load_notify_list(s, file, inst, err, errlen);
    return rc == 0 ? 1 : rc;
  }
  if (strcmp(key, "max_attempts") == 0 || strcmp(key, "max-attempts") == 0) {
    if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 1 ||
        config_setting_get_int(s) > 100) {
      snprintf(err, errlen, "%s:%d: 'max_attempts' must be a number from 1 to 100", file, line);
      return -1;
    }
    inst->max_attempts = config_setting_get_int(s);
    return 1;
  }
  if (strcmp(key, "retry_interval") == 0 || strcmp(key, "retry-interval") == 0) {
    if (scalar_text(s, num, sizeof(num), &text) != 0 ||
        mw_duration_parse(text, &inst->retry_interval) != 0 || inst->retry_interval < 0.001) {
      snprintf(err, errlen, "%s:%d: 'retry_interval' must be a duration such as 10 or \"1m\"", file,
               line);
      return -1;
    }
    return 1;
  }
  if (strcmp(key, "renotify_interval") == 0 || strcmp(key, "renotify-interval") == 0) {
    if (scalar_text(s, num, sizeof(num), &text) != 0 ||
        mw_duration_parse(text, &inst->renotify) != 0) {
      snprintf(err, errlen,
               "%s:%d: 'renotify_interval' must be a duration such as \"1h\" (0: never)", file,
               line);
      return -1;
    }
    return 1;
  }
  return 0;
}

/* kind is "check" for checks: { }, "type" for notifiers: { }. */
static int load_instance(const config_setting_t *group, const char *file, const char *kind,
                         struct mw_instance *inst, char *err, size_t errlen)
{
  int n = config_setting_length(group);
  int i;
  int j;
  char num[64];
  const char *text;

  if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
    snprintf(err, errlen, "%s:%d: check '%s' must be a group { ... }", file,
             config_setting_source_line(group), config_setting_name(group));
    return -1;
  }
  for (i = 0; i < n; i++) {
    const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
    const char *key = config_setting_name(s);
    int line = config_setting_source_line(s);
    if (strcmp(key, kind) == 0) {
      if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        snprintf(err, errlen, "%s:%d: '%s' must be a string such as \"%s\"", file, line, kind,
                 kind[0] == 'c' ? "disk" : "pagerduty");
        return -1;
      }
      free(inst->check);
      inst->check = strdup(config_setting_get_string(s));
      if (!inst->check)
        goto oom;
      continue;
    }
    if (kind[0] == 'c') {
      int rc = load_tracking_key(s, key, file, inst, err, errlen);
      if (rc == -2)
        goto oom;
      if (rc != 0) {
        if (rc < 0)
          return -1;
        continue;
      }
    }
    if (kind[0] == 'c' && strcmp(key, "interval") == 0) {
      if (scalar_text(s, num, sizeof(num), &text) != 0 ||
          mw_duration_parse(text, &inst->interval) != 0 || inst->interval < 0.001) {
        snprintf(err, errlen, "%s:%d: 'interval' must be a duration such as 30 or \"5m\"", file,
                 line);
        return -1;
      }
      continue;
    }
    if (config_setting_is_aggregate(s) && config_setting_type(s) != CONFIG_TYPE_GROUP) {
      for (j = 0; j < config_setting_length(s); j++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
        if (scalar_text(e, num, sizeof(num), &text) != 0) {
          snprintf(err, errlen, "%s:%d: '%s' may hold only plain values", file, line, key);
          return -1;
        }
        if (add_setting(inst, key, text, line) != 0)
          goto oom;
      }
      continue;
    }
    if (scalar_text(s, num, sizeof(num), &text) != 0) {
      snprintf(err, errlen, "%s:%d: '%s' must be a value or a list of values", file, line, key);
      return -1;
    }
    if (add_setting(inst, key, text, line) != 0)
      goto oom;
  }
  if (!inst->check) {
    snprintf(err, errlen, "%s:%d: %s '%s' has no '%s = \"TYPE\";' line", file,
             config_setting_source_line(group), kind[0] == 'c' ? "check" : "notifier", inst->name,
             kind);
    return -1;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", file);
  return -1;
}

/* checks: { } into cfg->instances, notifiers: { } into cfg->notifiers, passive_results: { } (more
 * notifiers, given every result instead of state changes) into cfg->results. */
static int load_checks(const config_setting_t *checks, const char *file, struct mw_config *cfg,
                       char *err, size_t errlen)
{
  const char *group_name = config_setting_name(checks);
  bool notifiers = strcmp(group_name, "checks") != 0;
  bool results = strcmp(group_name, "passive_results") == 0;
  struct mw_instance **list = results     ? &cfg->results
                              : notifiers ? &cfg->notifiers
                                          : &cfg->instances;
  size_t *count = results ? &cfg->nresults : notifiers ? &cfg->nnotifiers : &cfg->ninstances;
  const char *what = notifiers ? "notifier" : "check";
  int n = config_setting_length(checks);
  int i;
  size_t k;

  if (config_setting_type(checks) != CONFIG_TYPE_GROUP) {
    snprintf(err, errlen, "%s:%d: '%s' must be a group: %s: { NAME: { ... }; };", file,
             config_setting_source_line(checks), group_name, group_name);
    return -1;
  }
  for (i = 0; i < n; i++) {
    const config_setting_t *group = config_setting_get_elem(checks, (unsigned)i);
    const char *name = config_setting_name(group);
    struct mw_instance *grown;
    struct mw_instance *inst;

    for (k = 0; k < *count; k++) {
      if (strcmp((*list)[k].name, name) == 0) {
        snprintf(err, errlen, "%s:%d: %s '%s' is already defined in %s:%d", file,
                 config_setting_source_line(group), what, name, (*list)[k].file, (*list)[k].line);
        return -1;
      }
    }
    if (*count >= CONF_MAX_INSTANCES) {
      snprintf(err, errlen, "%s: more than %d %ss", file, CONF_MAX_INSTANCES, what);
      return -1;
    }
    grown = realloc(*list, (*count + 1) * sizeof(*grown));
    if (!grown)
      goto oom;
    *list = grown;
    inst = &(*list)[*count];
    memset(inst, 0, sizeof(*inst));
    inst->name = strdup(name);
    inst->file = strdup(file);
    inst->line = config_setting_source_line(group);
    (*count)++;
    if (!inst->name || !inst->file)
      goto oom;
    if (load_instance(group, file, notifiers ? "type" : "check", inst, err, errlen) != 0)
      return -1;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", file);
  return -1;
}

/* services: { NAME: { members = ["a", "b"]; notify = [...]; }; } into cfg->services. */
static int load_services(const config_setting_t *group, const char *file, struct mw_config *cfg,
                         char *err, size_t errlen)
{
  int n = config_setting_length(group);
  int i;
  int k;

  if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
    snprintf(err, errlen,
             "%s:%d: 'services' must be a group: services: { NAME: { members = "
             "[...]; }; };",
             file, config_setting_source_line(group));
    return -1;
  }
  for (i = 0; i < n; i++) {
    const config_setting_t *svc = config_setting_get_elem(group, (unsigned)i);
    struct mw_instance *grown = realloc(cfg->services, (cfg->nservices + 1) * sizeof(*grown));
    struct mw_instance *inst;
    if (!grown)
      goto oom;
    cfg->services = grown;
    inst = &cfg->services[cfg->nservices++];
    memset(inst, 0, sizeof(*inst));
    inst->name = strdup(config_setting_name(svc));
    inst->check = strdup("service");
    inst->file = strdup(file);
    inst->line = config_setting_source_line(svc);
    if (!inst->name || !inst->check || !inst->file)
      goto oom;
    if (config_setting_type(svc) != CONFIG_TYPE_GROUP) {
      snprintf(err, errlen, "%s:%d: service '%s' must be a group { members = [...]; }", file,
               inst->line, inst->name);
      return -1;
    }
    for (k = 0; k < config_setting_length(svc); k++) {
      const config_setting_t *s = config_setting_get_elem(svc, (unsigned)k);
      const char *key = config_setting_name(s);
      int rc;
      if (strcmp(key, "members") == 0)
        rc = load_name_list(s, file, "members", "check instance", &inst->members, &inst->nmembers,
                            err, errlen);
      else if (strcmp(key, "notify") == 0)
        rc = load_notify_list(s, file, inst, err, errlen);
      else {
        snprintf(err, errlen, "%s:%d: unknown key '%s' in service '%s' (members, notify)", file,
                 config_setting_source_line(s), key, inst->name);
        return -1;
      }
      if (rc == -2)
        goto oom;
      if (rc != 0)
        return -1;
    }
    if (inst->nmembers == 0) {
      snprintf(err, errlen, "%s:%d: service '%s' has no members = [\"INSTANCE\", ...];", file,
               inst->line, inst->name);
      return -1;
    }
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", file);
  return -1;
}

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
      if (load_checks(s, file, cfg, err, errlen) != 0)
        goto cleanup;
    } else if (strcmp(name, "services") == 0) {
      if (load_services(s, file, cfg, err, errlen) != 0)
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
    } else if (is_main && strcmp(name, "timeout") == 0) {
      char num[64];
      const char *text;
      if (scalar_text(s, num, sizeof(num), &text) != 0 ||
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
               is_main ? "checks, notifiers, services, timeout, conf_dir, spool_dir, state_dir, "
                         "host, spool_max, nagios_command_file or passive_results"
                       : "checks, notifiers or services");
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
  if (load_file(path, true, cfg, err, errlen) != 0)
    return -1;
  explicit_dir = cfg->conf_dir != NULL;
  dir = resolve_conf_dir(path, cfg->conf_dir);
  if (!dir) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  free(cfg->conf_dir);
  cfg->conf_dir = dir;
  result = load_conf_dir(cfg, dir, explicit_dir, err, errlen);
  if (result == 0)
    result = check_notify_names(cfg, err, errlen);
  if (result == 0)
    result = check_service_names(cfg, err, errlen);
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
    for (j = 0; j < inst->nmembers; j++)
      free(inst->members[j]);
    free(inst->members);
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
  free(cfg->spool_dir);
  free(cfg->state_dir);
  free(cfg->host);
  free(cfg->nagios_command_file);
  free(cfg->conf_dir);
  memset(cfg, 0, sizeof(*cfg));
}
