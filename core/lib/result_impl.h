/* SPDX-License-Identifier: MIT */
/* result_impl.h - the result tree's layout, shared by result.c and render.c only. */
#ifndef MW_RESULT_IMPL_H
#define MW_RESULT_IMPL_H

#include "mw_core.h"

#define MW_SUMMARY_MAX 4096
/* Most summaries fit here: no allocation for them on a run. */
#define MW_SUMMARY_INLINE 120
#define MW_LABEL_MAX 256
#define MW_UOM_MAX 8

struct mw_perf_item {
  char *label;
  char uom[MW_UOM_MAX];
  double value;
  double min;
  double max;
  struct mw_range warn;
  struct mw_range crit;
  bool has_warn;
  bool has_crit;
};

struct mw_result {
  struct mw_result *parent;
  struct mw_result *first_child;
  struct mw_result *last_child;
  struct mw_result *next;
  char *summary; /* NULL, summary_inline or allocated */
  char summary_inline[MW_SUMMARY_INLINE];
  struct mw_perf_item *perf;
  size_t nperf;
  size_t capperf;
  enum mw_state state;
  bool failed; /* on the root: an allocation failed somewhere in the tree */
  bool note;   /* a line of text only (mw_result_note): no state of its own shown */
};

#endif
