/* SPDX-License-Identifier: MIT */
/* json_path.c - dotted paths into jansson documents. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_path.h"

#define KEY_MAX 256

/* Reads one key from *p into key (unescaping "\."), stopping at an unescaped '.', '[' or the
 * end. -1 when the key is too long or ends in a lone backslash. */
static int read_key(const char **p, char *key)
{
  size_t n = 0;
  const char *s = *p;

  while (*s && *s != '.' && *s != '[') {
    if (*s == '\\') {
      s++;
      if (!*s)
        return -1;
    }
    if (n + 1 >= KEY_MAX)
      return -1;
    key[n++] = *s++;
  }
  key[n] = '\0';
  *p = s;
  return 0;
}

static bool all_digits(const char *s)
{
  if (!*s)
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

static json_t *step_key(json_t *node, const char *key, const char *path, char *err, size_t errlen)
{
  json_t *next = NULL;

  if (json_is_object(node))
    next = json_object_get(node, key);
  else if (json_is_array(node) && all_digits(key))
    next = json_array_get(node, strtoul(key, NULL, 10));
  if (!next && err)
    snprintf(err, errlen, "%s: no \"%.64s\" in the response", path, key);
  return next;
}

/* Walks path from root into *found: 0, or -1 with the reason in err. With root NULL it only
 * checks the syntax. */
static int walk(json_t *root, const char *path, json_t **found, char *err, size_t errlen)
{
  char key[KEY_MAX];
  const char *p = path;
  json_t *node = root;

  if (p[0] == '$')
    p += p[1] == '.' ? 2 : 1;
  while (*p) {
    if (read_key(&p, key) != 0) {
      snprintf(err, errlen, "JSON path %s: a key is too long or ends in a backslash", path);
      return -1;
    }
    if (key[0] == '\0' && *p != '[') {
      snprintf(err, errlen, "JSON path %s: empty key", path);
      return -1;
    }
    if (key[0] && root && !(node = step_key(node, key, path, err, errlen)))
      return -1;
    while (*p == '[') {
      char *end;
      unsigned long index;

      errno = 0;
      index = strtoul(p + 1, &end, 10);
      if (end == p + 1 || *end != ']' || errno != 0 || p[1] == '-' || p[1] == '+') {
        snprintf(err, errlen, "JSON path %s: expected [N] with a number N", path);
        return -1;
      }
      p = end + 1;
      if (root && !(node = json_is_array(node) ? json_array_get(node, index) : NULL)) {
        snprintf(err, errlen, "%s: no element [%lu] in the response", path, index);
        return -1;
      }
    }
    if (*p && *p != '.') {
      snprintf(err, errlen, "JSON path %s: expected '.' or '[' after ']'", path);
      return -1;
    }
    if (*p == '.' && *++p == '\0') {
      snprintf(err, errlen, "JSON path %s: empty key", path);
      return -1;
    }
  }
  if (found)
    *found = node;
  return 0;
}

int json_path_validate(const char *path, char *err, size_t errlen)
{
  return walk(NULL, path, NULL, err, errlen);
}

json_t *json_path_get(json_t *root, const char *path, char *err, size_t errlen)
{
  json_t *found = NULL;

  return walk(root, path, &found, err, errlen) == 0 ? found : NULL;
}

bool json_value_equals(const json_t *value, const char *want)
{
  char *end;
  double number;

  switch (json_typeof(value)) {
  case JSON_STRING:
    return strcmp(json_string_value(value), want) == 0;
  case JSON_INTEGER:
  case JSON_REAL:
    errno = 0;
    number = strtod(want, &end);
    return end != want && *end == '\0' && errno == 0 && number == json_number_value(value);
  case JSON_TRUE:
    return strcmp(want, "true") == 0;
  case JSON_FALSE:
    return strcmp(want, "false") == 0;
  case JSON_NULL:
    return strcmp(want, "null") == 0;
  default:
    return false;
  }
}

bool json_value_number(const json_t *value, double *out)
{
  const char *text;
  char *end;
  double number;

  if (json_is_number(value)) {
    *out = json_number_value(value);
    return true;
  }
  text = json_string_value(value);
  /* strtod takes leading spaces, hex and "inf": a value is a number only when all of it is a
   * plain finite decimal, and no NUL hides a tail. */
  if (!text || strlen(text) != json_string_length(value) || !text[0] ||
      !strchr("+-.0123456789", text[0]) || strpbrk(text, "xX"))
    return false;
  errno = 0;
  number = strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite(number))
    return false;
  *out = number;
  return true;
}

void json_value_text(const json_t *value, char *out, size_t outlen)
{
  switch (json_typeof(value)) {
  case JSON_STRING:
    snprintf(out, outlen, "%s", json_string_value(value));
    break;
  case JSON_INTEGER:
    snprintf(out, outlen, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    break;
  case JSON_REAL:
    snprintf(out, outlen, "%.15g", json_real_value(value));
    break;
  case JSON_TRUE:
    snprintf(out, outlen, "true");
    break;
  case JSON_FALSE:
    snprintf(out, outlen, "false");
    break;
  case JSON_NULL:
    snprintf(out, outlen, "null");
    break;
  case JSON_OBJECT:
    snprintf(out, outlen, "an object");
    break;
  default:
    snprintf(out, outlen, "an array");
    break;
  }
}
