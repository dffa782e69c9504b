/* SPDX-License-Identifier: MIT */
/* problems.c - see problems.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "problems.h"

void problems_add(struct problems *problems, enum mw_state state, const char *fmt, ...)
{
  size_t len = strlen(problems->text);
  va_list ap;

  problems->state = mw_state_worst(problems->state, state);
  if (len + 3 >= sizeof(problems->text))
    return;
  memcpy(problems->text + len, "; ", 3);
  len += 2;
  va_start(ap, fmt);
  vsnprintf(problems->text + len, sizeof(problems->text) - len, fmt, ap);
  va_end(ap);
}
