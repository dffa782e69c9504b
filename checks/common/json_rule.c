/* SPDX-License-Identifier: MIT */
/* json_rule.c - see json_rule.h. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_path.h"
#include "json_rule.h"

static const struct mw_unit plain_units[] = {{"", 1, JSON_RULE_PLAIN}, {NULL, 0, 0}};

int json_rule_parse(const char *spec, const char *option, struct json_rule *rule, char *err,
                    size_t errlen)
{
  const char *sep = strpbrk(spec, "=;");
  size_t path_len = sep ? (size_t)(sep - spec) : strlen(spec);
  char reason[256];

  memset(rule, 0, sizeof(*rule));
  rule->path = strndup(spec, path_len);
  if (!rule->path) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (json_path_validate(rule->path, reason, sizeof(reason)) != 0) {
    snprintf(err, errlen, "%s: %s", option, reason);
    return -1;
  }
  if (sep && *sep == '=') {
    rule->want = sep + 1;
  } else if (sep) {
    char text[128];
    const char *warn = sep + 1;
    const char *crit = strchr(warn, ';');
    size_t warn_len = crit ? (size_t)(crit - warn) : strlen(warn);

    if (warn_len >= sizeof(text) || (crit && strchr(crit + 1, ';'))) {
      snprintf(err, errlen, "%s %.200s: expected PATH;WARN;CRIT", option, spec);
      return -1;
    }
    memcpy(text, warn, warn_len);
    text[warn_len] = '\0';
    if (text[0] && mw_range_parse(text, plain_units, &rule->warn, reason, sizeof(reason)) != 0) {
      snprintf(err, errlen, "%s %.200s: %s", option, spec, reason);
      return -1;
    }
    rule->has_warn = text[0] != '\0';
    if (crit && crit[1] &&
        mw_range_parse(crit + 1, plain_units, &rule->crit, reason, sizeof(reason)) != 0) {
      snprintf(err, errlen, "%s %.200s: %s", option, spec, reason);
      return -1;
    }
    rule->has_crit = crit && crit[1];
  }
  return 0;
}

enum mw_state json_rule_judge(const struct json_rule *rule, json_t *doc, json_t **value,
                              double *number, char *reason, size_t reasonlen)
{
  char text[128];

  *number = NAN;
  *value = json_path_get(doc, rule->path, reason, reasonlen);
  if (!*value)
    return MW_CRITICAL;
  json_value_text(*value, text, sizeof(text));
  if (!json_value_number(*value, number))
    *number = NAN;
  if (rule->want && !json_value_equals(*value, rule->want)) {
    snprintf(reason, reasonlen, "%s is %s, expected %s", rule->path, text, rule->want);
    return MW_CRITICAL;
  }
  if ((rule->has_warn || rule->has_crit) && isnan(*number)) {
    snprintf(reason, reasonlen, "%s is %s, not a number", rule->path, text);
    return MW_CRITICAL;
  }
  snprintf(reason, reasonlen, "%s = %s", rule->path, text);
  if (rule->has_warn || rule->has_crit)
    return mw_range_state(rule->has_warn ? &rule->warn : NULL, rule->has_crit ? &rule->crit : NULL,
                          *number);
  return MW_OK;
}

void json_rule_free(struct json_rule *rule)
{
  free(rule->path);
  rule->path = NULL;
}
