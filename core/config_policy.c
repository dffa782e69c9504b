/* config_policy.c - the notification policy's settings checked across the whole configuration:
 * depends_on names an instance or service and makes no cycle, flap thresholds are ordered. Part
 * of the configuration module. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

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
  result = 0;
cleanup:
  free(all.nodes);
  free(colour);
  free(path);
  return result;
}
