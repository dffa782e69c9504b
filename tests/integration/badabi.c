/* SPDX-License-Identifier: MIT */
/* A check built for another ABI: the loader must refuse it before touching anything else. */
#include "mw_check.h"

static const struct mw_check badabi = {999, "badabi", "wrong ABI", NULL, NULL, NULL, NULL, NULL};

const struct mw_check *mw_check_entry(void)
{
  return &badabi;
}
