/* SPDX-License-Identifier: MIT */
/* redis_info.c - lookups in the text of a Redis INFO reply.
 *
 * The reply comes from the network, so nothing here trusts it: no NUL termination is assumed,
 * every length is checked, and numbers are parsed from a bounded copy. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redis_info.h"

bool redis_info_get(const char *info, size_t len, const char *field, struct info_value *out)
{
  size_t flen = strlen(field);
  const char *p = info;
  const char *end = info + len;

  if (flen == 0)
    return false;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl : end;
    const char *line_end = eol;

    if (line_end > p && line_end[-1] == '\r')
      line_end--;
    if ((size_t)(line_end - p) > flen && memcmp(p, field, flen) == 0 && p[flen] == ':') {
      out->text = p + flen + 1;
      out->len = (size_t)(line_end - out->text);
      return true;
    }
    p = nl ? nl + 1 : end;
  }
  return false;
}

bool redis_info_value_number(const struct info_value *value, double *out)
{
  char copy[64];
  char *endp;
  double v;

  if (value->len == 0 || value->len >= sizeof(copy))
    return false;
  memcpy(copy, value->text, value->len);
  copy[value->len] = '\0';
  v = strtod(copy, &endp);
  if (*endp != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

bool redis_info_number(const char *info, size_t len, const char *field, double *out)
{
  struct info_value value;

  return redis_info_get(info, len, field, &value) && redis_info_value_number(&value, out);
}

bool redis_info_subfield(const struct info_value *value, const char *key, struct info_value *out)
{
  size_t klen = strlen(key);
  const char *p = value->text;
  const char *end = value->text + value->len;

  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *item_end = comma ? comma : end;

    if ((size_t)(item_end - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
      out->text = p + klen + 1;
      out->len = (size_t)(item_end - out->text);
      return true;
    }
    p = comma ? comma + 1 : end;
  }
  return false;
}

/* Whether field is present with a value other than "ok". */
static bool reports_failure(const char *info, size_t len, const char *field)
{
  struct info_value v;

  return redis_info_get(info, len, field, &v) && !(v.len == 2 && memcmp(v.text, "ok", 2) == 0);
}

const char *redis_persistence_problem(const char *info, size_t len, int *severity)
{
  double aof = 0;

  redis_info_number(info, len, "aof_enabled", &aof);
  *severity = 2;
  if (reports_failure(info, len, "rdb_last_bgsave_status"))
    return "the last RDB save failed";
  if (aof > 0 && reports_failure(info, len, "aof_last_write_status"))
    return "the last AOF write failed";
  *severity = 1;
  if (aof > 0 && reports_failure(info, len, "aof_last_bgrewrite_status"))
    return "the last AOF rewrite failed";
  *severity = 0;
  return NULL;
}
