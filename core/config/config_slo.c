/* SPDX-License-Identifier: MIT */
/* config_slo.c - an instance's or a service's service level objectives: slo = { availability =
 * "99.9%"; latency = "p95 < 500ms"; window = "30d"; }. Availability is the share of runs OK or
 * WARNING; latency the share of runs that took at most the time given, which must reach the
 * percentile's share (p95: 95%). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

#define WINDOW_DEFAULT_S (30.0 * 86400)

/* "99.9%" or 99.9: a ratio strictly between 0 and 1, or -1. */
static double percent(const config_setting_t *s)
{
  char num[64];
  const char *text;
  char *end = NULL;
  double v;

  if (conf_scalar_text(s, num, sizeof(num), &text) != 0)
    return -1;
  v = strtod(text, &end);
  if (end == text || (*end && strcmp(end, "%") != 0) || !(v > 0 && v < 100))
    return -1;
  return v / 100.0;
}

/* "p95 < 500ms", "p99.9<=2s": 0, or -1. */
static int latency(const char *text, double *q, double *ms)
{
  char duration[64];
  char *end = NULL;
  double seconds;
  size_t len;

  while (*text == ' ')
    text++;
  if (*text != 'p' && *text != 'P')
    return -1;
  *q = strtod(text + 1, &end) / 100.0;
  if (end == text + 1 || !(*q >= 0.5 && *q < 1.0))
    return -1;
  text = end + strspn(end, " ");
  if (*text != '<')
    return -1;
  text += text[1] == '=' ? 2 : 1;
  text += strspn(text, " ");
  len = strcspn(text, " ");
  if (len == 0 || len >= sizeof(duration) || text[len + strspn(text + len, " ")] != '\0')
    return -1;
  memcpy(duration, text, len);
  duration[len] = '\0';
  if (mw_duration_parse(duration, &seconds) != 0 || seconds <= 0)
    return -1;
  *ms = seconds * 1000.0;
  return 0;
}

int conf_load_slo(const config_setting_t *s, const char *file, struct mw_instance *inst, char *err,
                  size_t errlen)
{
  struct mw_slo *slo = &inst->slo;
  int n;
  int i;

  if (!config_setting_is_group(s)) {
    snprintf(err, errlen,
             "%s:%d: 'slo' must be a group: slo = { availability = \"99.9%%\"; latency = \"p95 < "
             "500ms\"; window = \"30d\"; };",
             file, config_setting_source_line(s));
    return -1;
  }
  memset(slo, 0, sizeof(*slo));
  slo->window_s = WINDOW_DEFAULT_S;
  n = config_setting_length(s);
  for (i = 0; i < n; i++) {
    const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
    const char *key = config_setting_name(e);
    int line = config_setting_source_line(e);

    if (strcmp(key, "availability") == 0) {
      slo->availability = percent(e);
      if (slo->availability < 0) {
        snprintf(err, errlen,
                 "%s:%d: slo: availability must be a percentage above 0 and under 100 such as "
                 "\"99.9%%\"",
                 file, line);
        return -1;
      }
    } else if (strcmp(key, "latency") == 0) {
      if (config_setting_type(e) != CONFIG_TYPE_STRING ||
          latency(config_setting_get_string(e), &slo->latency_q, &slo->latency_ms) != 0) {
        snprintf(err, errlen,
                 "%s:%d: slo: latency must read \"pNN < DURATION\" such as \"p95 < 500ms\" "
                 "(p50 to p99.99)",
                 file, line);
        return -1;
      }
    } else if (strcmp(key, "window") == 0) {
      char num[64];
      const char *text;

      if (conf_scalar_text(e, num, sizeof(num), &text) != 0 ||
          mw_duration_parse(text, &slo->window_s) != 0 || slo->window_s < 3600) {
        snprintf(err, errlen,
                 "%s:%d: slo: window must be a duration from \"1h\" to \"366d\" such as \"30d\"",
                 file, line);
        return -1;
      }
    } else {
      snprintf(err, errlen, "%s:%d: unknown key '%s' in slo (availability, latency, window)", file,
               line, key);
      return -1;
    }
  }
  if (slo->availability <= 0 && slo->latency_q <= 0) {
    snprintf(err, errlen, "%s:%d: slo: give availability, latency or both", file,
             config_setting_source_line(s));
    return -1;
  }
  return 0;
}
