/* SPDX-License-Identifier: MIT */
/* tzinfo.c - UTC offsets of a named time zone, read from its TZif file (RFC 8536) and the POSIX
 * TZ rule at its end. Downtime windows are local times of a zone of their own, judged in the
 * agent's threads and inside collectd, where setting TZ and calling localtime() would change the
 * zone of the whole process under everyone else. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_downtime.h"
#include "fileio.h"
#include "mw_core.h"

#define TZ_FILE_MAX (512 * 1024)
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"

/* A POSIX rule date: Mm.w.d (kind 'M'), Jn (kind 'J', no leap day) or n (kind 'n'). */
struct tz_date {
  char kind;
  int month, week, wday, day;
  int32_t at; /* seconds after local midnight, in the time then in force */
};

struct tz_rule {
  bool valid;
  bool has_dst;
  int32_t std_off; /* seconds east of UTC */
  int32_t dst_off;
  struct tz_date start, end;
};

struct mw_tz {
  int64_t *times;     /* transitions, ascending */
  unsigned char *idx; /* type after each */
  int32_t *offsets;   /* per type */
  size_t ntimes;
  size_t ntypes;
  struct tz_rule rule; /* after the last transition (or alone) */
};

static int64_t days_from_civil(int64_t y, int m, int d)
{
  int64_t era;
  int64_t yoe;
  int64_t doy;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int64_t year_of_days(int64_t z)
{
  int64_t era;
  int64_t doe;
  int64_t yoe;
  int64_t doy;
  int64_t mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10);
}

static int64_t floor_div(int64_t a, int64_t b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int mw_weekday_of_days(int64_t days)
{
  return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4); Sunday is 0 */
}

static bool is_leap(int64_t y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct tz_date *date, int64_t y)
{
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t first;
  int64_t day;
  int length;

  if (date->kind == 'J')
    return days_from_civil(y, 1, 1) + date->day - 1 + (is_leap(y) && date->day >= 60);
  if (date->kind == 'n')
    return days_from_civil(y, 1, 1) + date->day;
  first = days_from_civil(y, date->month, 1);
  day = first + (date->wday - mw_weekday_of_days(first) + 7) % 7 + (int64_t)(date->week - 1) * 7;
  length = mdays[date->month - 1] + (date->month == 2 && is_leap(y));
  while (day >= first + length)
    day -= 7;
  return day;
}

static int32_t rule_offset(const struct tz_rule *rule, int64_t t)
{
  int64_t y;
  int64_t start;
  int64_t end;

  if (!rule->has_dst)
    return rule->std_off;
  y = year_of_days(floor_div(t + rule->std_off, 86400));
  start = rule_day(&rule->start, y) * 86400 + rule->start.at - rule->std_off;
  end = rule_day(&rule->end, y) * 86400 + rule->end.at - rule->dst_off;
  if (start < end)
    return t >= start && t < end ? rule->dst_off : rule->std_off;
  return t >= end && t < start ? rule->std_off : rule->dst_off;
}

