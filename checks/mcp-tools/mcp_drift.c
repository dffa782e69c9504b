/* SPDX-License-Identifier: MIT */
/* mcp_drift.c - what changed since the baseline, item by item, each change of a kind that has
 * its own state: breaking (a client's call or reading fails), description (what a model reads:
 * the vector of tool poisoning), annotations, other schema changes, and additions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_contract.h"

#define VALUE_SHOWN 60
#define POINTER_MAX 200

const char *const drift_kind_names[DRIFT_KINDS] = {"breaking", "description", "annotations",
                                                   "schema", "added"};

/* Whether two members are the same, absent on both sides included (json_equal says no). */
static bool same(json_t *a, json_t *b)
{
  return a == b || (a && b && json_equal(a, b));
}

/* One place of a change: the item and a JSON pointer into its contract. */
struct where {
  struct drift *drift;
  enum mcp_list list;
  const char *key;
  char pointer[POINTER_MAX];
};

/* A value as short JSON text for a diff line: cut on a character boundary, no '|'. */
static void value_text(json_t *value, char *out, size_t outlen)
{
  char *text;
  size_t len;
  size_t i;

  if (!value) {
    snprintf(out, outlen, "(none)");
    return;
  }
  text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (!text) {
    snprintf(out, outlen, "(?)");
    return;
  }
  len = strlen(text);
  if (len > VALUE_SHOWN) {
    len = VALUE_SHOWN;
    while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
      len--;
  }
  snprintf(out, outlen, "%.*s%s", (int)len, text, strlen(text) > len ? "..." : "");
  for (i = 0; out[i]; i++)
    if (out[i] == '|' || (unsigned char)out[i] < 0x20)
      out[i] = '?';
  free(text);
}

static void name_item(struct drift *drift, enum drift_kind kind, enum mcp_list list,
                      const char *key)
{
  char item[160];
  size_t used = strlen(drift->names[kind]);

  snprintf(item, sizeof(item), "%s %.120s", mcp_list_item[list], key);
  if (strcmp(drift->last[kind], item) == 0)
    return;
  snprintf(drift->last[kind], sizeof(drift->last[kind]), "%s", item);
  drift->items[kind]++;
  if (used + 1 < sizeof(drift->names[kind]))
    snprintf(drift->names[kind] + used, sizeof(drift->names[kind]) - used, "%s%s", used ? ", " : "",
             item);
}

static void change(const struct where *at, enum drift_kind kind, const char *what, json_t *was,
                   json_t *now)
{
  struct drift *drift = at->drift;
  char old_text[VALUE_SHOWN + 8];
  char new_text[VALUE_SHOWN + 8];

  drift->count[kind]++;
  name_item(drift, kind, at->list, at->key);
  if (drift->n_lines >= DRIFT_LINES_MAX) {
    drift->lines_dropped++;
    return;
  }
  if (was || now) {
    value_text(was, old_text, sizeof(old_text));
    value_text(now, new_text, sizeof(new_text));
  }
  drift->line_kind[drift->n_lines] = kind;
  snprintf(drift->lines[drift->n_lines++], DRIFT_LINE_MAX, "%s %.120s: %s%s%s%s%s%s%s (%s)",
           mcp_list_item[at->list], at->key, at->pointer, at->pointer[0] ? ": " : "", what,
           was || now ? ": " : "", was || now ? old_text : "", was || now ? " -> " : "",
           was || now ? new_text : "", drift_kind_names[kind]);
}

/* at->pointer + "/" + token, escaped as RFC 6901 says (~0, ~1). */
static void descend(const struct where *at, struct where *inner, const char *token)
{
  size_t used;

  *inner = *at;
  used = strlen(inner->pointer);
  if (used + 1 < sizeof(inner->pointer))
    inner->pointer[used++] = '/';
  for (; *token && used + 3 < sizeof(inner->pointer); token++) {
    if (*token == '~' || *token == '/') {
      inner->pointer[used++] = '~';
      inner->pointer[used++] = *token == '~' ? '0' : '1';
    } else {
      inner->pointer[used++] = *token;
    }
  }
  inner->pointer[used] = '\0';
}

