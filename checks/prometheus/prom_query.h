/* SPDX-License-Identifier: MIT */
/* prom_query.h - a Prometheus HTTP API answer (/api/v1/query and /api/v1/query_range) read and
 * judged: every series of a vector or matrix, scalars, strings, NaN and infinities. */
#ifndef PROM_QUERY_H
#define PROM_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "mw_check.h"

#define PROM_LABEL_MAX 256
#define PROM_LABEL_KEYS 8

enum prom_type { PROM_VECTOR, PROM_MATRIX, PROM_SCALAR, PROM_STRING };

/* How the series are judged and named. */
struct prom_judge {
  const struct mw_range *warn; /* NULL: none */
  const struct mw_range *crit;
  size_t window_samples;             /* matrix: samples a series needs to be "held" (the window) */
  const char *keys[PROM_LABEL_KEYS]; /* labels naming a series; none: every label */
  size_t nkeys;
};

struct prom_series {
  char name[PROM_LABEL_MAX]; /* job=api,instance=x (or the chosen keys' values) */
  char perf[PROM_LABEL_MAX]; /* the perfdata label: the labels' values, api,x */
  double value;              /* the last sample */
  enum mw_state state;       /* matrix: the mildest state of the window's samples */
  size_t samples;
  bool held; /* matrix: a sample at every step of the window */
};

struct prom_outcome {
  enum prom_type type;
  struct prom_series *series; /* malloc'd; one for a scalar */
  size_t nseries;
  char text[PROM_LABEL_MAX]; /* a string result */
  char warnings[512];        /* the API's "warnings", joined */
};

/* Reads body (len bytes). 0, or -1 with the reason in err: not JSON, the API's own error
 * ("bad_data: parse error at char 5"), or an answer of an unknown shape. */
int prom_parse(const char *body, size_t len, const struct prom_judge *judge,
               struct prom_outcome *out, char *err, size_t errlen);
void prom_outcome_free(struct prom_outcome *out);

/* A value as the API writes it: "1.5", "NaN", "+Inf", "-Inf". false when it is none. */
bool prom_value(const char *text, double *out);

/* application/x-www-form-urlencoded of text into out; false when out is too small. */
bool prom_form_encode(const char *text, char *out, size_t outlen);

#endif
