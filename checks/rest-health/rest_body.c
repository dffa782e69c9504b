/* SPDX-License-Identifier: MIT */
/* rest_body.c - what a health endpoint's body must say: a string, a regular expression, values
 * at JSON paths, and the common health document {"status": ..., "checks": {...}}. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_path.h"
#include "json_rule.h"
#include "rest_health.h"

bool rest_ranges_on_json(const struct mw_args *args)
{
  const char *path = mw_args_str(args, "json-path");

  return mw_args_count(args, "json-path") == 1 && !mw_args_given(args, "json-equals") &&
         !mw_args_given(args, "state-map") && !strpbrk(path, "=;");
}

/* --state-map HEALTHY=ok,DEGRADED=warning,*=critical */
static int parse_state_map(struct rest *rest, const struct mw_args *args, struct mw_result *err)
{
  size_t n = mw_args_count(args, "state-map");
  size_t i;

  rest->state_map_default = MW_UNKNOWN;
  if (n == 0)
    return 0;
  if (rest->n_json != 1 || rest->json[0].want || rest->json[0].has_warn || rest->json[0].has_crit) {
    mw_result_summary(err, "--state-map needs exactly one plain --json-path (the value it maps)");
    return -1;
  }
  if (n > REST_MAX_STATE_MAP) {
    mw_result_summary(err, "at most %d --state-map entries", REST_MAX_STATE_MAP);
    return -1;
  }
  for (i = 0; i < n; i++) {
    const char *entry = mw_args_str_at(args, "state-map", i);
    const char *eq = strrchr(entry, '=');
    enum mw_state state;

    if (!eq || eq == entry || mw_state_parse(eq + 1, &state) != 0) {
      mw_result_summary(
          err, "--state-map %s: expected VALUE=STATE (ok, warning, critical, unknown)", entry);
      return -1;
    }
    if (eq - entry == 1 && entry[0] == '*') {
      rest->state_map_default = state;
      continue;
    }
    rest->state_map[rest->n_state_map].value = entry;
    rest->state_map[rest->n_state_map].value_len = (size_t)(eq - entry);
    rest->state_map[rest->n_state_map].state = state;
    rest->n_state_map++;
  }
  rest->json[0].mapped = true;
  /* The map says what each value means: the health words' own meaning must not overrule it. */
  if (rest->health_doc == HEALTH_AUTO)
    rest->health_doc = HEALTH_OFF;
  return 0;
}

int rest_body_open(struct rest *rest, const struct mw_args *args, struct mw_result *err)
{
  const char *regex = mw_args_str(args, "regex");
  const char *health = mw_args_str(args, "health-doc");
  size_t i;

  rest->string = mw_args_str(args, "string");
  rest->health_doc = strcmp(health, "on") == 0    ? HEALTH_ON
                     : strcmp(health, "off") == 0 ? HEALTH_OFF
                                                  : HEALTH_AUTO;
  if (regex) {
    int rc = regcomp(&rest->regex, regex, REG_EXTENDED | REG_NOSUB);

    if (rc != 0) {
      char reason[128];

      regerror(rc, &rest->regex, reason, sizeof(reason));
      mw_result_summary(err, "--regex: %s", reason);
      return -1;
    }
    rest->has_regex = true;
    rest->regex_text = regex;
  }
  rest->n_json = mw_args_count(args, "json-path");
  if (rest->n_json > REST_MAX_JSON) {
    mw_result_summary(err, "at most %d --json-path", REST_MAX_JSON);
    rest->n_json = 0;
    return -1;
  }
  for (i = 0; i < rest->n_json; i++) {
    char reason[300];

    if (json_rule_parse(mw_args_str_at(args, "json-path", i), "--json-path", &rest->json[i], reason,
                        sizeof(reason)) != 0) {
      mw_result_summary(err, "%s", reason);
      return -1;
    }
  }
  if (mw_args_given(args, "json-equals")) {
    if (rest->n_json != 1 || rest->json[0].want || rest->json[0].has_warn ||
        rest->json[0].has_crit) {
      mw_result_summary(err, "--json-equals needs exactly one plain --json-path; for several "
                             "write --json-path PATH=VALUE");
      return -1;
    }
    rest->json[0].want = mw_args_str(args, "json-equals");
  }
  if (parse_state_map(rest, args, err) != 0)
    return -1;
  if (rest_ranges_on_json(args)) {
    struct json_rule *rule = &rest->json[0];

    rule->has_warn = mw_args_range(args, "warning", &rule->warn);
    rule->has_crit = mw_args_range(args, "critical", &rule->crit);
    if ((rule->has_warn && rule->warn.kind != K_PLAIN) ||
        (rule->has_crit && rule->crit.kind != K_PLAIN)) {
      mw_result_summary(err, "-w/-c judge the number at --json-path: plain numbers only");
      return -1;
    }
  }
  return 0;
}