static bool listed(json_t *names, const char *name)
{
  size_t i;
  json_t *item;

  json_array_foreach(names, i, item)
  {
    if (json_is_string(item) && strcmp(json_string_value(item), name) == 0)
      return true;
  }
  return false;
}

/* Each member that differs between two objects is a change of kind. */
static void members_diff(const struct where *at, json_t *was, json_t *now, enum drift_kind kind)
{
  const char *key;
  json_t *value;
  struct where inner;

  if (!json_is_object(was) || !json_is_object(now)) {
    if (!same(was, now))
      change(at, kind, "changed", was, now);
    return;
  }
  json_object_foreach(was, key, value)
  {
    if (!same(value, json_object_get(now, key))) {
      descend(at, &inner, key);
      change(&inner, kind, "changed", value, json_object_get(now, key));
    }
  }
  json_object_foreach(now, key, value)
  {
    if (!json_object_get(was, key)) {
      descend(at, &inner, key);
      change(&inner, kind, "added", NULL, value);
    }
  }
}

static bool judged_apart(const char *keyword)
{
  static const char *const keywords[] = {"type",  "properties",  "required", "items",
                                         "title", "description", NULL};
  size_t i;

  for (i = 0; keywords[i]; i++)
    if (strcmp(keywords[i], keyword) == 0)
      return true;
  return false;
}

static void schema_diff(const struct where *at, json_t *was, json_t *now, bool input);

static void properties_diff(const struct where *at, json_t *was, json_t *now, bool input)
{
  json_t *old_props = json_object_get(was, "properties");
  json_t *new_props = json_object_get(now, "properties");
  json_t *old_required = json_object_get(was, "required");
  json_t *new_required = json_object_get(now, "required");
  const char *key;
  json_t *value;
  size_t i;
  struct where props;
  struct where inner;

  descend(at, &props, "properties");
  json_object_foreach(old_props, key, value)
  {
    json_t *new_value = json_object_get(new_props, key);

    descend(&props, &inner, key);
    if (!new_value)
      change(&inner, DRIFT_BREAKING, "property removed", value, NULL);
    else
      schema_diff(&inner, value, new_value, input);
  }
  json_object_foreach(new_props, key, value)
  {
    if (json_object_get(old_props, key))
      continue;
    descend(&props, &inner, key);
    if (input && listed(new_required, key))
      change(&inner, DRIFT_BREAKING, "new required parameter", NULL, value);
    else
      change(&inner, DRIFT_ADDED, input ? "optional parameter added" : "property added", NULL,
             value);
  }
  json_array_foreach(new_required, i, value)
  {
    const char *name = json_string_value(value);

    if (!name || listed(old_required, name) || !json_object_get(old_props, name))
      continue;
    descend(&props, &inner, name);
    /* An input now required breaks the calls without it; an output now required is only a
     * new promise. */
    change(&inner, input ? DRIFT_BREAKING : DRIFT_ADDED, "now required", NULL, NULL);
  }
  json_array_foreach(old_required, i, value)
  {
    const char *name = json_string_value(value);

    if (!name || listed(new_required, name))
      continue;
    descend(&props, &inner, name);
    change(&inner, input ? DRIFT_ADDED : DRIFT_SCHEMA, "no longer required", NULL, NULL);
  }
}

