/* SPDX-License-Identifier: MIT */
/* fuzz_exec_output.c - a plugin's output read by the exec check: whatever a plugin prints, the
 * result renders as one status line, long output without '|', well-formed perfdata. */
#include "config.h"

#include <stdlib.h>

#include "exec_output.h"
#include "fuzz_common.h"
#include "mw_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
  struct mw_result *res = mw_result_new();

  if (!res)
    return 0;
  exec_parse_output((const char *)data, len, res, 20);
  fuzz_check_result(res, "EXEC");
  mw_result_free(res);
  return 0;
}
