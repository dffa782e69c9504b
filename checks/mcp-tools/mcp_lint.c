/* SPDX-License-Identifier: MIT */
/* mcp_lint.c - a tool list as clients judge it: names of the specification's form and unique,
 * input and output schemas that are object schemas, `required` names that exist, and JSON
 * Schema keywords of the right type for the dialect the schema declares (2020-12 when none). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_contract.h"
#include "mw_check.h"

#define SCHEMA_DEPTH_MAX 32
#define NAME_LEN_MAX 128 /* 2025-11-25 "Tool names": 1 to 128 characters */

enum dialect { D_2020_12, D_2019_09, D_DRAFT_07, D_DRAFT_06, D_DRAFT_04 };

static const struct {
  const char *uri;
  enum dialect dialect;
} dialects[] = {{"https://json-schema.org/draft/2020-12/schema", D_2020_12},
                {"https://json-schema.org/draft/2019-09/schema", D_2019_09},
                {"http://json-schema.org/draft-07/schema", D_DRAFT_07},
                {"http://json-schema.org/draft-06/schema", D_DRAFT_06},
                {"http://json-schema.org/draft-04/schema", D_DRAFT_04},
                {NULL, D_2020_12}};

struct schema_walk {
  struct lint *lint;
  const char *tool;
  const char *member; /* inputSchema or outputSchema */
  enum dialect dialect;
};

static void finding(struct lint *lint, const char *fmt, ...) MW_PRINTF(2, 3);
static void finding(struct lint *lint, const char *fmt, ...)
{
  va_list ap;

  lint->count++;
  if (lint->n_lines >= LINT_LINES_MAX)
    return;
  va_start(ap, fmt);
  vsnprintf(lint->lines[lint->n_lines++], LINT_LINE_MAX, fmt, ap);
  va_end(ap);
}

static const char *json_kind(const json_t *value)
{
  switch (json_typeof(value)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  default:
    return "null";
  }
}

