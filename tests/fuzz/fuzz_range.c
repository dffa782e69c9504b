/* SPDX-License-Identifier: MIT */
/* fuzz_range.c - the Nagios range parser: whatever it accepts must print back (as perfdata
 * writes ranges) to text that parses to the same range, and evaluate without surprises. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fuzz_common.h"
#include "mw_core.h"

static const struct mw_unit units[] = {{"", 1, 1},       {"ms", 0.001, 1}, {"s", 1, 1},
                                       {"KiB", 1024, 2}, {"G", 1e9, 3},    {"%", 1, 4},
                                       {NULL, 0, 0}};

static void round_trip(const char *text, const struct mw_unit *table)
{
  struct mw_range range;
  struct mw_range again;
  struct mw_buf printed;
  char err[256];

  if (mw_range_parse(text, table, &range, err, sizeof(err)) != 0) {
    fuzz_expect(err[0] != '\0' && !strchr(err, '\n'), "a refusal without a one-line reason", err);
    return;
  }
  fuzz_expect(!isnan(range.start) && !isnan(range.end), "NaN endpoint", text);
  fuzz_expect(range.start <= range.end, "a range that starts above its end", text);
  fuzz_expect(range.start != INFINITY && range.end != -INFINITY,
              "an endpoint at the wrong infinity", text);
  mw_buf_init(&printed, 256);
  fuzz_expect(mw_range_format(&range, &printed) == 0, "formatting failed", text);
  fuzz_expect(printed.len == 0 ||
                  mw_range_parse(mw_buf_str(&printed), NULL, &again, err, sizeof(err)) == 0,
              "a formatted range does not parse", mw_buf_str(&printed));
  if (printed.len > 0)
    fuzz_expect(again.start == range.start && again.end == range.end &&
                    again.inside == range.inside,
                "a formatted range parses to another range", mw_buf_str(&printed));
  mw_range_alerts(&range, 0);
  mw_range_alerts(&range, range.end);
  mw_range_state(&range, &range, NAN);
  mw_buf_free(&printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char text[256];

  if (size >= sizeof(text))
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  round_trip(text, NULL);
  round_trip(text, units);
  return 0;
}
