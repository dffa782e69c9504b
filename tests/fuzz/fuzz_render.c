/* SPDX-License-Identifier: MIT */
/* fuzz_render.c - the result tree and its two renderings. The input is a list of nodes, one per
 * line: DEPTH STATE|summary|label|value|uom|warn|crit, so that summaries, labels and units hold
 * whatever a server could put in them. Whatever they hold, the Nagios output keeps one status
 * line, perfdata only after its " | ", and the JSON output parses. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mw_core.h"

#define MAX_DEPTH 8

/* Splits *cursor at the next '|' (or the end). */
static char *field(char **cursor)
{
  char *start = *cursor;
  char *bar;

  if (!start)
    return "";
  bar = strchr(start, '|');
  if (bar) {
    *bar = '\0';
    *cursor = bar + 1;
  } else {
    *cursor = NULL;
  }
  return start;
}

static void add_node(struct mw_result *stack[], int *depth, char *line)
{
  char *cursor = line + (line[0] ? 1 : 0);
  int want = line[0] ? (line[0] & 0x7) : 0;
  char *summary = field(&cursor);
  char *label = field(&cursor);
  char *value = field(&cursor);
  char *uom = field(&cursor);
  char *warn_text = field(&cursor);
  char *crit_text = field(&cursor);
  struct mw_range warn;
  struct mw_range crit;
  struct mw_perf perf;
  struct mw_result *node;
  char err[128];

  if (want > *depth + 1)
    want = *depth + 1;
  if (want == 0 || want > MAX_DEPTH - 1) {
    node = stack[0];
  } else {
    node = mw_result_child(stack[want - 1]);
    stack[want] = node;
    *depth = want;
  }
  mw_result_state(node, (enum mw_state)((unsigned char)(summary[0]) % 4));
  mw_result_summary(node, "%s", summary);
  if (!*label && !*value)
    return;
  memset(&perf, 0, sizeof(perf));
  perf.label = label;
  perf.value = *value ? strtod(value, NULL) : NAN;
  perf.uom = uom;
  perf.warn = mw_range_parse(warn_text, NULL, &warn, err, sizeof(err)) == 0 ? &warn : NULL;
  perf.crit = mw_range_parse(crit_text, NULL, &crit, err, sizeof(err)) == 0 ? &crit : NULL;
  perf.min = value[0] == '-' ? NAN : 0;
  perf.max = NAN;
  mw_result_perf(node, &perf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct mw_result *stack[MAX_DEPTH] = {NULL};
  char *text;
  char *line;
  char *next;
  int depth = 0;

  if (size > 64 * 1024)
    return 0;
  text = malloc(size + 1);
  stack[0] = mw_result_new();
  fuzz_expect(text && stack[0], "out of memory", NULL);
  memcpy(text, data, size);
  text[size] = '\0';
  for (line = text; line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    add_node(stack, &depth, line);
  }
  fuzz_check_result(stack[0], "FUZZ");
  mw_result_free(stack[0]);
  free(text);
  return 0;
}