static void schema_diff(const struct where *at, json_t *was, json_t *now, bool input)
{
  const char *key;
  json_t *value;
  struct where inner;
  size_t i;
  static const char *const texts[] = {"title", "description", NULL};

  if (same(was, now))
    return;
  if (!json_is_object(was) || !json_is_object(now)) {
    change(at, DRIFT_BREAKING, "changed", was, now);
    return;
  }
  if (!same(json_object_get(was, "type"), json_object_get(now, "type"))) {
    descend(at, &inner, "type");
    change(&inner, DRIFT_BREAKING, "type changed", json_object_get(was, "type"),
           json_object_get(now, "type"));
  }
  properties_diff(at, was, now, input);
  if (json_object_get(was, "items") || json_object_get(now, "items")) {
    descend(at, &inner, "items");
    if (json_object_get(was, "items") && json_object_get(now, "items"))
      schema_diff(&inner, json_object_get(was, "items"), json_object_get(now, "items"), input);
    else if (!same(json_object_get(was, "items"), json_object_get(now, "items")))
      change(&inner, DRIFT_SCHEMA, "changed", json_object_get(was, "items"),
             json_object_get(now, "items"));
  }
  for (i = 0; texts[i]; i++)
    if (!same(json_object_get(was, texts[i]), json_object_get(now, texts[i]))) {
      descend(at, &inner, texts[i]);
      change(&inner, DRIFT_DESCRIPTION, "changed", json_object_get(was, texts[i]),
             json_object_get(now, texts[i]));
    }
  json_object_foreach(was, key, value)
  {
    if (!judged_apart(key) && !same(value, json_object_get(now, key))) {
      descend(at, &inner, key);
      change(&inner, DRIFT_SCHEMA, "changed", value, json_object_get(now, key));
    }
  }
  json_object_foreach(now, key, value)
  {
    if (!judged_apart(key) && !json_object_get(was, key)) {
      descend(at, &inner, key);
      change(&inner, DRIFT_SCHEMA, "added", NULL, value);
    }
  }
}

static void texts_diff(const struct where *at, json_t *was, json_t *now)
{
  static const char *const texts[] = {"title", "description", "name", NULL};
  struct where inner;
  size_t i;

  for (i = 0; texts[i]; i++)
    if (!same(json_object_get(was, texts[i]), json_object_get(now, texts[i]))) {
      descend(at, &inner, texts[i]);
      change(&inner, DRIFT_DESCRIPTION, "changed", json_object_get(was, texts[i]),
             json_object_get(now, texts[i]));
    }
}

static void tool_diff(const struct where *at, json_t *was, json_t *now)
{
  json_t *old_output = json_object_get(was, "outputSchema");
  json_t *new_output = json_object_get(now, "outputSchema");
  struct where inner;

  texts_diff(at, was, now);
  descend(at, &inner, "annotations");
  if (!same(json_object_get(was, "annotations"), json_object_get(now, "annotations")))
    members_diff(&inner, json_object_get(was, "annotations"), json_object_get(now, "annotations"),
                 DRIFT_ANNOTATIONS);
  descend(at, &inner, "inputSchema");
  schema_diff(&inner, json_object_get(was, "inputSchema"), json_object_get(now, "inputSchema"),
              true);
  descend(at, &inner, "outputSchema");
  if (old_output && new_output)
    schema_diff(&inner, old_output, new_output, false);
  else if (old_output)
    change(&inner, DRIFT_BREAKING, "removed", NULL, NULL);
  else if (new_output)
    change(&inner, DRIFT_ADDED, "added", NULL, NULL);
}

/* A prompt's arguments by name: one removed or newly required breaks a client's request. */
static void arguments_diff(const struct where *at, json_t *was, json_t *now)
{
  json_t *old_args = json_object_get(was, "arguments");
  json_t *new_args = json_object_get(now, "arguments");
  json_t *arg;
  size_t i;
  size_t j;
  struct where list;
  struct where inner;

  descend(at, &list, "arguments");
  json_array_foreach(old_args, i, arg)
  {
    const char *name = json_string_value(json_object_get(arg, "name"));
    json_t *match = NULL;
    json_t *other;

    json_array_foreach(new_args, j, other)
    {
      if (name && same(json_object_get(other, "name"), json_object_get(arg, "name")))
        match = other;
    }
    descend(&list, &inner, name ? name : "?");
    if (!match) {
      change(&inner, DRIFT_BREAKING, "argument removed", arg, NULL);
      continue;
    }
    if (!json_is_true(json_object_get(arg, "required")) &&
        json_is_true(json_object_get(match, "required")))
      change(&inner, DRIFT_BREAKING, "now required", NULL, NULL);
    else if (json_is_true(json_object_get(arg, "required")) &&
             !json_is_true(json_object_get(match, "required")))
      change(&inner, DRIFT_ADDED, "no longer required", NULL, NULL);
    texts_diff(&inner, arg, match);
  }
  json_array_foreach(new_args, j, arg)
  {
    const char *name = json_string_value(json_object_get(arg, "name"));
    json_t *other;
    bool known = false;

    json_array_foreach(old_args, i, other)
    {
      if (same(json_object_get(other, "name"), json_object_get(arg, "name")))
        known = true;
    }
    if (known)
      continue;
    descend(&list, &inner, name ? name : "?");
    change(&inner, json_is_true(json_object_get(arg, "required")) ? DRIFT_BREAKING : DRIFT_ADDED,
           json_is_true(json_object_get(arg, "required")) ? "new required argument"
                                                          : "optional argument added",
           NULL, arg);
  }
}

