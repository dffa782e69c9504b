/* SPDX-License-Identifier: MIT */
/* config_history.c - the agent's history settings: history = false, or history: { retention =
 * "90d"; max_size_mb = 1024; }; on with those defaults when not given (and when the agent was
 * built with SQLite). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "config_impl.h"

int conf_load_history(const config_setting_t *s, const char *file, struct mw_config *cfg, char *err,
                      size_t errlen)
{
  struct mw_history_conf *history = &cfg->history;
  int line = config_setting_source_line(s);
  int n;
  int i;

  memset(history, 0, sizeof(*history));
  history->set = true;
  if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
    history->disabled = !config_setting_get_bool(s);
    return 0;
  }
  if (!config_setting_is_group(s)) {
    snprintf(err, errlen,
             "%s:%d: 'history' must be true, false or a group: history: { retention = \"90d\"; "
             "max_size_mb = 1024; };",
             file, line);
    return -1;
  }
  n = config_setting_length(s);
  for (i = 0; i < n; i++) {
    config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
    const char *name = config_setting_name(e);
    int at = config_setting_source_line(e);

    if (strcmp(name, "retention") == 0) {
      double seconds = 0;

      if (config_setting_type(e) != CONFIG_TYPE_STRING ||
          mw_duration_parse(config_setting_get_string(e), &seconds) != 0 || seconds < 86400) {
        snprintf(err, errlen,
                 "%s:%d: history: retention must be a duration from \"1d\" to \"366d\" such as "
                 "\"90d\"",
                 file, at);
        return -1;
      }
      history->retention_s = seconds;
    } else if (strcmp(name, "max_size_mb") == 0) {
      if (config_setting_type(e) != CONFIG_TYPE_INT || config_setting_get_int(e) < 16 ||
          config_setting_get_int(e) > 1024 * 1024) {
        snprintf(err, errlen,
                 "%s:%d: history: max_size_mb must be a number of MiB from 16 to 1048576", file,
                 at);
        return -1;
      }
      history->max_size_mb = config_setting_get_int(e);
    } else if (strcmp(name, "slo_interval") == 0) {
      char num[64];
      const char *text;

      if (conf_scalar_text(e, num, sizeof(num), &text) != 0 ||
          mw_duration_parse(text, &history->slo_interval_s) != 0 || history->slo_interval_s < 1 ||
          history->slo_interval_s > 600) {
        snprintf(err, errlen,
                 "%s:%d: history: slo_interval must be a duration from \"1s\" to \"10m\"", file,
                 at);
        return -1;
      }
    } else if (strcmp(name, "enabled") == 0) {
      if (config_setting_type(e) != CONFIG_TYPE_BOOL) {
        snprintf(err, errlen, "%s:%d: history: enabled must be true or false", file, at);
        return -1;
      }
      history->disabled = !config_setting_get_bool(e);
    } else {
      snprintf(err, errlen,
               "%s:%d: unknown key '%s' in history (enabled, retention, max_size_mb, slo_interval)",
               file, at, name);
      return -1;
    }
  }
  return 0;
}
