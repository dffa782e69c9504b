/* SPDX-License-Identifier: MIT */
/* conf_module.h - the entry points of the configuration module (mwconfig.so, config.c). */
#ifndef MW_CONF_MODULE_H
#define MW_CONF_MODULE_H

#include "mw_core.h"

#define MW_CONF_LOAD_SYMBOL "mwconf_load"
#define MW_CONF_FREE_SYMBOL "mwconf_free"

/* 0 with cfg filled (free it with mwconf_free), or -1 with a one-line reason in err and
 * nothing left allocated in cfg. */
int mwconf_load(const char *path, struct mw_config *cfg, char *err, size_t errlen);
void mwconf_free(struct mw_config *cfg);

#endif
