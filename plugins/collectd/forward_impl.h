/* SPDX-License-Identifier: MIT */
/* forward_impl.h - what the forwarding half's two files share: the notifiers and settings the
 * configuration gave (forward_config.c) and that forward.c opens and uses. */
#ifndef MW_COLLECTD_FORWARD_IMPL_H
#define MW_COLLECTD_FORWARD_IMPL_H

#include <pthread.h>

#include "forward.h"

#define PLUGIN "mcpwatch"
#define ERR_MAX 512

/* A <Notifier> block or a notifier of the ConfigFile, until forward_init opens it. */
struct notifier_spec {
  char *name;
  char *type;
  struct mw_notifier_plugin plugin; /* holds the option table args point into */
  struct mw_args *args;             /* NULL once a destination took them */
  unsigned routes;                  /* MW_ROUTE_* it takes (States); 0 all */
  double reminder;                  /* Renotify, seconds; 0 none */
};

struct forward_settings {
  struct notifier_spec *specs;
  size_t nspecs;
  char *spool_dir;
  char *state_dir;
  long spool_max;
  /* The configuration file (moved in whole, read under dests_lock): its downtime windows, and
   * the depends_on of its instances and services. */
  struct mw_config file_cfg;
};

extern struct forward_settings fwd;
/* Taken for writing to change the destinations or fwd.file_cfg (forward.c). */
extern pthread_rwlock_t dests_lock;

/* Unloads every notifier spec (forward_config.c). */
void forward_free_specs(void);

#endif
