/* SPDX-License-Identifier: MIT */
/* forward.h - the collectd plugin's forwarding half: collectd notifications (the plugin's own,
 * the threshold plugin's, any plugin's) into the mcpwatch spool and on to the notifiers. */
#ifndef MW_COLLECTD_FORWARD_H
#define MW_COLLECTD_FORWARD_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include "mw_core.h"

/* <Notifier "NAME"> Type "pagerduty" ... </Notifier>, SpoolDir, SpoolMax; errors are logged. */
void forward_config_notifier(const oconfig_item_t *block);
void forward_config_spool(const oconfig_item_t *item);
/* Takes the file's notifiers and spool settings, and keeps its downtime windows: cfg is moved
 * (left empty; the caller still frees it). */
void forward_config_file(struct mw_config *cfg);
/* After configuration: opens the destinations, registers the notification callback and starts
 * the delivery thread when there is any notifier. */
int forward_init(void);
/* Every result of the plugin's own instance (notifications carry changes only): forwarded here
 * when its ConfigFile entry has flap detection on, which needs them all; else nothing. */
void forward_own_result(const char *instance, const char *check, const struct mw_result *res,
                        enum mw_state state);
int forward_shutdown(void);

/* One option line of a block into args (mcpwatch.c): keys match option names ignoring case, '-'
 * and '_'. */
int mcpwatch_set_option(struct mw_args *args, const oconfig_item_t *item, char *err, size_t errlen);

#endif
