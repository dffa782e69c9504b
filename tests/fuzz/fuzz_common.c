/* SPDX-License-Identifier: MIT */
/* fuzz_common.c - the output invariants every target checks, and the run's scratch folder. */
#define _XOPEN_SOURCE 700
#include "config.h"

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "mw_core.h"

void fuzz_expect(int ok, const char *what, const char *text)
{
  if (ok)
    return;
  fprintf(stderr, "fuzz: invariant broken: %s\n--- output ---\n%s\n--- end ---\n", what,
          text ? text : "(none)");
  abort();
}

static size_t perf_in_tree(const struct mw_result *res)
{
  const struct mw_result *child;
  size_t n = mw_result_perf_count(res);

  for (child = mw_result_first(res); child; child = mw_result_next(child))
    n += perf_in_tree(child);
  return n;
}

/* One perfdata item from p: 'quoted label' or label, '=', a value; returns what follows. */
static const char *perf_item(const char *p, const char *end, const char *text)
{
  if (*p == '\'') {
    for (p++;; p++) {
      fuzz_expect(p < end, "perfdata label quote not closed", text);
      if (*p == '\'' && p + 1 < end && p[1] == '\'')
        p++;
      else if (*p == '\'')
        break;
    }
    p++;
  } else {
    while (p < end && *p != '=' && *p != ' ')
      p++;
  }
  fuzz_expect(p < end && *p == '=', "perfdata label without '='", text);
  p++;
  fuzz_expect(p < end && *p != ' ', "perfdata item without a value", text);
  while (p < end && *p != ' ')
    p++;
  return p;
}

static void check_nagios(const char *text, size_t len, size_t nperf)
{
  const char *line_end = memchr(text, '\n', len);
  const char *bar;
  const char *p;
  size_t items = 0;
  size_t i;

  fuzz_expect(len > 0 && text[len - 1] == '\n', "output does not end with a newline", text);
  fuzz_expect(strlen(text) == len, "output holds a NUL byte", text);
  for (i = 0; i < len; i++)
    fuzz_expect(text[i] == '\n' || ((unsigned char)text[i] >= 0x20 && text[i] != 0x7f),
                "control character in the output", text);
  bar = memchr(text, '|', (size_t)(line_end - text));
  fuzz_expect(!memchr(line_end, '|', len - (size_t)(line_end - text)), "'|' in the long output",
              text);
  if (nperf == 0) {
    fuzz_expect(bar == NULL, "'|' in a status line without perfdata", text);
    return;
  }
  fuzz_expect(bar && bar > text && bar[-1] == ' ' && bar[1] == ' ', "perfdata not after ' | '",
              text);
  fuzz_expect(!memchr(bar + 1, '|', (size_t)(line_end - bar - 1)), "a second '|'", text);
  for (p = bar + 2; p < line_end; items++) {
    p = perf_item(p, line_end, text);
    if (p < line_end) {
      fuzz_expect(*p == ' ' && p + 1 < line_end, "perfdata items not separated by one space", text);
      p++;
    }
  }
  fuzz_expect(items == nperf, "perfdata item count differs from the result's", text);
}

void fuzz_check_result(const struct mw_result *res, const char *service)
{
  struct mw_buf out;
  json_t *doc;

  mw_buf_init(&out, 4u << 20);
  fuzz_expect(mw_render_nagios(res, service, &out) == 0, "Nagios rendering failed", NULL);
  if (getenv("FUZZ_SHOW"))
    fputs(mw_buf_str(&out), stderr);
  check_nagios(mw_buf_str(&out), out.len, perf_in_tree(res));
  mw_buf_reset(&out);
  fuzz_expect(mw_render_json(res, &out) == 0, "JSON rendering failed", NULL);
  doc = json_loadb(out.data, out.len, 0, NULL);
  fuzz_expect(doc != NULL, "JSON output does not parse", mw_buf_str(&out));
  json_decref(doc);
  mw_buf_free(&out);
}

static char dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_dir(void)
{
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
  if (!dir[0]) {
    snprintf(dir, sizeof(dir), "/tmp/mcpwatch-fuzz.XXXXXX");
    fuzz_expect(mkdtemp(dir) != NULL, "cannot create a folder in /tmp", NULL);
    atexit(remove_dir);
  }
  return dir;
}

const char *fuzz_file(const char *name, const char *text)
{
  static char path[128];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
  f = fopen(path, "w");
  fuzz_expect(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write a file", path);
  /* Secret files other users can read are refused: these hold tokens and keys. */
  fuzz_expect(chmod(path, 0600) == 0, "cannot chmod a file", path);
  return path;
}
