/* SPDX-License-Identifier: MIT */
/* fuzz_downtime.c - what a downtime reads that someone else may have written: the ad-hoc list
 * in the state folder, a TZif file and its POSIX rule, a window of the configuration. The first
 * byte chooses: 0 the list, 1 a TZif file, anything else a window (and the same text as a rule).
 * Whatever is taken must behave: offsets within a day, windows judged without surprises. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mw_downtime.h"

static const int64_t instants[] = {0, 1796388421, -2147483648LL, 4102444800LL, 253402300799LL};

static void probe_zone(const struct mw_tz *tz)
{
  size_t i;

  for (i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
    int32_t off = mw_tz_offset(tz, instants[i]);
    fuzz_expect(off > -90000 && off < 94000, "an offset beyond a day", "");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text;

  if (size < 1 || size > 65536)
    return 0;
  if (data[0] == 1) {
    struct mw_tz *tz = mw_tz_from_tzif(data + 1, size - 1);
    if (tz)
      probe_zone(tz);
    mw_tz_free(tz);
    return 0;
  }
  if (!(text = malloc(size)))
    return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  if (data[0] == 0) {
    struct mw_downtime_list list;
    size_t skipped = 0;
    char why[256];
    if (mw_downtime_parse(text, &list, &skipped) == 0) {
      size_t i;
      for (i = 0; i < list.n; i++) {
        fuzz_expect(list.items[i].end > list.items[i].start, "a downtime ending before it starts",
                    list.items[i].member);
        fuzz_expect(!strpbrk(list.items[i].comment, "\n\r\t"), "a comment of several lines",
                    list.items[i].comment);
      }
      if (list.n > 0)
        mw_downtime_find(NULL, &list, list.items[0].member, list.items[0].start, why, sizeof(why));
      mw_downtime_list_free(&list);
    }
  } else {
    struct mw_window w;
    struct mw_tz *tz;
    char err[256];
    if (mw_window_parse(text, &w, err, sizeof(err)) == 0) {
      fuzz_expect(w.days != 0 && w.days <= 0x7f && w.start >= 0 && w.start < 1440 && w.end > 0 &&
                      w.end <= 1440 && w.start != w.end,
                  "a window out of range", text);
      mw_window_active(&w, NULL, instants[1]);
    } else {
      fuzz_expect(err[0] != '\0' && !strchr(err, '\n'), "a refusal without a one-line reason", err);
    }
    if ((tz = mw_tz_from_rule(text)) != NULL) {
      probe_zone(tz);
      mw_tz_free(tz);
    }
  }
  free(text);
  return 0;
}
