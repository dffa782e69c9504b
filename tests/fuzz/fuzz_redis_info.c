/* SPDX-License-Identifier: MIT */
/* fuzz_redis_info.c - reading fields out of a Redis INFO reply: every value found lies inside
 * the reply, every number read is finite. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "redis_info.h"

static const char *const fields[] = {"redis_version",
                                     "role",
                                     "connected_clients",
                                     "used_memory",
                                     "maxmemory",
                                     "master_link_status",
                                     "db0",
                                     "rdb_last_bgsave_status",
                                     "uptime_in_seconds",
                                     "",
                                     NULL};
static const char *const subfields[] = {"keys", "expires", "ip", "lag", "state", "", NULL};

static void inside(const char *info, size_t len, const struct info_value *v)
{
  fuzz_expect(v->text >= info && v->len <= len && v->text + v->len <= info + len,
              "a value outside the reply", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *info = (const char *)data;
  size_t i;
  size_t j;

  for (i = 0; fields[i]; i++) {
    struct info_value value;
    double number;

    if (redis_info_get(info, size, fields[i], &value)) {
      inside(info, size, &value);
      if (redis_info_value_number(&value, &number))
        fuzz_expect(isfinite(number), "a number that is not finite", NULL);
      for (j = 0; subfields[j]; j++) {
        struct info_value sub;

        if (redis_info_subfield(&value, subfields[j], &sub)) {
          inside(value.text, value.len, &sub);
          if (redis_info_value_number(&sub, &number))
            fuzz_expect(isfinite(number), "a number that is not finite", NULL);
        }
      }
    }
    if (redis_info_number(info, size, fields[i], &number))
      fuzz_expect(isfinite(number), "a number that is not finite", NULL);
  }
  return 0;
}
