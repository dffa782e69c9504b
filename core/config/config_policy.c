/* SPDX-License-Identifier: MIT */
/* config_policy.c - the notification policy's settings: downtime windows, and the checks across
 * the whole configuration (depends_on and downtime members name an instance or service,
 * depends_on makes no cycle, flap thresholds are ordered). Part of the configuration module. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

void conf_free_downtimes(struct mw_config *cfg)
{
  size_t i;
  size_t j;

  for (i = 0; i < cfg->ndowntimes; i++) {
    struct mw_downtime_window *w = &cfg->downtimes[i];
    for (j = 0; j < w->nmembers; j++)
      free(w->members[j]);
    free(w->members);
    free(w->name);
    free(w->every);
    free(w->timezone);
    free(w->comment);
    free(w->file);
    mw_tz_free(w->tz);
  }
  free(cfg->downtimes);
  cfg->downtimes = NULL;
  cfg->ndowntimes = 0;
}

static int copy_string(const config_setting_t *s, const char *file, const char *key, char **out,
                       char *err, size_t errlen)
{
  const char *text = config_setting_get_string(s);

  if (!text || !*text) {
    snprintf(err, errlen, "%s:%d: '%s' must be a non-empty string", file,
             config_setting_source_line(s), key);
    return -1;
  }
  free(*out);
  return (*out = strdup(text)) ? 0 : -2;
}

static int load_window(const config_setting_t *group, const char *file,
                       struct mw_downtime_window *w, char *err, size_t errlen)
{
  int k;
  int rc = 0;

  if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
    snprintf(err, errlen,
             "%s:%d: downtime '%s' must be a group { members = [...]; every = \"Sun "
             "02:00-04:00\"; }",
             file, w->line, w->name);
    return -1;
  }
  for (k = 0; rc == 0 && k < config_setting_length(group); k++) {
    const config_setting_t *s = config_setting_get_elem(group, (unsigned)k);
    const char *key = config_setting_name(s);
    if (strcmp(key, "members") == 0)
      rc = conf_load_name_list(s, file, "members", "instance or service", &w->members, &w->nmembers,
                               err, errlen);
    else if (strcmp(key, "every") == 0)
      rc = copy_string(s, file, key, &w->every, err, errlen);
    else if (strcmp(key, "timezone") == 0)
      rc = copy_string(s, file, key, &w->timezone, err, errlen);
    else if (strcmp(key, "comment") == 0)
      rc = copy_string(s, file, key, &w->comment, err, errlen);
    else {
      snprintf(err, errlen,
               "%s:%d: unknown key '%s' in downtime '%s' (members, every, timezone, comment)", file,
               config_setting_source_line(s), key, w->name);
      rc = -1;
    }
  }
  if (rc != 0)
    return rc;
  if (w->nmembers == 0 || !w->every) {
    snprintf(err, errlen, "%s:%d: downtime '%s' needs members = [...] and every = \"...\"", file,
             w->line, w->name);
    return -1;
  }
  if (mw_window_parse(w->every, &w->window, err, errlen) != 0 ||
      mw_tz_load(w->timezone, &w->tz, err, errlen) != 0) {
    char why[256];
    snprintf(why, sizeof(why), "%s", err);
    snprintf(err, errlen, "%s:%d: downtime '%s': %s", file, w->line, w->name, why);
    return -1;
  }
  return 0;
}

int conf_load_downtimes(const config_setting_t *group, const char *file, struct mw_config *cfg,
                        char *err, size_t errlen)
{
  int n = config_setting_length(group);
  int i;

  if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
    snprintf(err, errlen,
             "%s:%d: 'downtimes' must be a group: downtimes: { NAME: { members = [...]; every = "
             "\"Sun 02:00-04:00\"; }; };",
             file, config_setting_source_line(group));
    return -1;
  }
  for (i = 0; i < n; i++) {
    const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
    struct mw_downtime_window *grown =
        realloc(cfg->downtimes, (cfg->ndowntimes + 1) * sizeof(*grown));
    struct mw_downtime_window *w;
    int rc;
    if (!grown)
      goto oom;
    cfg->downtimes = grown;
    w = &cfg->downtimes[cfg->ndowntimes++];
    memset(w, 0, sizeof(*w));
    w->name = strdup(config_setting_name(s));
    w->file = strdup(file);
    w->line = config_setting_source_line(s);
    if (!w->name || !w->file)
      goto oom;
    if ((rc = load_window(s, file, w, err, errlen)) == -2)
      goto oom;
    if (rc != 0)
      return -1;
  }
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", file);
  return -1;
}

/* Instances and services as one list of nodes for the dependency walk. */
struct node_list {
  const struct mw_instance **nodes;
  size_t n;
};

