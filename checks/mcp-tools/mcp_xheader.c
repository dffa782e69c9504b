/* SPDX-License-Identifier: MIT */
/* mcp_xheader.c - a tool's x-mcp-header annotations (2026-07-28, Streamable HTTP): which tool
 * definitions a client must reject, and the Mcp-Param-{Name} headers a tools/call carries.
 * A tool whose annotations break the rules is dropped by every conforming client, so a monitor
 * says so rather than report the tool as offered. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcp_client.h"

#define TCHARS "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define SAFE_INTEGER 9007199254740991LL /* 2^53 - 1 */

/* Keywords whose values are schemas (or maps or arrays of them): an annotation under one of
 * them is not reachable by "properties" keys alone. */
static const char *const schema_keys[] = {
    "items", "prefixItems", "contains", "additionalProperties", "propertyNames",         "not",
    "if",    "then",        "else",     "unevaluatedItems",     "unevaluatedProperties", NULL};
static const char *const schema_lists[] = {"allOf", "anyOf", "oneOf", NULL};
static const char *const schema_maps[] = {"$defs", "definitions", "patternProperties",
                                          "dependentSchemas", NULL};

struct walk {
  const char *names[MCP_MAX_PARAM_HEADERS];
  size_t n;
  char *why;
  size_t whylen;
};

static bool in(const char *const *list, const char *key)
{
  for (; *list; list++)
    if (strcmp(*list, key) == 0)
      return true;
  return false;
}

static bool walk(json_t *schema, bool reachable, bool root, struct walk *w);

static bool walk_sub(json_t *value, bool reachable, struct walk *w)
{
  size_t i;
  json_t *item;

  if (json_is_array(value)) {
    json_array_foreach(value, i, item) if (!walk(item, reachable, false, w)) return false;
    return true;
  }
  return walk(value, reachable, false, w);
}

/* One annotation at a reachable property: its name and the property's type. */
static bool check_annotation(json_t *schema, json_t *annotation, struct walk *w)
{
  const char *name = json_string_value(annotation);
  const char *type = json_string_value(json_object_get(schema, "type"));
  size_t i;

  if (!name || !*name || strspn(name, TCHARS) != strlen(name)) {
    snprintf(w->why, w->whylen, "x-mcp-header '%.40s' is no header name",
             name ? name : "(not a string)");
    return false;
  }
  if (!type || (strcmp(type, "string") != 0 && strcmp(type, "integer") != 0 &&
                strcmp(type, "boolean") != 0)) {
    snprintf(w->why, w->whylen,
             "x-mcp-header '%.40s' is on a %.20s, not a string, integer or "
             "boolean",
             name, type ? type : "property of no single type");
    return false;
  }
  for (i = 0; i < w->n; i++)
    if (strcasecmp(w->names[i], name) == 0) {
      snprintf(w->why, w->whylen, "x-mcp-header '%.40s' is given twice", name);
      return false;
    }
  if (w->n == MCP_MAX_PARAM_HEADERS) {
    snprintf(w->why, w->whylen, "more than %d x-mcp-header annotations", MCP_MAX_PARAM_HEADERS);
    return false;
  }
  w->names[w->n++] = name;
  return true;
}

static bool walk(json_t *schema, bool reachable, bool root, struct walk *w)
{
  const char *key;
  json_t *value;

  if (!json_is_object(schema))
    return true;
  value = json_object_get(schema, "x-mcp-header");
  if (value) {
    if (!reachable || root) {
      snprintf(w->why, w->whylen,
               "an x-mcp-header that is not on a property reached through 'properties' alone");
      return false;
    }
    if (!check_annotation(schema, value, w))
      return false;
  }
  json_object_foreach(schema, key, value)
  {
    if (strcmp(key, "properties") == 0) {
      const char *name;
      json_t *property;

      json_object_foreach(value, name,
                          property) if (!walk(property, reachable, false, w)) return false;
    } else if (in(schema_keys, key) || in(schema_lists, key)) {
      if (!walk_sub(value, false, w))
        return false;
    } else if (in(schema_maps, key)) {
      const char *name;
      json_t *sub;

      json_object_foreach(value, name, sub) if (!walk(sub, false, false, w)) return false;
    }
  }
  return true;
}

bool mcp_tool_headers_valid(json_t *input_schema, char *why, size_t whylen)
{
  struct walk w = {.why = why, .whylen = whylen};

  why[0] = '\0';
  return walk(input_schema, true, true, &w);
}

/* ---- Mcp-Param-{Name} --------------------------------------------------------------------- */

struct params {
  char (*lines)[MCP_PARAM_HEADER_MAX];
  size_t n;
};

static void add_param(struct params *p, const char *name, json_t *value)
{
  char text[64];
  const char *plain = NULL;
  char encoded[MCP_PARAM_HEADER_MAX - 128];

  if (json_is_string(value)) {
    plain = json_string_value(value);
  } else if (json_is_integer(value) && json_integer_value(value) <= SAFE_INTEGER &&
             json_integer_value(value) >= -SAFE_INTEGER) {
    snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    plain = text;
  } else if (json_is_boolean(value)) {
    plain = json_is_true(value) ? "true" : "false";
  }
  /* null, or not what the schema says: the header is left out, and the server judges. A name
   * too long for the line is too (no server names a header so). */
  if (!plain || strlen(name) > 100)
    return;
  if (!*plain) /* an empty value: "Name;" is how libcurl sends a header with none */
    snprintf(p->lines[p->n++], MCP_PARAM_HEADER_MAX, "Mcp-Param-%.100s;", name);
  else if (mcp_header_safe(plain) && strlen(plain) < sizeof(encoded))
    snprintf(p->lines[p->n++], MCP_PARAM_HEADER_MAX, "Mcp-Param-%.100s: %.383s", name, plain);
  else if (mw_base64(plain, strlen(plain), encoded, sizeof(encoded)) > 0)
    snprintf(p->lines[p->n++], MCP_PARAM_HEADER_MAX, "Mcp-Param-%.100s: =?base64?%.383s?=", name,
             encoded);
}

/* The value at the same chain of "properties" keys in the arguments. */
static void collect(json_t *schema, json_t *instance, struct params *p)
{
  const char *key;
  json_t *property;
  json_t *annotation = json_object_get(schema, "x-mcp-header");

  if (annotation && instance && p->n < MCP_MAX_PARAM_HEADERS)
    add_param(p, json_string_value(annotation), instance);
  json_object_foreach(json_object_get(schema, "properties"), key, property)
      collect(property, json_object_get(instance, key), p);
}

size_t mcp_tool_param_headers(json_t *input_schema, json_t *arguments,
                              char (*lines)[MCP_PARAM_HEADER_MAX])
{
  struct params p = {.lines = lines};
  const char *key;
  json_t *property;

  json_object_foreach(json_object_get(input_schema, "properties"), key, property)
      collect(property, json_object_get(arguments, key), &p);
  return p.n;
}
