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