int32_t mw_tz_offset(const struct mw_tz *tz, int64_t t)
{
  size_t lo = 0;
  size_t hi;

  if (!tz)
    return 0;
  if (tz->ntimes == 0 || t < tz->times[0])
    return tz->ntimes == 0 && tz->rule.valid ? rule_offset(&tz->rule, t)
           : tz->ntypes > 0                  ? tz->offsets[0]
                                             : 0;
  if (t >= tz->times[tz->ntimes - 1] && tz->rule.valid)
    return rule_offset(&tz->rule, t);
  hi = tz->ntimes;
  while (hi - lo > 1) { /* the last transition at or before t */
    size_t mid = lo + (hi - lo) / 2;
    if (tz->times[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return tz->offsets[tz->idx[lo]];
}

/* ---- the POSIX TZ string ------------------------------------------------------------------ */

static bool parse_tz_name(const char **p)
{
  const char *s = *p;
  size_t n = 0;

  if (*s == '<') {
    const char *close = strchr(s, '>');
    if (!close || close - s < 4)
      return false;
    *p = close + 1;
    return true;
  }
  while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
    n++;
  *p = s + n;
  return n >= 3;
}

/* [+-]h[h][:mm[:ss]], hours up to max_hours; seconds into *out. */
static bool parse_tz_time(const char **p, int max_hours, int32_t *out)
{
  const char *s = *p;
  int sign = 1;
  long part[3] = {0, 0, 0};
  int i;

  if (*s == '+' || *s == '-')
    sign = *s++ == '-' ? -1 : 1;
  for (i = 0; i < 3; i++) {
    char *end;
    if (*s < '0' || *s > '9')
      return false;
    part[i] = strtol(s, &end, 10);
    if (end - s > 3 || (i > 0 && part[i] > 59))
      return false;
    s = end;
    if (*s != ':' || i == 2)
      break;
    s++;
  }
  if (part[0] > max_hours)
    return false;
  *out = (int32_t)(sign * (part[0] * 3600 + part[1] * 60 + part[2]));
  *p = s;
  return true;
}

static bool parse_tz_number(const char **p, int lo, int hi, int *out)
{
  char *end;
  long v;

  if (**p < '0' || **p > '9')
    return false;
  v = strtol(*p, &end, 10);
  if (v < lo || v > hi || end - *p > 3)
    return false;
  *out = (int)v;
  *p = end;
  return true;
}

static bool parse_tz_date(const char **p, struct tz_date *date)
{
  date->at = 7200;
  if (**p == 'M') {
    (*p)++;
    date->kind = 'M';
    if (!parse_tz_number(p, 1, 12, &date->month) || *(*p)++ != '.' ||
        !parse_tz_number(p, 1, 5, &date->week) || *(*p)++ != '.' ||
        !parse_tz_number(p, 0, 6, &date->wday))
      return false;
  } else if (**p == 'J') {
    (*p)++;
    date->kind = 'J';
    if (!parse_tz_number(p, 1, 365, &date->day))
      return false;
  } else {
    date->kind = 'n';
    if (!parse_tz_number(p, 0, 365, &date->day))
      return false;
  }
  if (**p == '/') {
    (*p)++;
    return parse_tz_time(p, 167, &date->at);
  }
  return true;
}

static int parse_rule(const char *text, struct tz_rule *out)
{
  struct tz_rule rule;
  const char *p = text;
  int32_t west;

  memset(&rule, 0, sizeof(rule));
  if (!parse_tz_name(&p) || !parse_tz_time(&p, 24, &west))
    return -1;
  rule.std_off = -west;
  rule.dst_off = rule.std_off;
  if (*p) {
    if (!parse_tz_name(&p))
      return -1;
    rule.has_dst = true;
    rule.dst_off = rule.std_off + 3600;
    if (*p && *p != ',') {
      if (!parse_tz_time(&p, 24, &west))
        return -1;
      rule.dst_off = -west;
    }
    if (!*p) { /* POSIX's default: the United States' rules */
      rule.start = (struct tz_date){'M', 3, 2, 0, 0, 7200};
      rule.end = (struct tz_date){'M', 11, 1, 0, 0, 7200};
    } else if (*p++ != ',' || !parse_tz_date(&p, &rule.start) || *p++ != ',' ||
               !parse_tz_date(&p, &rule.end) || *p) {
      return -1;
    }
  }
  rule.valid = true;
  *out = rule;
  return 0;
}

struct mw_tz *mw_tz_from_rule(const char *rule)
{
  struct mw_tz *tz = calloc(1, sizeof(*tz));

  if (tz && parse_rule(rule, &tz->rule) != 0) {
    free(tz);
    tz = NULL;
  }
  return tz;
}

/* ---- the TZif file ----------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
  uint32_t isut, isstd, leap, time, type, chars;
};

static bool read_counts(const unsigned char *p, size_t len, struct tzif_counts *c)
{
  if (len < 44 || memcmp(p, "TZif", 4) != 0)
    return false;
  c->isut = be32(p + 20);
  c->isstd = be32(p + 24);
  c->leap = be32(p + 28);
  c->time = be32(p + 32);
  c->type = be32(p + 36);
  c->chars = be32(p + 40);
  return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->leap <= 10000 &&
         c->chars <= 100000 && c->isut <= c->type && c->isstd <= c->type;
}

static size_t block_size(const struct tzif_counts *c, size_t timesize)
{
  return (size_t)c->time * timesize + c->time + (size_t)c->type * 6 + c->chars +
         (size_t)c->leap * (timesize + 4) + c->isstd + c->isut;
}

static int parse_tzif(const unsigned char *data, size_t len, struct mw_tz *tz)
{
  struct tzif_counts c;
  const unsigned char *p = data;
  size_t timesize = 4;
  size_t i;

  if (!read_counts(p, len, &c))
    return -1;
  if (p[4] >= '2') { /* skip the 32-bit block: the 64-bit one follows with its own header */
    size_t skip = 44 + block_size(&c, 4);
    if (skip > len || !read_counts(p + skip, len - skip, &c))
      return -1;
    p += skip;
    len -= skip;
    timesize = 8;
  }
  if (44 + block_size(&c, timesize) > len)
    return -1;
  p += 44;
  tz->times = calloc(c.time ? c.time : 1, sizeof(*tz->times));
  tz->idx = calloc(c.time ? c.time : 1, 1);
  tz->offsets = calloc(c.type, sizeof(*tz->offsets));
  if (!tz->times || !tz->idx || !tz->offsets)
    return -1;
  for (i = 0; i < c.time; i++) {
    tz->times[i] = timesize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
    if (i > 0 && tz->times[i] <= tz->times[i - 1])
      return -1;
  }
  p += (size_t)c.time * timesize;
  for (i = 0; i < c.time; i++) {
    if (p[i] >= c.type)
      return -1;
    tz->idx[i] = p[i];
  }
  p += c.time;
  for (i = 0; i < c.type; i++) {
    int32_t off = (int32_t)be32(p + i * 6);
    if (off < -89999 || off > 93599) /* RFC 8536: -25:59:59 .. 25:59:59 */
      return -1;
    tz->offsets[i] = off;
  }
  tz->ntimes = c.time;
  tz->ntypes = c.type;
  return 0;
}

/* The footer of a version 2+ file: "\nRULE\n" after the 64-bit block. */
static void parse_footer(const unsigned char *data, size_t len, struct mw_tz *tz)
{
  const unsigned char *nl;
  char text[128];
  size_t n;

  if (len < 2 || data[len - 1] != '\n')
    return;
  nl = data + len - 2;
  while (nl > data && *nl != '\n')
    nl--;
  n = (size_t)(data + len - 1 - (nl + 1));
  if (*nl != '\n' || n == 0 || n >= sizeof(text))
    return;
  memcpy(text, nl + 1, n);
  text[n] = '\0';
  if (parse_rule(text, &tz->rule) != 0)
    memset(&tz->rule, 0, sizeof(tz->rule)); /* the transitions alone, then */
}

struct mw_tz *mw_tz_from_tzif(const void *data, size_t len)
{
  struct mw_tz *tz = calloc(1, sizeof(*tz));

  if (tz && parse_tzif(data, len, tz) != 0) {
    mw_tz_free(tz);
    return NULL;
  }
  if (tz && ((const unsigned char *)data)[4] >= '2')
    parse_footer(data, len, tz);
  return tz;
}

void mw_tz_free(struct mw_tz *tz)
{
  if (!tz)
    return;
  free(tz->times);
  free(tz->idx);
  free(tz->offsets);
  free(tz);
}

static bool zone_name_ok(const char *name)
{
  const char *p;

  if (!*name || *name == '/' || strlen(name) > 128)
    return false;
  for (p = name; *p; p++) {
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '/' || *p == '_' || *p == '-' || *p == '+' || *p == '.'))
      return false;
  }
  return strstr(name, "..") == NULL;
}

