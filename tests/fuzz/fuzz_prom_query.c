/* SPDX-License-Identifier: MIT */
/* fuzz_prom_query.c - a Prometheus API answer read by the prometheus check: whatever the body,
 * the reading ends in a result or a one-line reason, and a result's series are judged. */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"
#include "prom_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
  static struct mw_range warn = {-1e300, 0.5, false, 0};
  static struct mw_range crit = {-1e300, 0.8, false, 0};
  struct prom_judge judge = {&warn, &crit, 3, {"job", "instance"}, len % 2 ? 2 : 0};
  struct prom_outcome out;
  char err[512];
  size_t i;

  if (prom_parse((const char *)data, len, &judge, &out, err, sizeof(err)) != 0) {
    fuzz_expect(strchr(err, '\n') == NULL, "a reason of more than one line", err);
    return 0;
  }
  fuzz_expect(strchr(out.warnings, '\n') == NULL, "warnings of more than one line", out.warnings);
  fuzz_expect(strchr(out.text, '\n') == NULL, "a string of more than one line", out.text);
  for (i = 0; i < out.nseries; i++) {
    fuzz_expect(out.series[i].state <= MW_UNKNOWN, "a state out of range", out.series[i].name);
    fuzz_expect(strlen(out.series[i].name) < PROM_LABEL_MAX, "a name too long", NULL);
  }
  prom_outcome_free(&out);
  return 0;
}
