/* SPDX-License-Identifier: MIT */
/* forward_config.c - the forwarding half's configuration: <Notifier> blocks (Type, States,
 * Renotify and the notifier's own options), SpoolDir, StateDir, SpoolMax, and the notifiers,
 * downtimes and depends_on of the ConfigFile. Nothing is opened here: forward_init does. */
#include "forward_impl.h"

#include <strings.h>

#include "mw_spool.h"

struct forward_settings fwd;

static void spec_free(struct notifier_spec *spec)
{
  mw_args_free(spec->args);
  mw_notifier_unload(&spec->plugin);
  free(spec->name);
  free(spec->type);
  memset(spec, 0, sizeof(*spec));
}

/* A new spec for notifier TYPE with empty args, or NULL with err set. */
static struct notifier_spec *add_spec(const char *name, const char *type, char *err, size_t errlen)
{
  struct notifier_spec *grown;
  struct notifier_spec *spec;
  size_t i;

  for (i = 0; i < fwd.nspecs; i++) {
    if (strcmp(fwd.specs[i].name, name) == 0) {
      snprintf(err, errlen, "defined twice; the second is ignored");
      return NULL;
    }
  }
  grown = realloc(fwd.specs, (fwd.nspecs + 1) * sizeof(*grown));
  if (!grown) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  fwd.specs = grown;
  spec = &fwd.specs[fwd.nspecs];
  memset(spec, 0, sizeof(*spec));
  if (mw_notifier_load(type, &spec->plugin, err, errlen) != 0)
    return NULL;
  spec->name = strdup(name);
  spec->type = strdup(type);
  spec->reminder = 0.0;
  spec->args = mw_args_new_with(mw_notifier_common_options, spec->plugin.notifier->options);
  if (!spec->name || !spec->type || !spec->args) {
    snprintf(err, errlen, "out of memory");
    spec_free(spec);
    return NULL;
  }
  fwd.nspecs++;
  return spec;
}

/* Takes back the spec add_spec made last, after a configuration error. */
static void drop_last_spec(void)
{
  spec_free(&fwd.specs[--fwd.nspecs]);
}

/* States "critical" "recovery" ... and Renotify SECONDS|"1h" of a <Notifier> block. */
static int route_option(struct notifier_spec *spec, const oconfig_item_t *item, char *err,
                        size_t errlen)
{
  int i;

  if (strcasecmp(item->key, "Renotify") == 0) {
    if (item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_NUMBER &&
        item->values[0].value.number >= 0) {
      spec->reminder = item->values[0].value.number;
      return 0;
    }
    if (item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_STRING &&
        mw_duration_parse(item->values[0].value.string, &spec->reminder) == 0)
      return 0;
    snprintf(err, errlen, "Renotify needs a duration such as 3600 or \"1h\"");
    return -1;
  }
  spec->routes = 0;
  for (i = 0; i < item->values_num; i++) {
    unsigned bit = item->values[i].type == OCONFIG_TYPE_STRING
                       ? mw_route_parse(item->values[i].value.string)
                       : 0;
    if (!bit) {
      snprintf(err, errlen,
               "States takes \"warning\", \"critical\", \"unknown\", \"recovery\" or "
               "\"flapping\"");
      return -1;
    }
    spec->routes |= bit;
  }
  if (!spec->routes) {
    snprintf(err, errlen, "States needs at least one of warning, critical, unknown, recovery");
    return -1;
  }
  return 0;
}

