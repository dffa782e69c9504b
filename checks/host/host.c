/* SPDX-License-Identifier: MIT */
/* host.c - the host's own resources from /proc: CPU busy over the interval, memory by
 * MemAvailable, load per core, swap and PSI pressure. The CPU counters of the last run are kept
 * in the state, so inside the agent and collectd a run judges the time since the previous one. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_proc.h"
#include "modes.h"

enum kind { K_PLAIN = 1, K_PERCENT, K_BYTES };
enum mode { M_CPU, M_MEMORY, M_LOAD, M_SWAP, M_PRESSURE, M_N };

static const char *const mode_names[] = {"cpu", "memory", "load", "swap", "pressure", NULL};
static const char *const windows[] = {"10", "60", "300", NULL};
static const char *const pressure_kinds[] = {"some", "full", NULL};
static const char *const resources[] = {"cpu", "memory", "io", NULL};

#define FILE_MAX 16384 /* /proc/meminfo is about 1.5 KiB, /proc/stat grows with CPUs */
#define STAT_MAX 262144

static const struct mode_rule rules[M_N] = {
    [M_CPU] = {K_PERCENT, 1u << K_PERCENT, "80%", "95%", "percent busy (80%)"},
    [M_MEMORY] = {K_PERCENT, 1u << K_PERCENT | 1u << K_BYTES, "85%", "95%",
                  "percent used (85%) or available bytes (1GiB: alerts below 1 GiB)"},
    [M_LOAD] = {K_PLAIN, 1u << K_PLAIN, "2", "4", "load per core (2)"},
    [M_SWAP] = {K_PERCENT, 1u << K_PERCENT | 1u << K_BYTES, "50%", "80%",
                "percent used (50%) or free bytes (1GiB: alerts below 1 GiB)"},
    [M_PRESSURE] = {K_PERCENT, 1u << K_PERCENT, "10%", "25%", "percent of time stalled (10%)"},
};

static const struct mw_unit units[] = {
    {"", 1, K_PLAIN}, {"%", 1, K_PERCENT}, MODES_BYTE_UNITS(K_BYTES), {NULL, 0, 0}};

