/* SPDX-License-Identifier: MIT */
/* redis_check.h - what the redis check's files share: options, one run's INFO, the modes. */
#ifndef REDIS_CHECK_H
#define REDIS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "modes.h"
#include "redis_conn.h"

enum kind { K_PLAIN = 1, K_PERCENT, K_BYTES, K_SECONDS };
enum mode { M_PING, M_MEMORY, M_CLIENTS, M_HITRATE, M_REPLICATION, M_PERSISTENCE, M_INFO, M_N };

extern const char *const mode_names[];

struct redis {
  struct redis_target target;
  struct mode_set modes;
  struct mode_ranges ranges[M_N];
  const char *field;
  long long min_replicas;
  long long min_requests;
  enum mw_state timeout_state;
  struct redis_conn conn;
};

/* One INFO reply and the PING time, shared by the modes of a run. */
struct snapshot {
  const char *info;
  size_t len;
  double ping_s;
};

bool snap_num(const struct snapshot *s, const char *field, double *out);
bool snap_is(const struct snapshot *s, const char *field, const char *value);
void snap_text(const struct snapshot *s, const char *field, char *out, size_t outlen);

typedef void mode_func(const struct redis *r, struct mw_result *res, const struct snapshot *s);
extern mode_func *const mode_funcs[M_N];

#endif