void forward_config_notifier(const oconfig_item_t *block)
{
  const char *name = NULL;
  const char *type = NULL;
  struct notifier_spec *spec;
  char err[ERR_MAX];
  int i;

  if (block->values_num == 1 && block->values[0].type == OCONFIG_TYPE_STRING)
    name = block->values[0].value.string;
  for (i = 0; i < block->children_num; i++) {
    const oconfig_item_t *item = &block->children[i];
    if (strcasecmp(item->key, "Type") == 0 && item->values_num == 1 &&
        item->values[0].type == OCONFIG_TYPE_STRING)
      type = item->values[0].value.string;
  }
  if (!name || !*name || !type) {
    ERROR(PLUGIN " plugin: <Notifier \"NAME\"> needs a name and a line Type \"pagerduty\" "
                 "(or statuspage, webhook)");
    return;
  }
  spec = add_spec(name, type, err, sizeof(err));
  if (!spec) {
    ERROR(PLUGIN " plugin: notifier \"%s\": %s", name, err);
    return;
  }
  for (i = 0; i < block->children_num; i++) {
    const oconfig_item_t *item = &block->children[i];
    if (strcasecmp(item->key, "Type") == 0)
      continue;
    if (strcasecmp(item->key, "States") == 0 || strcasecmp(item->key, "Renotify") == 0) {
      if (route_option(spec, item, err, sizeof(err)) != 0) {
        ERROR(PLUGIN " plugin: notifier \"%s\": %s; the notifier is not loaded", name, err);
        drop_last_spec();
        return;
      }
      continue;
    }
    if (mcpwatch_set_option(spec->args, item, err, sizeof(err)) != 0) {
      ERROR(PLUGIN " plugin: notifier \"%s\": %s; the notifier is not loaded", name, err);
      drop_last_spec();
      return;
    }
  }
}

void forward_config_spool(const oconfig_item_t *item)
{
  if (strcasecmp(item->key, "SpoolDir") == 0 || strcasecmp(item->key, "StateDir") == 0) {
    char **slot = strcasecmp(item->key, "SpoolDir") == 0 ? &fwd.spool_dir : &fwd.state_dir;
    if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_STRING) {
      ERROR(PLUGIN " plugin: %s needs one folder name", item->key);
      return;
    }
    free(*slot);
    *slot = strdup(item->values[0].value.string);
    return;
  }
  if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_NUMBER ||
      item->values[0].value.number < 1) {
    ERROR(PLUGIN " plugin: SpoolMax needs a positive number of events");
    return;
  }
  fwd.spool_max = (long)item->values[0].value.number;
}

void forward_config_file(struct mw_config *cfg)
{
  char err[ERR_MAX];
  char why[ERR_MAX];
  size_t i;
  size_t k;

  if (cfg->spool_dir && !fwd.spool_dir)
    fwd.spool_dir = strdup(cfg->spool_dir);
  if (cfg->state_dir && !fwd.state_dir)
    fwd.state_dir = strdup(cfg->state_dir);
  if (cfg->spool_max > 0 && fwd.spool_max == 0)
    fwd.spool_max = cfg->spool_max;
  for (i = 0; i < cfg->nnotifiers; i++) {
    const struct mw_instance *n = &cfg->notifiers[i];
    struct notifier_spec *spec = add_spec(n->name, n->check, err, sizeof(err));
    if (!spec) {
      ERROR(PLUGIN " plugin: notifier \"%s\" (%s:%d): %s", n->name, n->file, n->line, err);
      continue;
    }
    spec->routes = n->routes;
    spec->reminder = n->reminder > 0 ? n->reminder : 0.0;
    for (k = 0; k < n->nsettings; k++) {
      if (mw_args_set(spec->args, n->settings[k].key, n->settings[k].value, why, sizeof(why)) !=
          0) {
        ERROR(PLUGIN " plugin: notifier \"%s\": %s:%d: %s; the notifier is not loaded", n->name,
              n->file, n->settings[k].line, why);
        drop_last_spec();
        break;
      }
    }
  }
  if (cfg->ndowntimes > 0 || cfg->ninstances > 0 || cfg->nservices > 0) {
    pthread_rwlock_wrlock(&dests_lock);
    mw_config_free(&fwd.file_cfg);
    fwd.file_cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    pthread_rwlock_unlock(&dests_lock);
  }
}

void forward_free_specs(void)
{
  size_t i;

  for (i = 0; i < fwd.nspecs; i++)
    spec_free(&fwd.specs[i]);
  free(fwd.specs);
  fwd.specs = NULL;
  fwd.nspecs = 0;
}
