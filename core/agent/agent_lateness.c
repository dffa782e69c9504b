/* SPDX-License-Identifier: MIT */
/* agent_lateness.c - how late the agent starts runs (start minus due time): whether one machine
 * keeps up with its instances, for /metrics and the agent's last line. */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "agent_impl.h"

/* Ten buckets a decade from 0.1 ms to 80 s (the R10 series), then one without a bound: a
 * quantile comes out within a quarter of its value, and 1, 2.5 and 5 of each decade, the bounds
 * /metrics shows, are edges. */
static const double r10[10] = {1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0};
static const double decades[6] = {0.0001, 0.001, 0.01, 0.1, 1.0, 10.0};

/* i below LATENESS_BUCKETS - 1. */
static double bucket_bound(size_t i)
{
  return decades[i / 10] * r10[i % 10];
}

void lateness_add(struct agent_lateness *l, int64_t late_ns)
{
  double s = late_ns > 0 ? (double)late_ns / 1e9 : 0.0;
  size_t low = 0;
  size_t high = LATENESS_BUCKETS - 1; /* the bucket without a bound */

  /* The first bucket whose bound is at least s. */
  while (low < high) {
    size_t mid = (low + high) / 2;

    if (s <= bucket_bound(mid))
      high = mid;
    else
      low = mid + 1;
  }
  l->count[low]++;
  l->runs++;
  l->sum_s += s;
  if (s > l->max_s)
    l->max_s = s;
}

double lateness_quantile(const struct agent_lateness *l, double q)
{
  unsigned long long rank;
  unsigned long long seen = 0;
  size_t i;

  if (l->runs == 0)
    return NAN;
  rank = (unsigned long long)(q * (double)l->runs);
  if ((double)rank < q * (double)l->runs || rank == 0)
    rank++;
  for (i = 0; i < LATENESS_BUCKETS; i++) {
    if (seen + l->count[i] >= rank) {
      double low = i == 0 ? 0.0 : bucket_bound(i - 1);
      double high =
          i == LATENESS_BUCKETS - 1 || bucket_bound(i) > l->max_s ? l->max_s : bucket_bound(i);

      /* Spread evenly over the bucket, as Prometheus's histogram_quantile does. */
      return high > low ? low + (high - low) * (double)(rank - seen) / (double)l->count[i] : high;
    }
    seen += l->count[i];
  }
  return l->max_s;
}

void lateness_metrics(const struct agent_lateness *l, struct mw_buf *out)
{
  static const char name[] = "mcpwatch_agent_run_lateness_seconds";
  unsigned long long cumulative = 0;
  char le[32];
  const char *labels[2] = {"le", le};
  size_t i;

  mw_prom_family(out, name, "histogram",
                 "How late runs started (start minus due time) since the configuration was "
                 "loaded.");
  for (i = 0; i < LATENESS_BUCKETS - 1; i++) {
    size_t step = i % 10;

    cumulative += l->count[i];
    if (step != 0 && step != 4 && step != 7)
      continue;
    snprintf(le, sizeof(le), "%.4g", bucket_bound(i));
    mw_prom_sample(out, "mcpwatch_agent_run_lateness_seconds_bucket", labels, 1,
                   (double)cumulative);
  }
  snprintf(le, sizeof(le), "+Inf");
  mw_prom_sample(out, "mcpwatch_agent_run_lateness_seconds_bucket", labels, 1, (double)l->runs);
  mw_prom_sample(out, "mcpwatch_agent_run_lateness_seconds_sum", NULL, 0, l->sum_s);
  mw_prom_sample(out, "mcpwatch_agent_run_lateness_seconds_count", NULL, 0, (double)l->runs);
}
