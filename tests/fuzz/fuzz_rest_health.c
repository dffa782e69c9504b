/* SPDX-License-Identifier: MIT */
/* fuzz_rest_health.c - the rest-health check's handling of an answer: status code, body rules
 * (string, regex, JSON paths with values and ranges) and the common health document. An input
 * that starts with "doc\n" runs with --health-doc on, any other with JSON paths. */
#include "config.h"

#include <string.h>

#include "fuzz_common.h"

const struct mw_check *mw_check_entry(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *paths[] = {"rest-health",
                         "--url",
                         "http://127.0.0.1:8080/health",
                         "--json-path",
                         "status=UP",
                         "--json-path",
                         "checks.db.latency;100;500",
                         "--json-path",
                         "items[0].name",
                         "--string",
                         "UP",
                         "--regex",
                         "\"status\" *: *\"[A-Z]+\"",
                         "--expect",
                         "200,204",
                         "--max-size",
                         "65536"};
  const char *doc[] = {"rest-health",  "--url", "http://127.0.0.1:8080/health",
                       "--health-doc", "on",    "--timings",
                       "--max-size",   "65536", "-w",
                       "0.5",          "-c",    "1"};

  fuzz_run_check_either(mw_check_entry(), "doc\n", (int)(sizeof(paths) / sizeof(paths[0])), paths,
                        (int)(sizeof(doc) / sizeof(doc[0])), doc, data, size);
  return 0;
}
