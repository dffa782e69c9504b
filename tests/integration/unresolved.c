/* SPDX-License-Identifier: MIT */
/* A check that needs a symbol nothing provides: dlopen(RTLD_NOW) fails. */
#include "mw_check.h"

void mw_symbol_that_does_not_exist(void);

const struct mw_check *mw_check_entry(void)
{
  mw_symbol_that_does_not_exist();
  return 0;
}
