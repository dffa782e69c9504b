/* SPDX-License-Identifier: MIT */
/* values.h - what the collectd plugin dispatches of a result (values.c). Included after
 * collectd's headers and mw_core.h. */
#ifndef MW_COLLECTD_VALUES_H
#define MW_COLLECTD_VALUES_H

/* The values a read dispatches, by type instance ("time", "state", "root"); none: all. Each
 * dispatched value costs collectd about 30 us of queueing, write-thread wake-up and cache. */
#define VALUES_MAX 16
struct value_filter {
  char names[VALUES_MAX][DATA_MAX_NAME_LEN];
  size_t n;
};

/* Values "time" "state": type instances as a read names them (a perfdata label, '/' as "root"
 * or '-', as the df plugin does; "state" for the state). 0, or -1 with why in err. */
int values_parse(const oconfig_item_t *item, struct value_filter *values, char *err, size_t errlen);
/* Every perfdata value of res and its sub-results, then state, as NAME's values, skipping the
 * ones values does not choose. */
void values_dispatch(const char *name, const struct value_filter *values,
                     const struct mw_result *res, enum mw_state state);

#endif
