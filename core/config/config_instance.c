/* SPDX-License-Identifier: MIT */
/* config_instance.c - the groups of a configuration file: checks, notifiers, passive_results
 * (instances of a check or notifier type with their settings) and services. Part of the
 * configuration module; config.c reads the files and checks names across them. */
#include "config.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_module.h"
#include "config_impl.h"
#include "mw_core.h"

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
int conf_scalar_text(const config_setting_t *s, char *out, size_t outlen, const char **text)
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
int conf_load_name_list(const config_setting_t *s, const char *file, const char *key,
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

/* "NAME" or "NAME:STATE,STATE...": the states this instance sends to that notifier. */
static int split_notify_entry(const config_setting_t *s, const char *file, char *entry,
                              unsigned *routes, char *err, size_t errlen)
{
  char *colon = strchr(entry, ':');
  char *word;
  char *save = NULL;

  *routes = 0;
  if (!colon)
    return 0;
  *colon = '\0';
  for (word = strtok_r(colon + 1, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
    unsigned bit = mw_route_parse(word);
    if (!bit) {
      snprintf(err, errlen,
               "%s:%d: notify '%s': '%s' is not one of warning, critical, unknown, recovery, "
               "flapping",
               file, config_setting_source_line(s), entry, word);
      return -1;
    }
    *routes |= bit;
  }
  if (!*routes || !*entry) {
    snprintf(err, errlen, "%s:%d: notify entries are \"NAME\" or \"NAME:STATE,STATE\"", file,
             config_setting_source_line(s));
    return -1;
  }
  return 0;
}

static int load_notify_list(const config_setting_t *s, const char *file, struct mw_instance *inst,
                            char *err, size_t errlen)
{
  int rc = conf_load_name_list(s, file, "notify", "notifier", &inst->notify, &inst->nnotify, err,
                               errlen);
  size_t i;

  inst->notify_none = rc == 0 && inst->nnotify == 0;
  if (rc != 0)
    return rc;
  if (!(inst->notify_routes = calloc(inst->nnotify + 1, sizeof(*inst->notify_routes))))
    return -2;
  for (i = 0; i < inst->nnotify; i++) {
    if (split_notify_entry(s, file, inst->notify[i], &inst->notify_routes[i], err, errlen) != 0)
      return -1;
  }
  return 0;
}

/* Keys of a check instance or service for the notification policy: depends_on, flap_detection,
 * flap_low, flap_high, flap_window. 1 when key was one, 0 when not, -1 on a bad value, -2 out of
 * memory. */
static int load_policy_key(const config_setting_t *s, const char *key, const char *file,
                           struct mw_instance *inst, char *err, size_t errlen)
{
  int line = config_setting_source_line(s);
  char num[64];
  const char *text;
  int rc;

  if (strcmp(key, "slo") == 0)
    return conf_load_slo(s, file, inst, err, errlen) == 0 ? 1 : -1;
  if (strcmp(key, "depends_on") == 0 || strcmp(key, "depends-on") == 0) {
    rc = conf_load_name_list(s, file, "depends_on", "instance or service", &inst->depends_on,
                             &inst->ndepends_on, err, errlen);
    return rc == 0 ? 1 : rc;
  }
  if (strcmp(key, "flap_detection") == 0 || strcmp(key, "flap-detection") == 0) {
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
      snprintf(err, errlen, "%s:%d: 'flap_detection' must be true or false", file, line);
      return -1;
    }
    if (config_setting_get_bool(s)) {
      if (inst->flap_high <= 0.0) {
        inst->flap_low = inst->flap_low > 0.0 ? inst->flap_low : MW_FLAP_LOW_DEFAULT;
        inst->flap_high = MW_FLAP_HIGH_DEFAULT;
      }
    } else {
      inst->flap_high = -1.0; /* off, whatever thresholds follow */
    }
    return 1;
  }
  if (strcmp(key, "flap_window") == 0 || strcmp(key, "flap-window") == 0) {
    if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 3 ||
        config_setting_get_int(s) > MW_FLAP_HISTORY) {
      snprintf(err, errlen, "%s:%d: 'flap_window' must be a number of results from 3 to %d", file,
               line, MW_FLAP_HISTORY);
      return -1;
    }
    inst->flap_window = config_setting_get_int(s);
    return 1;
  }
  if (strcmp(key, "flap_low") == 0 || strcmp(key, "flap-low") == 0 ||
      strcmp(key, "flap_high") == 0 || strcmp(key, "flap-high") == 0) {
    double v = 0.0;
    char *end = NULL;
    if (conf_scalar_text(s, num, sizeof(num), &text) == 0)
      v = strtod(text, &end);
    if (!end || end == text || *end || !(v > 0.0 && v <= 100.0)) {
      snprintf(err, errlen, "%s:%d: '%s' must be a percentage above 0, at most 100", file, line,
               key);
      return -1;
    }
    if (strstr(key, "low")) {
      inst->flap_low = v;
      if (inst->flap_high == 0.0)
        inst->flap_high = MW_FLAP_HIGH_DEFAULT;
    } else if (inst->flap_high >= 0.0) {
      inst->flap_high = v;
    }
    return 1;
  }
  return 0;
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
  if (strcmp(key, "backoff_max") == 0 || strcmp(key, "backoff-max") == 0) {
    if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 1 ||
        config_setting_get_int(s) > 64) {
      snprintf(err, errlen, "%s:%d: 'backoff_max' must be a number from 1 (no backoff) to 64", file,
               line);
      return -1;
    }
    inst->backoff_max = config_setting_get_int(s);
    return 1;
  }
  if (strcmp(key, "retry_interval") == 0 || strcmp(key, "retry-interval") == 0) {
    if (conf_scalar_text(s, num, sizeof(num), &text) != 0 ||
        mw_duration_parse(text, &inst->retry_interval) != 0 || inst->retry_interval < 0.001) {
      snprintf(err, errlen, "%s:%d: 'retry_interval' must be a duration such as 10 or \"1m\"", file,
               line);
      return -1;
    }
    return 1;
  }
  rc = load_policy_key(s, key, file, inst, err, errlen);
  if (rc != 0)
    return rc;
  if (strcmp(key, "renotify_interval") == 0 || strcmp(key, "renotify-interval") == 0) {
    if (conf_scalar_text(s, num, sizeof(num), &text) != 0 ||
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

/* A notifier's keys that route rather than configure it: 'states' (which notifications it
 * takes) and 'renotify' (its reminders). 1 when key was one, 0 when not, -1 on a bad value. */
static int load_route_key(const config_setting_t *s, const char *key, const char *file,
                          struct mw_instance *inst, char *err, size_t errlen)
{
  int line = config_setting_source_line(s);
  char num[64];
  const char *text;
  int j;

  if (strcmp(key, "states") == 0) {
    unsigned routes = 0;
    if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
      goto bad_states;
    for (j = 0; j < config_setting_length(s); j++) {
      const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
      unsigned bit = config_setting_type(e) == CONFIG_TYPE_STRING
                         ? mw_route_parse(config_setting_get_string(e))
                         : 0;
      if (!bit)
        goto bad_states;
      routes |= bit;
    }
    if (!routes)
      goto bad_states;
    inst->routes = routes;
    return 1;
  }
  if (strcmp(key, "renotify") == 0) {
    if (conf_scalar_text(s, num, sizeof(num), &text) != 0 ||
        mw_duration_parse(text, &inst->reminder) != 0) {
      snprintf(err, errlen, "%s:%d: 'renotify' must be a duration such as \"1h\" (0: never)", file,
               line);
      return -1;
    }
    return 1;
  }
  return 0;
bad_states:
  snprintf(err, errlen,
           "%s:%d: 'states' must list some of \"warning\", \"critical\", \"unknown\", "
           "\"recovery\", \"flapping\"",
           file, line);
  return -1;
}

/* kind is "check" for checks: { }, "type" for notifiers: { } and passive_results: { }; routed is
 * true for notifiers: { } (passive results take every result, so no 'states'). */
static int load_instance(const config_setting_t *group, const char *file, const char *kind,
                         bool routed, struct mw_instance *inst, char *err, size_t errlen)
{
  int n = config_setting_length(group);
  int i;
  int j;
  char num[64];
  char json[16384];
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
    if (routed) {
      int rc = load_route_key(s, key, file, inst, err, errlen);
      if (rc == -2)
        goto oom;
      if (rc != 0) {
        if (rc < 0)
          return -1;
        continue;
      }
    }
    if (kind[0] == 'c' && strcmp(key, "interval") == 0) {
      if (conf_scalar_text(s, num, sizeof(num), &text) != 0 ||
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
        if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
          /* calls = ( { tool = "search"; ... } ): each group one JSON value of the option. */
          if (conf_group_json(e, json, sizeof(json)) != 0) {
            snprintf(err, errlen,
                     "%s:%d: a group in '%s' is nested too deep or longer than %zu "
                     "bytes",
                     file, config_setting_source_line(e), key, sizeof(json) - 1);
            return -1;
          }
          if (add_setting(inst, key, json, line) != 0)
            goto oom;
          continue;
        }
        if (conf_scalar_text(e, num, sizeof(num), &text) != 0) {
          snprintf(err, errlen, "%s:%d: '%s' may hold only plain values", file, line, key);
          return -1;
        }
        if (add_setting(inst, key, text, line) != 0)
          goto oom;
      }
      continue;
    }
    if (conf_scalar_text(s, num, sizeof(num), &text) != 0) {
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
int conf_load_checks(const config_setting_t *checks, const char *file, struct mw_config *cfg,
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
    inst->reminder = -1.0;
    if (load_instance(group, file, notifiers ? "type" : "check", notifiers && !results, inst, err,
                      errlen) != 0)
      return -1;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", file);
  return -1;
}

/* services: { NAME: { members = ["a", "b"]; notify = [...]; }; } into cfg->services. */
int conf_load_services(const config_setting_t *group, const char *file, struct mw_config *cfg,
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
        rc = conf_load_name_list(s, file, "members", "check instance", &inst->members,
                                 &inst->nmembers, err, errlen);
      else if (strcmp(key, "notify") == 0)
        rc = load_notify_list(s, file, inst, err, errlen);
      else if ((rc = load_policy_key(s, key, file, inst, err, errlen)) != 0)
        rc = rc == 1 ? 0 : rc;
      else {
        snprintf(err, errlen,
                 "%s:%d: unknown key '%s' in service '%s' (members, notify, depends_on, "
                 "flap_detection, flap_low, flap_high, flap_window, slo)",
                 file, config_setting_source_line(s), key, inst->name);
        return -1;
      }
      if (rc == -2)
        goto oom;
      if (rc != 0)
        return -1;
    }
    if (inst->slo.latency_q > 0) {
      snprintf(err, errlen,
               "%s:%d: service '%s': slo latency: a service has no response time of its own "
               "(set it on its members)",
               file, inst->line, inst->name);
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
