/* SPDX-License-Identifier: MIT */
/* host_proc.c - parsers of /proc/stat, /proc/meminfo, /proc/loadavg and /proc/pressure/<x>. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_proc.h"

/* The line of text that starts with prefix (at a line start), or NULL. */
static const char *find_line(const char *text, const char *prefix)
{
  size_t len = strlen(prefix);
  const char *line = text;

  while (line && *line) {
    if (strncmp(line, prefix, len) == 0)
      return line + len;
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  return NULL;
}

int host_parse_cpu(const char *text, struct cpu_times *out)
{
  const char *p = find_line(text, "cpu ");
  char *end;
  size_t i;

  if (!p)
    return -1;
  for (i = 0; i < CPU_FIELDS; i++) {
    while (*p == ' ')
      p++;
    if (*p < '0' || *p > '9') {
      if (i < CPU_IOWAIT + 1) /* Linux 2.6 and later give eight fields at least */
        return -1;
      out->tick[i] = 0;
      continue;
    }
    errno = 0;
    out->tick[i] = strtoull(p, &end, 10);
    if (errno != 0 || end == p)
      return -1;
    p = end;
  }
  return 0;
}

bool host_cpu_share(const struct cpu_times *before, const struct cpu_times *after,
                    struct cpu_share *out)
{
  unsigned long long delta[CPU_FIELDS];
  unsigned long long total = 0;
  size_t i;

  for (i = 0; i < CPU_FIELDS; i++) {
    /* iowait may go back by a tick or two on some kernels (it is an estimate): count it as 0 */
    if (after->tick[i] < before->tick[i]) {
      if (i != CPU_IOWAIT)
        return false;
      delta[i] = 0;
    } else {
      delta[i] = after->tick[i] - before->tick[i];
    }
    total += delta[i];
  }
  if (total == 0)
    return false;
  for (i = 0; i < CPU_FIELDS; i++)
    out->percent[i] = (double)delta[i] * 100.0 / (double)total;
  out->busy = 100.0 - out->percent[CPU_IDLE] - out->percent[CPU_IOWAIT];
  if (out->busy < 0)
    out->busy = 0;
  out->ticks = total;
  return true;
}

/* "Name:   1234 kB" in bytes, or NAN when the line is absent or not a number. */
static double meminfo_field(const char *text, const char *name)
{
  char prefix[64];
  const char *p;
  char *end;
  double value;

  if ((size_t)snprintf(prefix, sizeof(prefix), "%s:", name) >= sizeof(prefix))
    return NAN;
  p = find_line(text, prefix);
  if (!p)
    return NAN;
  errno = 0;
  value = (double)strtoull(p, &end, 10);
  if (errno != 0 || end == p)
    return NAN;
  while (*end == ' ')
    end++;
  return strncmp(end, "kB", 2) == 0 ? value * 1024.0 : value;
}

int host_parse_meminfo(const char *text, struct meminfo *out)
{
  out->total = meminfo_field(text, "MemTotal");
  out->free = meminfo_field(text, "MemFree");
  out->available = meminfo_field(text, "MemAvailable");
  out->buffers = meminfo_field(text, "Buffers");
  out->cached = meminfo_field(text, "Cached");
  out->slab_reclaimable = meminfo_field(text, "SReclaimable");
  out->slab_unreclaimable = meminfo_field(text, "SUnreclaim");
  out->swap_total = meminfo_field(text, "SwapTotal");
  out->swap_free = meminfo_field(text, "SwapFree");
  out->swap_cached = meminfo_field(text, "SwapCached");
  if (isnan(out->total) || isnan(out->free) || out->total <= 0)
    return -1;
  return 0;
}

int host_parse_loadavg(const char *text, struct loadavg *out)
{
  const char *p = text;
  char *end;
  size_t i;

  for (i = 0; i < 3; i++) {
    errno = 0;
    out->avg[i] = strtod(p, &end);
    if (errno != 0 || end == p || !isfinite(out->avg[i]) || out->avg[i] < 0)
      return -1;
    p = end;
  }
  /* "running/threads last_pid": informative only */
  out->running = strtol(p, &end, 10);
  if (end == p || *end != '/') {
    out->running = out->threads = -1;
    return 0;
  }
  p = end + 1;
  out->threads = strtol(p, &end, 10);
  if (end == p)
    out->threads = -1;
  return 0;
}

/* "avg10=1.00 avg60=2.00 avg300=3.00 total=N" after the kind's word. */
static int pressure_line(const char *p, double avg[3])
{
  static const char *const keys[3] = {"avg10=", "avg60=", "avg300="};
  char *end;
  size_t i;

  for (i = 0; i < 3; i++) {
    const char *at = strstr(p, keys[i]);
    const char *eol = strchr(p, '\n');

    if (!at || (eol && at > eol))
      return -1;
    at += strlen(keys[i]);
    errno = 0;
    avg[i] = strtod(at, &end);
    if (errno != 0 || end == at || !isfinite(avg[i]) || avg[i] < 0)
      return -1;
  }
  return 0;
}

int host_parse_pressure(const char *text, struct pressure *out)
{
  const char *some = find_line(text, "some ");
  const char *full = find_line(text, "full ");

  if (!some || pressure_line(some, out->some) != 0)
    return -1;
  out->has_full = full && pressure_line(full, out->full) == 0;
  if (!out->has_full)
    out->full[0] = out->full[1] = out->full[2] = NAN;
  return 0;
}

int host_read_file(const char *path, char *out, size_t outlen)
{
  struct stat st;
  size_t len = 0;
  ssize_t got;
  int fd;
  int result = 0;

  if (outlen == 0)
    return EINVAL;
  /* O_NONBLOCK and the type check: a FIFO or device put in the place of a /proc file must not
   * hang the run */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return errno;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return EINVAL;
  }
  while (len + 1 < outlen) {
    got = read(fd, out + len, outlen - 1 - len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      result = errno;
      break;
    }
    if (got == 0)
      break;
    len += (size_t)got;
  }
  out[len] = '\0';
  close(fd);
  return result;
}