static bool type_name_valid(const char *name)
{
  static const char *const names[] = {"null",   "boolean", "object",  "array",
                                      "number", "string",  "integer", NULL};
  size_t i;

  for (i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return true;
  return false;
}

static void walk(const struct schema_walk *w, json_t *schema, const char *where, int depth);

static void bad(const struct schema_walk *w, const char *where, const char *keyword,
                const char *expected, const json_t *value)
{
  finding(w->lint, "%s of %.80s: %s%s%s is %s, not %s", w->member, w->tool, where,
          where[0] ? "/" : "", keyword, json_kind(value), expected);
}

static void check_type(const struct schema_walk *w, const char *where, json_t *type)
{
  size_t i;
  json_t *item;

  if (json_is_string(type)) {
    if (!type_name_valid(json_string_value(type)))
      finding(w->lint, "%s of %.80s: %s/type \"%.40s\" is no JSON Schema type", w->member, w->tool,
              where, json_string_value(type));
    return;
  }
  if (!json_is_array(type)) {
    bad(w, where, "type", "a type name or an array of them", type);
    return;
  }
  json_array_foreach(type, i, item)
  {
    if (!json_is_string(item) || !type_name_valid(json_string_value(item))) {
      bad(w, where, "type", "an array of type names", type);
      return;
    }
  }
}

static void check_required(const struct schema_walk *w, const char *where, json_t *schema)
{
  json_t *required = json_object_get(schema, "required");
  json_t *properties = json_object_get(schema, "properties");
  json_t *item;
  size_t i;
  size_t j;

  if (!required)
    return;
  /* draft-04 only: "required" is an array there too; a boolean belongs to draft-03. */
  if (!json_is_array(required)) {
    bad(w, where, "required", "an array of property names", required);
    return;
  }
  json_array_foreach(required, i, item)
  {
    const char *name = json_string_value(item);

    if (!name) {
      bad(w, where, "required", "an array of property names", required);
      return;
    }
    for (j = 0; j < i; j++)
      if (json_equal(json_array_get(required, j), item))
        finding(w->lint, "%s of %.80s: %s/required names \"%.60s\" twice", w->member, w->tool,
                where, name);
    if (!json_object_get(properties, name))
      finding(w->lint, "%s of %.80s: %s/required names \"%.60s\", which is not in its properties",
              w->member, w->tool, where, name);
  }
}

static void check_number(const struct schema_walk *w, const char *where, json_t *schema,
                         const char *keyword, bool whole)
{
  json_t *value = json_object_get(schema, keyword);

  if (!value)
    return;
  if (whole && (!json_is_integer(value) || json_integer_value(value) < 0))
    bad(w, where, keyword, "a non-negative integer", value);
  else if (!whole && !json_is_number(value))
    bad(w, where, keyword, "a number", value);
}

/* Keywords whose value is one schema, and those whose value is an array or object of them. */
static const char *const one_schema[] = {"additionalProperties",
                                         "not",
                                         "if",
                                         "then",
                                         "else",
                                         "contains",
                                         "propertyNames",
                                         "unevaluatedItems",
                                         "unevaluatedProperties",
                                         "additionalItems",
                                         NULL};
static const char *const schema_arrays[] = {"allOf", "anyOf", "oneOf", NULL};
static const char *const schema_maps[] = {"properties",  "patternProperties", "$defs",
                                          "definitions", "dependentSchemas",  NULL};

static void walk_children(const struct schema_walk *w, json_t *schema, const char *where, int depth)
{
  char inner[256];
  const char *key;
  json_t *value;
  json_t *item;
  size_t i;
  size_t k;

  for (k = 0; one_schema[k]; k++)
    if ((value = json_object_get(schema, one_schema[k])) != NULL) {
      snprintf(inner, sizeof(inner), "%s/%s", where, one_schema[k]);
      walk(w, value, inner, depth + 1);
    }
  for (k = 0; schema_arrays[k]; k++)
    if ((value = json_object_get(schema, schema_arrays[k])) != NULL) {
      if (!json_is_array(value) || json_array_size(value) == 0) {
        bad(w, where, schema_arrays[k], "a non-empty array of schemas", value);
        continue;
      }
      json_array_foreach(value, i, item)
      {
        snprintf(inner, sizeof(inner), "%s/%s/%zu", where, schema_arrays[k], i);
        walk(w, item, inner, depth + 1);
      }
    }
  for (k = 0; schema_maps[k]; k++)
    if ((value = json_object_get(schema, schema_maps[k])) != NULL) {
      if (!json_is_object(value)) {
        bad(w, where, schema_maps[k], "an object of schemas", value);
        continue;
      }
      json_object_foreach(value, key, item)
      {
        snprintf(inner, sizeof(inner), "%s/%s/%.60s", where, schema_maps[k], key);
        walk(w, item, inner, depth + 1);
      }
    }
  value = json_object_get(schema, "items");
  if (value && json_is_array(value) && w->dialect == D_2020_12)
    bad(w, where, "items", "a schema (2020-12 has prefixItems for tuples)", value);
  else if (value && json_is_array(value))
    json_array_foreach(value, i, item)
    {
      snprintf(inner, sizeof(inner), "%s/items/%zu", where, i);
      walk(w, item, inner, depth + 1);
    }
  else if (value) {
    snprintf(inner, sizeof(inner), "%s/items", where);
    walk(w, value, inner, depth + 1);
  }
}

static void walk(const struct schema_walk *w, json_t *schema, const char *where, int depth)
{
  static const char *const whole_numbers[] = {"minLength",   "maxLength",     "minItems",
                                              "maxItems",    "minProperties", "maxProperties",
                                              "minContains", "maxContains",   NULL};
  static const char *const numbers[] = {"minimum", "maximum", "multipleOf", NULL};
  static const char *const strings[] = {"pattern", "format", "$ref", "title", "description", NULL};
  json_t *value;
  size_t k;

  if (json_is_boolean(schema) && w->dialect != D_DRAFT_04)
    return;
  if (!json_is_object(schema)) {
    finding(w->lint, "%s of %.80s: %s is %s, not a schema", w->member, w->tool,
            where[0] ? where : "the schema", json_kind(schema));
    return;
  }
  if (depth > SCHEMA_DEPTH_MAX) {
    finding(w->lint, "%s of %.80s: nested deeper than %d schemas", w->member, w->tool,
            SCHEMA_DEPTH_MAX);
    return;
  }
  if ((value = json_object_get(schema, "type")) != NULL)
    check_type(w, where, value);
  if ((value = json_object_get(schema, "properties")) != NULL && !json_is_object(value)) {
    bad(w, where, "properties", "an object", value);
    return;
  }
  check_required(w, where, schema);
  for (k = 0; whole_numbers[k]; k++)
    check_number(w, where, schema, whole_numbers[k], true);
  for (k = 0; numbers[k]; k++)
    check_number(w, where, schema, numbers[k], false);
  for (k = 0; k < 2; k++) {
    const char *keyword = k == 0 ? "exclusiveMinimum" : "exclusiveMaximum";

    value = json_object_get(schema, keyword);
    if (value && w->dialect == D_DRAFT_04 && !json_is_boolean(value))
      bad(w, where, keyword, "a boolean (draft-04)", value);
    else if (value && w->dialect != D_DRAFT_04 && !json_is_number(value))
      bad(w, where, keyword, "a number (draft-06 and later)", value);
  }
  for (k = 0; strings[k]; k++)
    if ((value = json_object_get(schema, strings[k])) != NULL && !json_is_string(value))
      bad(w, where, strings[k], "a string", value);
  if ((value = json_object_get(schema, "enum")) != NULL && !json_is_array(value))
    bad(w, where, "enum", "an array", value);
  if ((value = json_object_get(schema, "uniqueItems")) != NULL && !json_is_boolean(value))
    bad(w, where, "uniqueItems", "a boolean", value);
  walk_children(w, schema, where, depth);
}

/* inputSchema (outputSchema when present): an object schema, as 2025-11-25 requires. */
static void lint_schema(struct lint *lint, const char *tool, const char *member, json_t *schema)
{
  struct schema_walk w = {lint, tool, member, D_2020_12};
  json_t *declared = json_object_get(schema, "$schema");
  json_t *type = json_object_get(schema, "type");
  size_t i;

  if (!schema) {
    finding(lint, "tool %.80s has no %s", tool, member);
    return;
  }
  if (!json_is_object(schema)) {
    finding(lint, "%s of %.80s is %s, not an object schema", member, tool, json_kind(schema));
    return;
  }
  if (!json_is_string(type) || strcmp(json_string_value(type), "object") != 0) {
    char text[64];

    if (json_is_string(type))
      snprintf(text, sizeof(text), "\"%.40s\"", json_string_value(type));
    finding(lint, "%s of %.80s has type %s, not \"object\"", member, tool,
            json_is_string(type) ? text
            : type               ? json_kind(type)
                                 : "missing");
  }
  if (declared) {
    const char *uri = json_string_value(declared);
    size_t len = uri ? strlen(uri) : 0;

    if (len > 0 && uri[len - 1] == '#')
      len--;
    for (i = 0; dialects[i].uri; i++)
      if (uri && strlen(dialects[i].uri) == len && strncmp(dialects[i].uri, uri, len) == 0)
        break;
    if (!dialects[i].uri)
      finding(lint, "%s of %.80s declares a JSON Schema dialect clients do not know: %.80s", member,
              tool, uri ? uri : json_kind(declared));
    w.dialect = dialects[i].dialect;
  }
  walk(&w, schema, "", 0);
}

static bool name_valid(const char *name)
{
  size_t len = strlen(name);

  return len >= 1 && len <= NAME_LEN_MAX &&
         strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == len;
}

void mcp_lint_tools(json_t *tools, struct lint *lint)
{
  json_t *seen = json_object();
  json_t *tool;
  size_t i;

  memset(lint, 0, sizeof(*lint));
  json_array_foreach(tools, i, tool)
  {
    const char *name = json_string_value(json_object_get(tool, "name"));
    json_t *output = json_object_get(tool, "outputSchema");

    if (!json_is_object(tool)) {
      finding(lint, "tools[%zu] is %s, not a tool object", i, json_kind(tool));
      continue;
    }
    if (!name) {
      finding(lint, "tools[%zu] has no name", i);
      continue;
    }
    if (!name_valid(name))
      finding(lint,
              "tool name \"%.80s\" breaks the specification's rules (1 to 128 of A-Z a-z 0-9 "
              "_ - .)",
              name);
    if (seen && json_object_get(seen, name))
      finding(lint, "tool name %.80s is offered twice", name);
    else if (seen)
      json_object_set_new(seen, name, json_true());
    lint_schema(lint, name, "inputSchema", json_object_get(tool, "inputSchema"));
    if (output)
      lint_schema(lint, name, "outputSchema", output);
  }
  json_decref(seen);
}