static const struct mw_option host_options[] = {
    {"mode", 'm', MW_OPT_STRING, MW_OPT_REPEAT, "MODE", "load",
     "What to check: cpu, memory, load, swap or pressure (repeatable).", NULL, mode_names},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the one mode given; the mode's default otherwise (see below).", units,
     NULL},
    {"sample", 0, MW_OPT_DURATION, 0, "DURATION", "1s",
     "cpu: how long the first run (and every run from a shell) measures.", NULL, NULL},
    {"resource", 0, MW_OPT_LIST, 0, "LIST", NULL,
     "pressure: the resources judged, of cpu, memory and io (default all three).", NULL, NULL},
    {"window", 0, MW_OPT_STRING, 0, "SECONDS", "60",
     "pressure: the kernel's average judged, over 10, 60 or 300 seconds.", NULL, windows},
    {"stall", 0, MW_OPT_STRING, 0, "KIND", "some",
     "pressure: judge 'some' (a task stalled) or 'full' (all non-idle tasks stalled).", NULL,
     pressure_kinds},
    {"no-swap-state", 0, MW_OPT_STATE, 0, "STATE", "ok",
     "swap: the state when the host has no swap.", NULL, NULL},
    {"procfs", 0, MW_OPT_STRING, 0, "PATH", "/proc",
     "Where proc is mounted (the host's, seen from a container: /host/proc).", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char host_description[] =
    "Reads the kernel's own counters; nothing is run. Modes:\n"
    "  cpu       percent of CPU time neither idle nor waiting for I/O (default -w 80% -c 95%)\n"
    "            over the time since the previous run of this instance inside the agent and\n"
    "            collectd, over --sample from a shell and on a first run. Perfdata as\n"
    "            collectd's cpu plugin: busy, user, nice, system, idle, wait, interrupt,\n"
    "            softirq, steal, in percent.\n"
    "  memory    used = MemTotal - MemAvailable, as free(1) counts it (default -w 85% -c 95%;\n"
    "            a byte range such as 1GiB: judges available memory). Perfdata as collectd's\n"
    "            memory plugin: used, available, free, buffered, cached, slab_recl,\n"
    "            slab_unrecl, in bytes.\n"
    "  load      the 1, 5 and 15 minute load averages divided by the online CPUs, each judged\n"
    "            (default -w 2 -c 4). Perfdata as check_load -r: load1, load5, load15 and\n"
    "            scaled_load1, scaled_load5, scaled_load15 with the ranges.\n"
    "  swap      SwapTotal - SwapFree (default -w 50% -c 80%; a byte range such as 1GiB:\n"
    "            judges free swap); no swap at all is --no-swap-state. Perfdata swap_used,\n"
    "            swap_free, swap_cached in bytes.\n"
    "  pressure  Linux PSI (/proc/pressure, Linux 4.20 and later): the percent of the last\n"
    "            --window seconds in which --stall tasks waited for each --resource (default\n"
    "            -w 10% -c 25%). Perfdata RESOURCE_some and RESOURCE_full in percent. A kernel\n"
    "            without PSI (or booted with psi=0) is UNKNOWN.\n"
    "With several modes -w and -c cannot be given: each mode uses its default. A /proc file\n"
    "that cannot be read or parsed is UNKNOWN with its name.\n";

struct host {
  struct mode_set modes;
  struct mode_ranges ranges[M_N];
  double sample_s;
  bool resource[3];
  int window;      /* 0, 1 or 2: avg10, avg60, avg300 */
  bool stall_full; /* judge "full" rather than "some" */
  enum mw_state no_swap_state;
  char procfs[512];
  struct cpu_times last; /* the CPU counters of the previous run */
  bool have_last;
  char *buf;      /* FILE_MAX bytes */
  char *stat_buf; /* STAT_MAX bytes for /proc/stat, with the cpu mode only */
};

/* Reads procfs/name into h's buffer: the text, or NULL with res UNKNOWN and the reason. */
static const char *read_proc(struct host *h, const char *name, char *buf, size_t buflen,
                             struct mw_result *res)
{
  char path[600];
  int rc;

  snprintf(path, sizeof(path), "%s/%s", h->procfs, name);
  rc = host_read_file(path, buf, buflen);
  if (rc != 0) {
    mw_result_state(res, MW_UNKNOWN);
    if (rc == ENOENT && strncmp(name, "pressure/", 9) == 0)
      mw_result_summary(res,
                        "%s: no such file: this kernel has no PSI (Linux 4.20 and later, "
                        "CONFIG_PSI, not booted with psi=0)",
                        path);
    else if (rc == EINVAL)
      mw_result_summary(res, "%s is not a regular file", path);
    else
      mw_result_summary(res, "cannot read %s: %s", path, strerror(rc));
    return NULL;
  }
  return buf;
}

static void unparsable(struct mw_result *res, const struct host *h, const char *name)
{
  mw_result_state(res, MW_UNKNOWN);
  mw_result_summary(res, "%s/%s: not in the format this check reads", h->procfs, name);
}

static int read_cpu(struct host *h, struct cpu_times *out, struct mw_result *res)
{
  const char *text = read_proc(h, "stat", h->stat_buf, STAT_MAX, res);

  if (!text)
    return -1;
  if (host_parse_cpu(text, out) != 0) {
    unparsable(res, h, "stat");
    return -1;
  }
  return 0;
}

/* Percentages in perfdata: two decimals are more than the kernel's own precision. */
static double round2(double value)
{
  return mw_round(value * 100.0) / 100.0;
}

/* Sleeps seconds, or until shortly before the deadline. */
static void wait_sample(double seconds, mw_deadline deadline)
{
  int64_t until = mw_now_ns() + (int64_t)(seconds * 1e9);
  int64_t latest = deadline - 100000000; /* leave 100 ms to judge and report */
  struct timespec ts;

  if (until > latest)
    until = latest;
  while (mw_now_ns() < until) {
    int64_t left = until - mw_now_ns();

    ts.tv_sec = (time_t)(left / 1000000000);
    ts.tv_nsec = (long)(left % 1000000000);
    if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
      break;
  }
}

static void mode_cpu(struct host *h, struct mw_result *res, mw_deadline deadline)
{
  static const char *const labels[CPU_FIELDS] = {"user", "nice",      "system",  "idle",
                                                 "wait", "interrupt", "softirq", "steal"};
  const double factor[MODE_KINDS] = {[K_PERCENT] = 1};
  long hz = sysconf(_SC_CLK_TCK);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned long long min_ticks;
  struct cpu_times now;
  struct cpu_share share;
  double seconds;
  size_t i;

  /* a tenth of a second over all CPUs at least, or the figures are a few ticks' noise */
  min_ticks = (unsigned long long)((hz > 0 ? hz : 100) * (cpus > 0 ? cpus : 1) / 10);
  if (read_cpu(h, &now, res) != 0)
    return;
  if (!h->have_last || !host_cpu_share(&h->last, &now, &share) || share.ticks < min_ticks) {
    h->last = now;
    wait_sample(h->sample_s, deadline);
    if (read_cpu(h, &now, res) != 0)
      return;
    if (!host_cpu_share(&h->last, &now, &share)) {
      h->last = now;
      h->have_last = true;
      mw_result_state(res, MW_UNKNOWN);
      mw_result_summary(res, "no CPU time passed during the sample (--sample or --timeout too "
                             "short)");
      return;
    }
  }
  h->last = now;
  h->have_last = true;
  seconds = (double)share.ticks / (double)(hz > 0 ? hz : 100) / (double)(cpus > 0 ? cpus : 1);
  mw_result_state(res, modes_judge(&h->ranges[M_CPU], K_PERCENT, share.busy));
  mw_result_summary(res,
                    "CPU %.1f%% busy over %.1f s (user %.1f%%, system %.1f%%, iowait %.1f%%, "
                    "steal %.1f%%) on %ld CPUs",
                    share.busy, seconds, share.percent[CPU_USER] + share.percent[CPU_NICE],
                    share.percent[CPU_SYSTEM] + share.percent[CPU_IRQ] + share.percent[CPU_SOFTIRQ],
                    share.percent[CPU_IOWAIT], share.percent[CPU_STEAL], cpus);
  modes_perf(res, &h->ranges[M_CPU], factor, "busy", round2(share.busy), "%", 0, 100);
  for (i = 0; i < CPU_FIELDS; i++) {
    struct mw_perf perf = {labels[i], round2(share.percent[i]), "%", NULL, NULL, 0, 100};

    mw_result_perf(res, &perf);
  }
}

static void byte_perf(struct mw_result *res, const char *label, double value, double max)
{
  struct mw_perf perf = {label, value, "B", NULL, NULL, 0, max};

  if (!isnan(value))
    mw_result_perf(res, &perf);
}

static void mode_memory(struct host *h, struct mw_result *res)
{
  const char *text = read_proc(h, "meminfo", h->buf, FILE_MAX, res);
  struct meminfo m;
  double available, used, percent;
  double used_factor[MODE_KINDS] = {0};
  const double available_factor[MODE_KINDS] = {[K_BYTES] = 1};
  char used_text[32], total_text[32], available_text[32];

  if (!text)
    return;
  if (host_parse_meminfo(text, &m) != 0) {
    unparsable(res, h, "meminfo");
    return;
  }
  available = m.available;
  if (isnan(available)) /* before Linux 3.14: what free(1) estimated then */
    available = m.free + (isnan(m.buffers) ? 0 : m.buffers) + (isnan(m.cached) ? 0 : m.cached) +
                (isnan(m.slab_reclaimable) ? 0 : m.slab_reclaimable);
  if (available > m.total)
    available = m.total;
  used = m.total - available;
  percent = used * 100.0 / m.total;
  used_factor[K_PERCENT] = m.total / 100.0;
  mw_result_state(res, mw_state_worst(modes_judge(&h->ranges[M_MEMORY], K_PERCENT, percent),
                                      modes_judge(&h->ranges[M_MEMORY], K_BYTES, available)));
  mw_format_bytes(used, used_text, sizeof(used_text));
  mw_format_bytes(m.total, total_text, sizeof(total_text));
  mw_format_bytes(available, available_text, sizeof(available_text));
  mw_result_summary(res, "%.1f%% of memory used (%s of %s, %s available)", percent, used_text,
                    total_text, available_text);
  modes_perf(res, &h->ranges[M_MEMORY], used_factor, "used", used, "B", 0, m.total);
  modes_perf(res, &h->ranges[M_MEMORY], available_factor, "available", available, "B", 0, m.total);
  byte_perf(res, "free", m.free, m.total);
  byte_perf(res, "buffered", m.buffers, m.total);
  byte_perf(res, "cached", m.cached, m.total);
  byte_perf(res, "slab_recl", m.slab_reclaimable, m.total);
  byte_perf(res, "slab_unrecl", m.slab_unreclaimable, m.total);
}

static void mode_swap(struct host *h, struct mw_result *res)
{
  const char *text = read_proc(h, "meminfo", h->buf, FILE_MAX, res);
  struct meminfo m;
  double used, percent;
  double used_factor[MODE_KINDS] = {0};
  const double free_factor[MODE_KINDS] = {[K_BYTES] = 1};
  char used_text[32], total_text[32];

  if (!text)
    return;
  if (host_parse_meminfo(text, &m) != 0 || isnan(m.swap_total) || isnan(m.swap_free)) {
    unparsable(res, h, "meminfo");
    return;
  }
  if (m.swap_total <= 0) {
    mw_result_state(res, h->no_swap_state);
    mw_result_summary(res, "no swap on this host");
    byte_perf(res, "swap_used", 0, 0);
    byte_perf(res, "swap_free", 0, 0);
    return;
  }
  used = m.swap_total - m.swap_free;
  percent = used * 100.0 / m.swap_total;
  used_factor[K_PERCENT] = m.swap_total / 100.0;
  mw_result_state(res, mw_state_worst(modes_judge(&h->ranges[M_SWAP], K_PERCENT, percent),
                                      modes_judge(&h->ranges[M_SWAP], K_BYTES, m.swap_free)));
  mw_format_bytes(used, used_text, sizeof(used_text));
  mw_format_bytes(m.swap_total, total_text, sizeof(total_text));
  mw_result_summary(res, "%.1f%% of swap used (%s of %s)", percent, used_text, total_text);
  modes_perf(res, &h->ranges[M_SWAP], used_factor, "swap_used", used, "B", 0, m.swap_total);
  modes_perf(res, &h->ranges[M_SWAP], free_factor, "swap_free", m.swap_free, "B", 0, m.swap_total);
  byte_perf(res, "swap_cached", m.swap_cached, m.swap_total);
}

static void mode_load(struct host *h, struct mw_result *res)
{
  static const char *const plain[3] = {"load1", "load5", "load15"};
  static const char *const scaled[3] = {"scaled_load1", "scaled_load5", "scaled_load15"};
  const double factor[MODE_KINDS] = {[K_PLAIN] = 1};
  const char *text = read_proc(h, "loadavg", h->buf, FILE_MAX, res);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  enum mw_state state = MW_OK;
  struct loadavg l;
  double per_core[3];
  size_t i;

  if (!text)
    return;
  if (host_parse_loadavg(text, &l) != 0) {
    unparsable(res, h, "loadavg");
    return;
  }
  if (cpus < 1)
    cpus = 1;
  for (i = 0; i < 3; i++) {
    per_core[i] = l.avg[i] / (double)cpus;
    state = mw_state_worst(state, modes_judge(&h->ranges[M_LOAD], K_PLAIN, per_core[i]));
  }
  mw_result_state(res, state);
  mw_result_summary(res, "load per core %.2f, %.2f, %.2f (total %.2f, %.2f, %.2f on %ld CPUs)",
                    per_core[0], per_core[1], per_core[2], l.avg[0], l.avg[1], l.avg[2], cpus);
  for (i = 0; i < 3; i++) {
    struct mw_perf perf = {plain[i], l.avg[i], "", NULL, NULL, 0, NAN};

    mw_result_perf(res, &perf);
    modes_perf(res, &h->ranges[M_LOAD], factor, scaled[i], per_core[i], "", 0, NAN);
  }
}

static void mode_pressure(struct host *h, struct mw_result *res)
{
  static const char *const window_names[3] = {"10", "60", "300"};
  const double factor[MODE_KINDS] = {[K_PERCENT] = 1};
  enum mw_state state = MW_OK;
  const char *sep = " ";
  struct mw_buf line;
  size_t i;

  mw_buf_init(&line, 1024);
  mw_buf_addf(&line, "PSI %s avg%s:", h->stall_full ? "full" : "some", window_names[h->window]);
  for (i = 0; i < 3; i++) {
    char name[32], some_label[32], full_label[32];
    struct pressure p;
    const char *text;
    double judged;

    if (!h->resource[i])
      continue;
    snprintf(name, sizeof(name), "pressure/%s", resources[i]);
    text = read_proc(h, name, h->buf, FILE_MAX, res);
    if (!text)
      goto done;
    if (host_parse_pressure(text, &p) != 0) {
      unparsable(res, h, name);
      goto done;
    }
    judged = h->stall_full ? p.full[h->window] : p.some[h->window];
    if (!isnan(judged))
      state = mw_state_worst(state, modes_judge(&h->ranges[M_PRESSURE], K_PERCENT, judged));
    if (isnan(judged))
      mw_buf_addf(&line, "%s%s not reported", sep, resources[i]);
    else
      mw_buf_addf(&line, "%s%s %.1f%%", sep, resources[i], judged);
    sep = ", ";
    snprintf(some_label, sizeof(some_label), "%s_some", resources[i]);
    snprintf(full_label, sizeof(full_label), "%s_full", resources[i]);
    modes_perf(res, &h->ranges[M_PRESSURE], h->stall_full ? (double[MODE_KINDS]){0} : factor,
               some_label, p.some[h->window], "%", 0, 100);
    if (p.has_full)
      modes_perf(res, &h->ranges[M_PRESSURE], h->stall_full ? factor : (double[MODE_KINDS]){0},
                 full_label, p.full[h->window], "%", 0, 100);
  }
  mw_result_state(res, state);
  mw_result_summary(res, "%s", mw_buf_str(&line));
done:
  mw_buf_free(&line);
}

static void host_run(void *state, struct mw_result *root, mw_deadline deadline)
{
  struct host *h = state;
  struct mw_result *children[MODES_MAX];
  const char *labels[MODES_MAX];
  size_t i;

  for (i = 0; i < h->modes.count; i++) {
    enum mode mode = (enum mode)h->modes.ids[i];
    struct mw_result *res = modes_result(root, &h->modes);

    children[i] = res;
    labels[i] = mode_names[mode];
    switch (mode) {
    case M_CPU:
      mode_cpu(h, res, deadline);
      break;
    case M_MEMORY:
      mode_memory(h, res);
      break;
    case M_LOAD:
      mode_load(h, res);
      break;
    case M_SWAP:
      mode_swap(h, res);
      break;
    case M_PRESSURE:
    case M_N:
      mode_pressure(h, res);
      break;
    }
  }
  if (h->modes.count > 1)
    modes_summarise(root, children, labels, h->modes.count);
}

static int parse_resources(const struct mw_args *args, struct host *h, struct mw_result *err)
{
  size_t n = mw_args_count(args, "resource");
  size_t i, r;

  if (n == 0) {
    h->resource[0] = h->resource[1] = h->resource[2] = true;
    return 0;
  }
  for (i = 0; i < n; i++) {
    const char *name = mw_args_str_at(args, "resource", i);

    for (r = 0; resources[r] && strcmp(resources[r], name) != 0; r++)
      ;
    if (!resources[r]) {
      mw_result_summary(err, "unknown --resource '%s' (cpu, memory or io)", name);
      return -1;
    }
    h->resource[r] = true;
  }
  return 0;
}

static void host_close(void *state)
{
  struct host *h = state;

  if (!h)
    return;
  free(h->buf);
  free(h->stat_buf);
  free(h);
}

static int host_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct host *h = calloc(1, sizeof(*h));
  const char *procfs = mw_args_str(args, "procfs");
  const char *window = mw_args_str(args, "window");

  if (!h) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  h->buf = malloc(FILE_MAX);
  if (!h->buf) {
    mw_result_summary(err, "out of memory");
    goto fail;
  }
  if (modes_parse(args, "mode", mode_names, &h->modes, err) != 0 ||
      modes_set_ranges(args, &h->modes, mode_names, rules, units, K_PLAIN, h->ranges, err) != 0 ||
      parse_resources(args, h, err) != 0)
    goto fail;
  /* Only the cpu mode reads /proc/stat: a buffer this size is an mmap and munmap of its own in
   * every run of the others. */
  if (modes_has(&h->modes, M_CPU) && !(h->stat_buf = malloc(STAT_MAX))) {
    mw_result_summary(err, "out of memory");
    goto fail;
  }
  h->sample_s = mw_args_duration(args, "sample");
  if (h->sample_s < 0.1 || h->sample_s > 60) {
    mw_result_summary(err, "--sample must be between 100ms and 60s");
    goto fail;
  }
  h->window = strcmp(window, "10") == 0 ? 0 : strcmp(window, "60") == 0 ? 1 : 2;
  h->stall_full = strcmp(mw_args_str(args, "stall"), "full") == 0;
  h->no_swap_state = mw_args_state(args, "no-swap-state");
  if (!procfs || procfs[0] != '/' || strlen(procfs) >= sizeof(h->procfs)) {
    mw_result_summary(err, "--procfs must be an absolute path of fewer than %zu bytes",
                      sizeof(h->procfs));
    goto fail;
  }
  snprintf(h->procfs, sizeof(h->procfs), "%s", procfs);
  *state = h;
  return 0;
fail:
  host_close(h);
  return -1;
}

static const struct mw_check host_check = {
    MW_CHECK_ABI,     "host",       "The host: CPU busy, memory, load per core, swap, PSI pressure",
    host_description, host_options, host_open,
    host_run,         host_close};

const struct mw_check *mw_check_entry(void)
{
  return &host_check;
}
