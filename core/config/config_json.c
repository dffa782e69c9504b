/* SPDX-License-Identifier: MIT */
/* config_json.c - a group inside a list of a check's settings (calls = ( { tool = "search";
 * ... }, ... )) as the JSON text of one option value, so that a check receives structured
 * settings through the same name=value options as every other. */
#include "config.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config_impl.h"
#include "mw_core.h"

#define JSON_DEPTH_MAX 16

struct writer {
  char *out;
  size_t cap;
  size_t len;
  bool full;
};

static void put(struct writer *w, const char *text, size_t len)
{
  if (w->full || len >= w->cap - w->len) {
    w->full = true;
    return;
  }
  memcpy(w->out + w->len, text, len);
  w->len += len;
  w->out[w->len] = '\0';
}

static void puts_text(struct writer *w, const char *text)
{
  put(w, text, strlen(text));
}

static void put_string(struct writer *w, const char *text)
{
  put(w, "\"", 1);
  for (; *text; text++) {
    unsigned char c = (unsigned char)*text;
    char escaped[8];

    if (c == '"' || c == '\\') {
      escaped[0] = '\\';
      escaped[1] = (char)c;
      put(w, escaped, 2);
    } else if (c < 0x20) {
      snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      put(w, escaped, 6);
    } else {
      put(w, text, 1);
    }
  }
  put(w, "\"", 1);
}

static int put_value(struct writer *w, const config_setting_t *s, int depth)
{
  char number[64];
  int n = config_setting_length(s);
  int i;

  if (depth > JSON_DEPTH_MAX)
    return -1;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_STRING:
    put_string(w, config_setting_get_string(s));
    return 0;
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    snprintf(number, sizeof(number), "%lld", (long long)config_setting_get_int64(s));
    puts_text(w, number);
    return 0;
  case CONFIG_TYPE_FLOAT:
    mw_format_number(config_setting_get_float(s), number, sizeof(number));
    puts_text(w, number);
    return 0;
  case CONFIG_TYPE_BOOL:
    puts_text(w, config_setting_get_bool(s) ? "true" : "false");
    return 0;
  case CONFIG_TYPE_GROUP:
    put(w, "{", 1);
    for (i = 0; i < n; i++) {
      const config_setting_t *member = config_setting_get_elem(s, (unsigned)i);

      if (i > 0)
        put(w, ",", 1);
      put_string(w, config_setting_name(member));
      put(w, ":", 1);
      if (put_value(w, member, depth + 1) != 0)
        return -1;
    }
    put(w, "}", 1);
    return 0;
  case CONFIG_TYPE_ARRAY:
  case CONFIG_TYPE_LIST:
    put(w, "[", 1);
    for (i = 0; i < n; i++) {
      if (i > 0)
        put(w, ",", 1);
      if (put_value(w, config_setting_get_elem(s, (unsigned)i), depth + 1) != 0)
        return -1;
    }
    put(w, "]", 1);
    return 0;
  default:
    return -1;
  }
}

int conf_group_json(const config_setting_t *group, char *out, size_t outlen)
{
  struct writer w = {out, outlen, 0, false};

  if (outlen == 0)
    return -1;
  out[0] = '\0';
  if (put_value(&w, group, 0) != 0 || w.full)
    return -1;
  return 0;
}
