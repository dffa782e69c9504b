/* SPDX-License-Identifier: MIT */
/* tls_expiry.h - shared by tls_expiry.c (options) and tls_run.c (a run and its verdict). */
#ifndef TLS_EXPIRY_H
#define TLS_EXPIRY_H

#include "tls_cert.h"
#include "tls_conn.h"

#define MAX_CHAIN 16

struct tls_expiry {
  struct tls_target target;
  const char *file;
  double warn_days;
  double crit_days;
  bool leaf_only;
  const char *match_san;
  double max_validity; /* days; NAN: not judged */
  long long key_size_min;
  enum mw_state timeout_state;
};

void tls_expiry_run(void *state, struct mw_result *res, mw_deadline deadline);

#endif
