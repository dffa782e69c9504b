/* SPDX-License-Identifier: MIT */
/* problems.h - the "; what went wrong" tail of a check's first line, and the state it adds up
 * to: for checks that judge several things and name each one that is not OK. */
#ifndef PROBLEMS_H
#define PROBLEMS_H

#include "mw_check.h"

struct problems {
  enum mw_state state; /* the worst state added */
  char text[1024];     /* "; one; two", cut at the end when too long */
};

void problems_add(struct problems *problems, enum mw_state state, const char *fmt, ...)
    MW_PRINTF(3, 4);

#endif
