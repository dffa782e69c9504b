/* SPDX-License-Identifier: MIT */
/* rest_health.h - shared between rest_health.c (options, request, status and time) and
 * rest_body.c (what the body must say). */
#ifndef REST_HEALTH_H
#define REST_HEALTH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"
#include "mw_http.h"
#include "json_rule.h"
#include "problems.h"

#define REST_MAX_HEADERS 32
#define REST_MAX_EXPECT 32
#define REST_MAX_JSON 16
#define REST_MAX_RESOLVE 16
#define REST_MAX_STATE_MAP 32

enum kind { K_PLAIN = 1, K_SECONDS };
enum health_doc { HEALTH_AUTO, HEALTH_ON, HEALTH_OFF };

/* One VALUE=STATE of --state-map. */
struct state_entry {
  const char *value; /* points into the option's text */
  size_t value_len;
  enum mw_state state;
};

struct code_range {
  long low;
  long high;
};

struct rest {
  struct mw_http *http;
  const char *url;
  const char *method;
  const char *data;
  const char *headers[REST_MAX_HEADERS];
  size_t n_headers;
  const char *token_file;
  const char *token_env;
  struct code_range expect[REST_MAX_EXPECT];
  size_t n_expect;
  const char *onredirect; /* follow, ok, warning, critical */
  struct mw_range time_warn;
  struct mw_range time_crit;
  bool has_time_warn;
  bool has_time_crit;
  const char *string;
  regex_t regex;
  bool has_regex;
  const char *regex_text;
  struct json_rule json[REST_MAX_JSON];
  size_t n_json;
  enum health_doc health_doc;
  /* --state-map: the value at the single --json-path decides the state. */
  struct state_entry state_map[REST_MAX_STATE_MAP];
  size_t n_state_map;
  enum mw_state state_map_default; /* for values not listed: '*=STATE', else UNKNOWN */
  bool timings;
  bool insecure;
  enum mw_state timeout_state;
  const char *resolve[REST_MAX_RESOLVE];
};

/* Parses the body options (--string, --regex, --json-path, --json-equals, -w/-c when they
 * judge a JSON number, --health-doc). 0, or -1 with the reason in err. */
int rest_body_open(struct rest *rest, const struct mw_args *args, struct mw_result *err);
void rest_body_close(struct rest *rest);
/* Judges the body: one child of res per JSON path and per health component; what is wrong is
 * added to problems ("string not found"). True when the body was read as a health document. */
bool rest_body_check(const struct rest *rest, const struct mw_http_response *resp,
                     struct mw_result *res, struct problems *problems);
/* -w/-c judge the JSON number rather than the time: exactly one plain --json-path. */
bool rest_ranges_on_json(const struct mw_args *args);

#endif