void rest_body_close(struct rest *rest)
{
  size_t i;

  for (i = 0; i < REST_MAX_JSON; i++)
    json_rule_free(&rest->json[i]);
  if (rest->has_regex)
    regfree(&rest->regex);
}

/* The state --state-map gives text: the first entry equal to it (case aside), else the default. */
static enum mw_state mapped_state(const struct rest *rest, const char *text, bool *listed)
{
  size_t i;

  for (i = 0; i < rest->n_state_map; i++) {
    const struct state_entry *e = &rest->state_map[i];

    if (strlen(text) == e->value_len && strncasecmp(text, e->value, e->value_len) == 0) {
      *listed = true;
      return e->state;
    }
  }
  *listed = false;
  return rest->state_map_default;
}

static void check_rule(const struct rest *rest, const struct json_rule *rule, json_t *doc,
                       struct mw_result *parent, struct problems *problems)
{
  struct mw_result *res = mw_result_child(parent);
  char reason[256];
  json_t *value = NULL;
  enum mw_state state;
  double number = NAN;

  if (!doc) {
    snprintf(reason, sizeof(reason), "%s: the response is not JSON", rule->path);
    state = MW_CRITICAL;
  } else {
    state = json_rule_judge(rule, doc, &value, &number, reason, sizeof(reason));
    if (value && rule->mapped) {
      char text[128];
      bool listed;

      json_value_text(value, text, sizeof(text));
      state = mapped_state(rest, text, &listed);
      snprintf(reason, sizeof(reason), "%s is %s%s", rule->path, text,
               listed ? "" : ", a value --state-map does not list");
    }
    if (value && !isnan(number)) {
      struct mw_perf perf = {rule->path,
                             number,
                             "",
                             rule->has_warn ? &rule->warn : NULL,
                             rule->has_crit ? &rule->crit : NULL,
                             NAN,
                             NAN};

      mw_result_perf(res, &perf);
    }
  }
  mw_result_state(res, state);
  mw_result_summary(res, "%s", reason);
  if (state != MW_OK)
    problems_add(problems, state, "%s", reason);
}

static const char *const good_words[] = {"healthy", "ok", "up", "pass", "green", NULL};
static const char *const fair_words[] = {"degraded", "warn", "warning", "yellow", NULL};
static const char *const bad_words[] = {
    "unhealthy", "down",    "fail",  "failed",         "failing",      "error",       "critical",
    "red",       "unknown", "fatal", "out_of_service", "outofservice", "unavailable", NULL};

static bool word_in(const char *word, const char *const *words)
{
  size_t i;

  for (i = 0; words[i]; i++)
    if (strcasecmp(word, words[i]) == 0)
      return true;
  return false;
}

/* A word health documents use for a status, in any case: "success" (Prometheus's API) or
 * "running" are not, and make a body that is not a health document. */
static bool health_word(const char *status)
{
  return word_in(status, good_words) || word_in(status, fair_words) || word_in(status, bad_words);
}

/* healthy/ok/up/pass OK, degraded/warn WARNING, anything else CRITICAL. */
static enum mw_state health_state(const char *status)
{
  if (word_in(status, good_words))
    return MW_OK;
  if (word_in(status, fair_words))
    return MW_WARNING;
  return MW_CRITICAL;
}

/* A status text; one holding a NUL byte ("ok\u0000down") is none of the words, whatever comes
 * before the NUL. */
static const char *status_text(const json_t *value)
{
  const char *text = json_string_value(value);

  if (text && strlen(text) != json_string_length(value))
    return "(text holding a NUL byte)";
  return text;
}

