/* SPDX-License-Identifier: MIT */
/* json_rule.h - one assertion on a JSON document, as rest-health's --json-path and mcp-tools's
 * call expectations write it: "PATH" (must exist), "PATH=VALUE" (must equal), or
 * "PATH;WARN[;CRIT]" (its number within Nagios ranges). */
#ifndef JSON_RULE_H
#define JSON_RULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"

#define JSON_RULE_PLAIN 1 /* the unit kind of the ranges: plain numbers (a check's K_PLAIN) */

struct json_rule {
  char *path;       /* owned */
  const char *want; /* points into the rule's text (or a value the caller sets); NULL: none */
  struct mw_range warn;
  struct mw_range crit;
  bool has_warn;
  bool has_crit;
  bool mapped; /* rest-health's --state-map decides: the rule itself only requires the path */
};

/* spec into rule; option names the option in a one-line reason. 0, or -1 with err. */
int json_rule_parse(const char *spec, const char *option, struct json_rule *rule, char *err,
                    size_t errlen);
/* The rule judged on doc: MW_OK when it holds, else the state it gives; reason "PATH = 7", or
 * why it does not hold. *value (borrowed from doc) and *number (NAN when not a number) are
 * set for the caller's perfdata and mapping. */
enum mw_state json_rule_judge(const struct json_rule *rule, json_t *doc, json_t **value,
                              double *number, char *reason, size_t reasonlen);
void json_rule_free(struct json_rule *rule);

#endif
