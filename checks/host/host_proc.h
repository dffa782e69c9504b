/* SPDX-License-Identifier: MIT */
/* host_proc.h - the host check's readers of /proc: CPU times, memory, load and pressure, as
 * pure parsers of a file's text (unit-tested) and one bounded file reader. */
#ifndef HOST_PROC_H
#define HOST_PROC_H

#include <stdbool.h>
#include <stddef.h>

/* /proc/stat's "cpu" line in USER_HZ ticks, in the kernel's order. */
enum cpu_field {
  CPU_USER,
  CPU_NICE,
  CPU_SYSTEM,
  CPU_IDLE,
  CPU_IOWAIT,
  CPU_IRQ,
  CPU_SOFTIRQ,
  CPU_STEAL,
  CPU_FIELDS /* guest and guest_nice are already counted in user and nice */
};

struct cpu_times {
  unsigned long long tick[CPU_FIELDS];
};

/* Percent of the time between two samples spent in each field, and busy (neither idle nor
 * waiting for I/O). */
struct cpu_share {
  double percent[CPU_FIELDS];
  double busy;
  unsigned long long ticks; /* elapsed, over all CPUs */
};

/* Bytes; NAN where the kernel does not say (MemAvailable before Linux 3.14). */
struct meminfo {
  double total;
  double free;
  double available;
  double buffers;
  double cached;
  double slab_reclaimable;
  double slab_unreclaimable;
  double swap_total;
  double swap_free;
  double swap_cached;
};

struct loadavg {
  double avg[3]; /* 1, 5 and 15 minutes */
  long running;
  long threads;
};

/* One resource of /proc/pressure: percent of the last 10, 60 and 300 seconds some (or all,
 * "full") runnable tasks were stalled. has_full is false where the file has no "full" line. */
struct pressure {
  double some[3];
  double full[3];
  bool has_full;
};

/* 0, or -1 when the text lacks what is needed. */
int host_parse_cpu(const char *text, struct cpu_times *out);
int host_parse_meminfo(const char *text, struct meminfo *out);
int host_parse_loadavg(const char *text, struct loadavg *out);
int host_parse_pressure(const char *text, struct pressure *out);

/* The share of each field from before to after; false when no tick passed or a counter went
 * back (a CPU taken offline, a restored container): take a new sample then. */
bool host_cpu_share(const struct cpu_times *before, const struct cpu_times *after,
                    struct cpu_share *out);

/* Reads a /proc file (at most outlen - 1 bytes, NUL-terminated) without blocking on a FIFO or
 * device. 0, EINVAL when path is not a regular file, or another errno value. */
int host_read_file(const char *path, char *out, size_t outlen);

#endif