static void item_diff(const struct where *at, json_t *was, json_t *now)
{
  struct where inner;

  switch (at->list) {
  case MCP_LIST_TOOLS:
    tool_diff(at, was, now);
    break;
  case MCP_LIST_RESOURCES:
    texts_diff(at, was, now);
    descend(at, &inner, "mimeType");
    if (!same(json_object_get(was, "mimeType"), json_object_get(now, "mimeType")))
      change(&inner, DRIFT_SCHEMA, "changed", json_object_get(was, "mimeType"),
             json_object_get(now, "mimeType"));
    break;
  default:
    texts_diff(at, was, now);
    arguments_diff(at, was, now);
    break;
  }
}

static void list_diff(struct drift *drift, enum mcp_list list, struct mcp_baseline *baseline,
                      json_t *items)
{
  const struct mcp_baseline_list *entries = &baseline->lists[list];
  /* which entries were offered (an item offered twice is compared once), and the names of
   * added items seen */
  bool *offered = calloc(entries->n + 1, sizeof(*offered));
  json_t *added = json_object();
  json_t *item;
  size_t i;

  if (!offered || !added) {
    struct where at = {drift, list, "(all)", ""};

    change(&at, DRIFT_BREAKING, "not compared: out of memory", NULL, NULL);
    goto cleanup;
  }
  json_array_foreach(items, i, item)
  {
    struct where at = {drift, list, mcp_item_key(list, item), ""};
    struct mcp_baseline_entry *entry;
    json_t *was;
    json_t *contract;

    if (!at.key)
      continue; /* the lint names items without a name and names offered twice */
    entry = mcp_baseline_find(baseline, list, at.key);
    if (!entry) {
      if (!json_object_get(added, at.key)) {
        json_object_set_new(added, at.key, json_true());
        change(&at, DRIFT_ADDED, "added since the baseline", NULL, NULL);
      }
      continue;
    }
    if (offered[entry - entries->entries])
      continue;
    offered[entry - entries->entries] = true;
    /* Most items have not changed: their text says so without a parse. */
    if (!entry->contract && mcp_contract_same_text(list, item, entry->span, entry->span_len) == 1)
      continue;
    was = mcp_baseline_entry_contract(entry);
    contract = mcp_contract_of(list, item);
    if (contract && was && !same(was, contract))
      item_diff(&at, was, contract);
    json_decref(contract);
  }
  for (i = 0; i < entries->n; i++) {
    struct where at = {drift, list, entries->entries[i].key, ""};

    if (!offered[i])
      change(&at, DRIFT_BREAKING, "removed since the baseline", NULL, NULL);
  }
cleanup:
  free(offered);
  json_decref(added);
}

void mcp_drift_compare(struct mcp_baseline *baseline, const struct mcp_catalog *catalog,
                       struct drift *drift)
{
  int list;

  memset(drift, 0, sizeof(*drift));
  for (list = 0; list < MCP_LISTS; list++) {
    if (catalog->lists[list])
      list_diff(drift, (enum mcp_list)list, baseline, catalog->lists[list]);
  }
}
