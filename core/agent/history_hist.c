/* SPDX-License-Identifier: MIT */
/* history_hist.c - the response-time histograms of the history database: fixed bucket bounds in
 * milliseconds, chosen so that the usual latency objectives (100 ms, 250 ms, 500 ms, 1 s, 2 s)
 * fall on a bound and are judged exactly. A histogram is stored sparse (bucket index byte and a
 * LEB128 count per non-empty bucket), so an aggregate of six runs costs a dozen bytes. SQL gets
 * hist_of(ms) (aggregate over runs), hist_sum(blob) (aggregate over aggregates), hist_add(a, b)
 * and hist_le(blob, ms) (how many runs took ms or less). */
#include "config.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "history.h"

static const double bounds[HIST_BUCKETS - 1] = {1,    2,    5,     10,    20,    50,    100,  200,
                                                250,  500,  750,   1000,  1500,  2000,  2500, 3000,
                                                5000, 7500, 10000, 15000, 20000, 30000, 60000};

double hist_bound(size_t bucket)
{
  return bucket < HIST_BUCKETS - 1 ? bounds[bucket] : -1.0;
}

size_t hist_bucket(double ms)
{
  size_t i;

  for (i = 0; i < HIST_BUCKETS - 1; i++)
    if (ms <= bounds[i])
      return i;
  return HIST_BUCKETS - 1;
}

/* The counts of blob added to h; -1 when blob is not a histogram. */
int hist_decode(const unsigned char *blob, size_t len, struct hist *h)
{
  size_t at = 0;

  while (at < len) {
    unsigned bucket = blob[at++];
    uint64_t count = 0;
    unsigned shift = 0;

    if (bucket >= HIST_BUCKETS)
      return -1;
    for (;;) {
      if (at >= len || shift > 56)
        return -1;
      count |= (uint64_t)(blob[at] & 0x7f) << shift;
      shift += 7;
      if (!(blob[at++] & 0x80))
        break;
    }
    h->count[bucket] += count;
  }
  return 0;
}

/* h encoded into out (HIST_BLOB_MAX bytes): the length used. */
size_t hist_encode(const struct hist *h, unsigned char *out)
{
  size_t len = 0;
  size_t i;

  for (i = 0; i < HIST_BUCKETS; i++) {
    uint64_t count = h->count[i];

    if (count == 0)
      continue;
    out[len++] = (unsigned char)i;
    do {
      out[len++] = (unsigned char)((count & 0x7f) | (count > 0x7f ? 0x80 : 0));
      count >>= 7;
    } while (count);
  }
  return len;
}

uint64_t hist_total(const struct hist *h)
{
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < HIST_BUCKETS; i++)
    total += h->count[i];
  return total;
}

/* How many runs took ms or less: exact when ms is a bound, else interpolated in its bucket. */
double hist_at_most(const struct hist *h, double ms)
{
  double below = 0;
  size_t i;

  for (i = 0; i < HIST_BUCKETS; i++) {
    double lower = i == 0 ? 0 : bounds[i - 1];
    double upper = i < HIST_BUCKETS - 1 ? bounds[i] : -1;

    if (upper >= 0 && ms >= upper) {
      below += (double)h->count[i];
      continue;
    }
    if (upper >= 0 && ms > lower)
      below += (double)h->count[i] * (ms - lower) / (upper - lower);
    break;
  }
  return below;
}

/* The q quantile (0 to 1) in ms, interpolated in its bucket; NaN when empty. The last bucket
 * (over 60 s) answers its lower bound. */
double hist_quantile(const struct hist *h, double q)
{
  uint64_t total = hist_total(h);
  double rank;
  double seen = 0;
  size_t i;

  if (total == 0)
    return NAN;
  rank = q * (double)total;
  for (i = 0; i < HIST_BUCKETS; i++) {
    double lower = i == 0 ? 0 : bounds[i - 1];

    if (h->count[i] == 0)
      continue;
    if (seen + (double)h->count[i] >= rank) {
      if (i == HIST_BUCKETS - 1)
        return lower;
      return lower + (bounds[i] - lower) * (rank - seen) / (double)h->count[i];
    }
    seen += (double)h->count[i];
  }
  return bounds[HIST_BUCKETS - 2];
}

/* ---- SQL functions ------------------------------------------------------------------------- */

static void result_hist(sqlite3_context *ctx, const struct hist *h)
{
  unsigned char blob[HIST_BLOB_MAX];

  sqlite3_result_blob(ctx, blob, (int)hist_encode(h, blob), SQLITE_TRANSIENT);
}

static int add_value(sqlite3_value *v, struct hist *h)
{
  if (sqlite3_value_type(v) == SQLITE_NULL)
    return 0;
  return hist_decode(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), h);
}

static void of_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  struct hist *h = sqlite3_aggregate_context(ctx, sizeof(*h));

  (void)argc;
  if (h && sqlite3_value_type(argv[0]) != SQLITE_NULL)
    h->count[hist_bucket(sqlite3_value_double(argv[0]))]++;
}

static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  struct hist *h = sqlite3_aggregate_context(ctx, sizeof(*h));

  (void)argc;
  if (h && add_value(argv[0], h) != 0)
    sqlite3_result_error(ctx, "hist_sum: not a histogram", -1);
}

static void final_hist(sqlite3_context *ctx)
{
  struct hist *h = sqlite3_aggregate_context(ctx, 0);
  struct hist empty;

  memset(&empty, 0, sizeof(empty));
  result_hist(ctx, h ? h : &empty);
}

static void add_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  struct hist h;

  (void)argc;
  memset(&h, 0, sizeof(h));
  if (add_value(argv[0], &h) != 0 || add_value(argv[1], &h) != 0) {
    sqlite3_result_error(ctx, "hist_add: not a histogram", -1);
    return;
  }
  result_hist(ctx, &h);
}

static void le_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  struct hist h;

  (void)argc;
  memset(&h, 0, sizeof(h));
  if (add_value(argv[0], &h) != 0) {
    sqlite3_result_error(ctx, "hist_le: not a histogram", -1);
    return;
  }
  sqlite3_result_double(ctx, hist_at_most(&h, sqlite3_value_double(argv[1])));
}

int hist_register(sqlite3 *db)
{
  int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

  if (sqlite3_create_function(db, "hist_of", 1, flags, NULL, NULL, of_step, final_hist) !=
          SQLITE_OK ||
      sqlite3_create_function(db, "hist_sum", 1, flags, NULL, NULL, sum_step, final_hist) !=
          SQLITE_OK ||
      sqlite3_create_function(db, "hist_add", 2, flags, NULL, add_func, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function(db, "hist_le", 2, flags, NULL, le_func, NULL, NULL) != SQLITE_OK)
    return -1;
  return 0;
}