int mw_tz_load(const char *name, struct mw_tz **out, char *err, size_t errlen)
{
  struct mw_tz *tz = NULL;
  const char *dir = getenv("TZDIR");
  char path[512];
  unsigned char *data = NULL;
  size_t len = 0;
  int result = -1;

  *out = NULL;
  if (!(tz = calloc(1, sizeof(*tz)))) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (!name || !*name) {
    snprintf(path, sizeof(path), "/etc/localtime");
  } else if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
    result = 0; /* no file needed: offset 0 for ever */
    goto cleanup;
  } else if (!zone_name_ok(name)) {
    snprintf(err, errlen, "time zone '%.100s' is not a zone name such as Europe/Berlin", name);
    goto cleanup;
  } else {
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : TZ_DEFAULT_DIR, name);
  }
  data = (unsigned char *)fileio_read(path, TZ_FILE_MAX, &len);
  if (!data) {
    if (!name || !*name) { /* no /etc/localtime: the system's zone is UTC */
      result = 0;
      goto cleanup;
    }
    snprintf(err, errlen, "time zone '%.100s': %s", name,
             errno == ENOENT ? "no such zone" : strerror(errno));
    goto cleanup;
  }
  if (parse_tzif(data, len, tz) != 0) {
    snprintf(err, errlen, "time zone '%.100s': %s is not a readable TZif file", name ? name : "",
             path);
    goto cleanup;
  }
  if (data[4] >= '2')
    parse_footer(data, len, tz);
  result = 0;
cleanup:
  free(data);
  if (result != 0)
    mw_one_line(err); /* the name may hold anything */
  if (result == 0)
    *out = tz;
  else
    mw_tz_free(tz);
  return result;
}
