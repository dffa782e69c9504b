/* SPDX-License-Identifier: MIT */
/* modes.h - checks with several modes (postgres, redis): which were asked for, which ranges
 * apply, and one summary line for all of them. */
#ifndef MODES_H
#define MODES_H

#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"

#define MODES_MAX 16
#define MODE_KINDS 8 /* unit kinds a check may use in its ranges: 1 .. MODE_KINDS - 1 */

/* Entries of a check's units table (struct mw_unit), so that every check with modes reads a
 * size and a time the same way: B, KB, MB, GB (powers of 1000), KiB, MiB, GiB, TiB (powers of
 * 1024); ms, s, min, h. kind is the check's own number for bytes or seconds. */
#define MODES_BYTE_UNITS(kind)                                                                     \
  {"B", 1, kind}, {"KB", 1e3, kind}, {"MB", 1e6, kind}, {"GB", 1e9, kind}, {"KiB", 1024, kind},    \
      {"MiB", 1048576, kind}, {"GiB", 1073741824, kind},                                           \
  {                                                                                                \
    "TiB", 1099511627776.0, kind                                                                   \
  }
#define MODES_TIME_UNITS(kind)                                                                     \
  {"ms", 0.001, kind}, {"s", 1, kind}, {"min", 60, kind},                                          \
  {                                                                                                \
    "h", 3600, kind                                                                                \
  }

/* How a mode reads -w/-c: what a plain number means, which unit kinds it accepts (bit per kind)
 * and its default ranges. A mode with takes == NULL does not use -w/-c. */
struct mode_rule {
  int plain;
  unsigned kinds;
  const char *warn;
  const char *crit;
  const char *takes; /* "percent (80%) or bytes (2GiB)", for the error message */
};

/* A mode's ranges; a range of one kind judges the value of that kind only. */
struct mode_ranges {
  struct mw_range warn;
  struct mw_range crit;
  bool has_warn;
  bool has_crit;
};

struct mode_set {
  int ids[MODES_MAX]; /* indexes into the check's mode name table, in the order given */
  size_t count;
};

/* Reads the repeatable option name into set; names are the check's mode table (NULL ended).
 * A mode given twice is an error. 0, or -1 with a reason in err. */
int modes_parse(const struct mw_args *args, const char *option, const char *const *names,
                struct mode_set *set, struct mw_result *err);
bool modes_has(const struct mode_set *set, int id);

/* Fills ranges[mode] for every mode in set: -w/-c when given (then only one mode that uses them
 * may be asked for) or the mode's defaults. The kind of the units table's "" entry (plain
 * numbers) becomes the mode's plain kind. 0, or -1 with a reason in err. */
int modes_set_ranges(const struct mw_args *args, const struct mode_set *set,
                     const char *const *names, const struct mode_rule *rules,
                     const struct mw_unit *units, int plain_kind, struct mode_ranges *ranges,
                     struct mw_result *err);
/* The state from the ranges of kind on value. */
enum mw_state modes_judge(const struct mode_ranges *ranges, int kind, double value);
/* Perfdata carrying the ranges mapped onto the value's scale: factor[kind] converts a range of
 * that kind, 0 leaves it out. Ranges on bytes and counts (any uom but "%" and "s") are rounded
 * to whole numbers. */
void modes_perf(struct mw_result *res, const struct mode_ranges *ranges,
                const double factor[MODE_KINDS], const char *label, double value, const char *uom,
                double min, double max);

/* Where a mode writes its results: the root itself when it is the only mode, so a single mode
 * does not repeat its line as long output; a child per mode otherwise. */
struct mw_result *modes_result(struct mw_result *root, const struct mode_set *set);
/* The root's line from the modes' children: "name: summary, name: summary". */
void modes_summarise(struct mw_result *root, struct mw_result *const *children,
                     const char *const *labels, size_t n);

/* "3 d 4 h", "5 min 2 s", "12 s", "250 ms": an age or duration for humans. */
void modes_format_duration(double seconds, char *out, size_t outlen);

#endif