static const struct mw_instance *find_node(const struct node_list *all, const char *name,
                                           size_t *index)
{
  size_t i;

  for (i = 0; i < all->n; i++) {
    if (strcmp(all->nodes[i]->name, name) == 0) {
      *index = i;
      return all->nodes[i];
    }
  }
  return NULL;
}

/* Depth-first walk with colours (0 new, 1 on the path, 2 done); path holds the nodes on the way,
 * so a cycle is named whole: "a -> b -> a". */
static int walk(const struct node_list *all, size_t at, unsigned char *colour, size_t *path,
                size_t depth, char *err, size_t errlen)
{
  const struct mw_instance *node = all->nodes[at];
  size_t j;
  size_t next;

  colour[at] = 1;
  path[depth] = at;
  for (j = 0; j < node->ndepends_on; j++) {
    if (!find_node(all, node->depends_on[j], &next))
      continue; /* reported by the name check */
    if (colour[next] == 1) {
      size_t from = 0;
      size_t k;
      int used = snprintf(err, errlen, "%s:%d: depends_on makes a cycle: ", node->file, node->line);
      while (path[from] != next)
        from++;
      for (k = from; k <= depth && used >= 0 && (size_t)used < errlen; k++)
        used += snprintf(err + used, errlen - (size_t)used, "%s -> ", all->nodes[path[k]]->name);
      if (used >= 0 && (size_t)used < errlen)
        snprintf(err + used, errlen - (size_t)used, "%s", all->nodes[next]->name);
      return -1;
    }
    if (colour[next] == 0 && walk(all, next, colour, path, depth + 1, err, errlen) != 0)
      return -1;
  }
  colour[at] = 2;
  return 0;
}

static int check_node(const struct node_list *all, const struct mw_instance *node, char *err,
                      size_t errlen)
{
  size_t j;
  size_t at;

  if (node->flap_high > 0.0 && node->flap_low >= node->flap_high) {
    snprintf(err, errlen, "%s:%d: '%s': flap_low (%g) must be below flap_high (%g)", node->file,
             node->line, node->name, node->flap_low, node->flap_high);
    return -1;
  }
  for (j = 0; j < node->ndepends_on; j++) {
    if (!find_node(all, node->depends_on[j], &at)) {
      snprintf(err, errlen,
               "%s:%d: '%s' depends on '%s', which is neither a check instance nor a service",
               node->file, node->line, node->name, node->depends_on[j]);
      return -1;
    }
  }
  return 0;
}

int conf_check_policy(const struct mw_config *cfg, char *err, size_t errlen)
{
  struct node_list all = {NULL, 0};
  unsigned char *colour = NULL;
  size_t *path = NULL;
  size_t i;
  int result = -1;

  all.nodes = calloc(cfg->ninstances + cfg->nservices + 1, sizeof(*all.nodes));
  colour = calloc(cfg->ninstances + cfg->nservices + 1, 1);
  path = calloc(cfg->ninstances + cfg->nservices + 1, sizeof(*path));
  if (!all.nodes || !colour || !path) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < cfg->ninstances; i++)
    all.nodes[all.n++] = &cfg->instances[i];
  for (i = 0; i < cfg->nservices; i++)
    all.nodes[all.n++] = &cfg->services[i];
  for (i = 0; i < all.n; i++) {
    if (check_node(&all, all.nodes[i], err, errlen) != 0)
      goto cleanup;
  }
  for (i = 0; i < all.n; i++) {
    if (colour[i] == 0 && walk(&all, i, colour, path, 0, err, errlen) != 0)
      goto cleanup;
  }
  for (i = 0; i < cfg->ndowntimes; i++) {
    const struct mw_downtime_window *w = &cfg->downtimes[i];
    size_t j;
    size_t at;
    for (j = 0; j < w->nmembers; j++) {
      if (!find_node(&all, w->members[j], &at)) {
        snprintf(err, errlen,
                 "%s:%d: downtime '%s' names '%s', which is neither a check instance nor a "
                 "service",
                 w->file, w->line, w->name, w->members[j]);
        goto cleanup;
      }
    }
  }
  result = 0;
cleanup:
  free(all.nodes);
  free(colour);
  free(path);
  return result;
}