/* A component's status: "ok", {"status": "ok"}, or the draft health+json's [{"status":..}]
 * (the worst element counts). NULL when there is none. */
static const char *component_status(json_t *value)
{
  const char *worst = NULL;
  size_t i;
  json_t *item;

  if (json_is_string(value))
    return status_text(value);
  if (json_is_object(value))
    return status_text(json_object_get(value, "status"));
  json_array_foreach(value, i, item)
  {
    const char *status = status_text(json_object_get(item, "status"));

    if (status && (!worst || mw_state_worst(health_state(status), health_state(worst)) !=
                                 health_state(worst)))
      worst = status;
  }
  return worst;
}

/* The document's own status: "status", or "overall_status" as several aggregators name it. */
static json_t *health_status(json_t *doc)
{
  json_t *status = json_object_get(doc, "status");

  return json_is_string(status) ? status : json_object_get(doc, "overall_status");
}

static void check_health(json_t *doc, struct mw_result *parent, struct problems *problems)
{
  const char *status = status_text(health_status(doc));
  json_t *components = json_object_get(doc, "checks");
  enum mw_state status_state = status ? health_state(status) : MW_OK;
  enum mw_state worst = MW_OK;
  char failing[512] = "";
  const char *name;
  json_t *value;

  if (!json_is_object(components))
    components = json_object_get(doc, "components"); /* Spring Boot */
  if (!json_is_object(components))
    components = json_object_get(doc, "details");
  if (status) {
    struct mw_result *res = mw_result_child(parent);

    mw_result_state(res, status_state);
    mw_result_summary(res, "status %s", status);
  }
  json_object_foreach(components, name, value)
  {
    const char *component = component_status(value);
    struct mw_result *res;
    enum mw_state state;
    size_t len = strlen(failing);

    if (!component)
      continue;
    res = mw_result_child(parent);
    state = health_state(component);
    mw_result_state(res, state);
    mw_result_summary(res, "%s: %s", name, component);
    if (state == MW_OK)
      continue;
    worst = mw_state_worst(worst, state);
    snprintf(failing + len, sizeof(failing) - len, "%s%.64s %.32s", len ? ", " : " (", name,
             component);
  }
  if (failing[0] && strlen(failing) + 2 <= sizeof(failing))
    strcat(failing, ")");
  if (status_state != MW_OK)
    problems_add(problems, mw_state_worst(status_state, worst), "status %.64s%s", status, failing);
  else if (failing[0])
    problems_add(problems, worst, "components%s", failing);
}

bool rest_body_check(const struct rest *rest, const struct mw_http_response *resp,
                     struct mw_result *res, struct problems *problems)
{
  json_t *doc = NULL;
  json_t *status;
  bool health = false;
  size_t i;

  if (rest->string && !memmem(resp->body, resp->body_len, rest->string, strlen(rest->string)))
    problems_add(problems, MW_CRITICAL, "\"%.64s\" not found", rest->string);
  if (rest->has_regex && regexec(&rest->regex, resp->body, 0, NULL, 0) != 0)
    problems_add(problems, MW_CRITICAL, "no match for /%.64s/", rest->regex_text);
  if (rest->n_json > 0 || rest->health_doc != HEALTH_OFF)
    /* JSON allows \u0000 in strings: without JSON_ALLOW_NUL such a document would not parse
     * at all, and a health document saying "down" would pass as no health document. */
    doc = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  for (i = 0; i < rest->n_json; i++)
    check_rule(rest, &rest->json[i], doc, res, problems);
  if (rest->health_doc != HEALTH_OFF) {
    status = json_is_object(doc) ? health_status(doc) : NULL;
    /* --health-doc on takes any status text (an unknown word is CRITICAL); auto only one of the
     * health words, in any case, or a status hiding a NUL ("ok\u0000down": CRITICAL). */
    health = json_is_string(status) &&
             (rest->health_doc == HEALTH_ON || health_word(json_string_value(status)) ||
              strlen(json_string_value(status)) != json_string_length(status));
    if (health)
      check_health(doc, res, problems);
    else if (rest->health_doc == HEALTH_ON)
      problems_add(problems, MW_CRITICAL, "not a health document (no \"status\")");
  }
  json_decref(doc);
  return health;
}
