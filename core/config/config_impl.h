/* SPDX-License-Identifier: MIT */
/* config_impl.h - what the configuration module's files share (config.c, config_instance.c,
 * config_policy.c). */
#ifndef MW_CONFIG_IMPL_H
#define MW_CONFIG_IMPL_H

#include <libconfig.h>

#include "mw_core.h"

/* A scalar setting as text: strings as they are, numbers formatted into out. 0, or -1 for a
 * group, list or array. */
/* A group (and what it holds) as JSON text in out: 0, or -1 when it does not fit or nests
 * deeper than 16. */
int conf_group_json(const config_setting_t *group, char *out, size_t outlen);
int conf_scalar_text(const config_setting_t *s, char *out, size_t outlen, const char **text);
/* checks: { }, notifiers: { } or passive_results: { } (by the group's name) into cfg. */
int conf_load_checks(const config_setting_t *checks, const char *file, struct mw_config *cfg,
                     char *err, size_t errlen);
/* services: { NAME: { members = [...]; notify = [...]; }; } into cfg->services. */
int conf_load_services(const config_setting_t *group, const char *file, struct mw_config *cfg,
                       char *err, size_t errlen);

/* A name or a list of names; -2 when out of memory, -1 with err. */
int conf_load_name_list(const config_setting_t *s, const char *file, const char *key,
                        const char *what, char ***list, size_t *count, char *err, size_t errlen);
/* downtimes: { NAME: { members, every, timezone, comment }; } into cfg (config_policy.c). */
int conf_load_downtimes(const config_setting_t *group, const char *file, struct mw_config *cfg,
                        char *err, size_t errlen);
void conf_free_downtimes(struct mw_config *cfg);
/* http: { listen = [...]; basic_file; token_file; tls_cert; tls_key; degraded; } into
 * cfg->http (config_http.c). */
int conf_load_http(const config_setting_t *group, const char *file, struct mw_config *cfg,
                   char *err, size_t errlen);
void conf_free_http(struct mw_config *cfg);
/* slo = { availability; latency; window; } into inst->slo (config_slo.c). */
int conf_load_slo(const config_setting_t *s, const char *file, struct mw_instance *inst, char *err,
                  size_t errlen);
/* history = BOOL or history: { enabled; retention; max_size_mb; } into cfg->history
 * (config_history.c). */
int conf_load_history(const config_setting_t *s, const char *file, struct mw_config *cfg, char *err,
                      size_t errlen);
/* depends_on names that resolve and make no cycle, flap thresholds in order (config_policy.c). */
int conf_check_policy(const struct mw_config *cfg, char *err, size_t errlen);

#endif
