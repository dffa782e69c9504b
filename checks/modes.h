/* modes.h - checks with several modes (postgres, redis): which were asked for, which ranges
 * apply, and one summary line for all of them. */
#ifndef MODES_H
#define MODES_H

#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"

#define MODES_MAX 16

struct mode_set {
  int ids[MODES_MAX]; /* indexes into the check's mode name table, in the order given */
  size_t count;
};

/* Reads the repeatable option name into set; names are the check's mode table (NULL ended).
 * A mode given twice is an error. 0, or -1 with a reason in err. */
int modes_parse(const struct mw_args *args, const char *option, const char *const *names,
                struct mode_set *set, struct mw_result *err);
bool modes_has(const struct mode_set *set, int id);

/* Where a mode writes its results: the root itself when it is the only mode, so a single mode
 * does not repeat its line as long output; a child per mode otherwise. */
struct mw_result *modes_result(struct mw_result *root, const struct mode_set *set);
/* The root's line from the modes' children: "name: summary, name: summary". */
void modes_summarise(struct mw_result *root, struct mw_result *const *children,
                     const char *const *labels, size_t n);

/* "3 d 4 h", "5 min 2 s", "12 s", "250 ms": an age or duration for humans. */
void modes_format_duration(double seconds, char *out, size_t outlen);

#endif
