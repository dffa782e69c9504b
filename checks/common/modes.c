/* SPDX-License-Identifier: MIT */
/* modes.c - checks with several modes: which were asked for, and one line for all of them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modes.h"

int modes_parse(const struct mw_args *args, const char *option, const char *const *names,
                struct mode_set *set, struct mw_result *err)
{
  size_t i;
  size_t n = mw_args_count(args, option);

  set->count = 0;
  if (n > MODES_MAX) {
    mw_result_summary(err, "--%s given more than %d times", option, MODES_MAX);
    return -1;
  }
  for (i = 0; i < n; i++) {
    const char *name = mw_args_str_at(args, option, i);
    int id;

    for (id = 0; names[id] && strcmp(names[id], name) != 0; id++)
      ;
    if (!names[id]) {
      mw_result_summary(err, "unknown --%s '%s'", option, name);
      return -1;
    }
    if (modes_has(set, id)) {
      mw_result_summary(err, "--%s %s given twice", option, name);
      return -1;
    }
    set->ids[set->count++] = id;
  }
  return 0;
}

bool modes_has(const struct mode_set *set, int id)
{
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (set->ids[i] == id)
      return true;
  }
  return false;
}

struct mw_result *modes_result(struct mw_result *root, const struct mode_set *set)
{
  return set->count > 1 ? mw_result_child(root) : root;
}

void modes_summarise(struct mw_result *root, struct mw_result *const *children,
                     const char *const *labels, size_t n)
{
  char line[1024];
  size_t used = 0;
  size_t i;
  int pass;

  line[0] = '\0';
  /* Problems first, so the part of the line a pager shows is the part that matters. */
  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < n; i++) {
      bool ok = mw_result_get_state(children[i]) == MW_OK;
      int len;

      if (ok != (pass == 1) || used >= sizeof(line) - 1)
        continue;
      len = snprintf(line + used, sizeof(line) - used, "%s%s: %s", used ? ", " : "", labels[i],
                     mw_result_get_summary(children[i]));
      used = len < 0 ? sizeof(line) - 1 : used + (size_t)len;
      if (used >= sizeof(line))
        used = sizeof(line) - 1;
    }
  }
  mw_result_summary(root, "%s", line);
}

void modes_format_duration(double seconds, char *out, size_t outlen)
{
  long long s = (long long)seconds;

  if (seconds < 0 || !isfinite(seconds))
    snprintf(out, outlen, "?");
  else if (seconds < 1)
    snprintf(out, outlen, "%.0f ms", seconds * 1000);
  else if (s < 60)
    snprintf(out, outlen, "%.3g s", seconds);
  else if (s < 3600)
    snprintf(out, outlen, "%lld min %lld s", s / 60, s % 60);
  else if (s < 86400)
    snprintf(out, outlen, "%lld h %lld min", s / 3600, s % 3600 / 60);
  else
    snprintf(out, outlen, "%lld d %lld h", s / 86400, s % 86400 / 3600);
}

int modes_set_ranges(const struct mw_args *args, const struct mode_set *set,
                     const char *const *names, const struct mode_rule *rules,
                     const struct mw_unit *units, int plain_kind, struct mode_ranges *ranges,
                     struct mw_result *err)
{
  bool given = mw_args_given(args, "warning") || mw_args_given(args, "critical");
  size_t users = 0;
  size_t i;

  for (i = 0; i < set->count; i++)
    users += rules[set->ids[i]].takes != NULL;
  if (given && users > 1) {
    mw_result_summary(err, "-w and -c apply to one mode; give one --mode per check instance");
    return -1;
  }
  for (i = 0; i < set->count; i++) {
    int m = set->ids[i];
    const struct mode_rule *rule = &rules[m];
    struct mode_ranges *r = &ranges[m];
    char why[200];
    int pass;

    if (!rule->takes) {
      if (given && users == 0) {
        mw_result_summary(err, "-w and -c do not apply to --mode %s", names[m]);
        return -1;
      }
      continue;
    }
    for (pass = 0; pass < 2; pass++) {
      const char *name = pass ? "critical" : "warning";
      const char *def = pass ? rule->crit : rule->warn;
      struct mw_range *range = pass ? &r->crit : &r->warn;
      bool *has = pass ? &r->has_crit : &r->has_warn;

      if (given)
        *has = mw_args_range(args, name, range);
      else if (def)
        *has = mw_range_parse(def, units, range, why, sizeof(why)) == 0;
      if (*has && range->kind == plain_kind)
        range->kind = rule->plain;
      if (*has &&
          (range->kind <= 0 || range->kind >= MODE_KINDS || !(rule->kinds & (1u << range->kind)))) {
        mw_result_summary(err, "--%s: the %s mode takes %s", name, names[m], rule->takes);
        return -1;
      }
    }
  }
  return 0;
}

enum mw_state modes_judge(const struct mode_ranges *ranges, int kind, double value)
{
  const struct mw_range *w = ranges->has_warn && ranges->warn.kind == kind ? &ranges->warn : NULL;
  const struct mw_range *c = ranges->has_crit && ranges->crit.kind == kind ? &ranges->crit : NULL;

  return mw_range_state(w, c, value);
}

static bool mapped(const struct mw_range *range, bool has, const double factor[MODE_KINDS],
                   bool whole, struct mw_range *out)
{
  if (!has || range->kind <= 0 || range->kind >= MODE_KINDS || factor[range->kind] == 0)
    return false;
  *out = mw_range_map(range, factor[range->kind], 0);
  /* 80% of a limit is not 20220850995.2 bytes; but a number given in the value's own unit is
   * shown as written (-w 2.5 stays 2.5). */
  if (whole && factor[range->kind] != 1) {
    out->start = isfinite(out->start) ? mw_round(out->start) : out->start;
    out->end = isfinite(out->end) ? mw_round(out->end) : out->end;
  }
  return true;
}

void modes_perf(struct mw_result *res, const struct mode_ranges *ranges,
                const double factor[MODE_KINDS], const char *label, double value, const char *uom,
                double min, double max)
{
  struct mw_range w;
  struct mw_range c;
  struct mw_perf p = {label, value, uom, NULL, NULL, min, max};
  bool whole = strcmp(uom, "%") != 0 && strcmp(uom, "s") != 0;

  /* Durations are measured to the microsecond: more digits (0.005955993000000001) are noise
   * from adding two of them. */
  if (strcmp(uom, "s") == 0 && isfinite(value))
    p.value = mw_round(value * 1e6) / 1e6;

  if (ranges && mapped(&ranges->warn, ranges->has_warn, factor, whole, &w))
    p.warn = &w;
  if (ranges && mapped(&ranges->crit, ranges->has_crit, factor, whole, &c))
    p.crit = &c;
  mw_result_perf(res, &p);
}
