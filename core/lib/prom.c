/* SPDX-License-Identifier: MIT */
/* prom.c - the Prometheus text exposition format (version 0.0.4) for the agent's /metrics:
 * metric names made valid, label values escaped, values written as Prometheus parses them, and
 * perfdata in base units (seconds, bytes, ratios) as Prometheus's naming conventions ask and as
 * the collectd plugin converts them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"

static bool name_char(char c, bool first)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

void mw_prom_name(char *out, size_t outlen, const char *text)
{
  size_t used = 0;

  if (outlen == 0)
    return;
  if (!name_char(*text, true) && outlen > 1)
    out[used++] = '_';
  for (; *text && used + 1 < outlen; text++)
    out[used++] = name_char(*text, false) ? *text : '_';
  out[used] = '\0';
}

void mw_perf_base(const char *label, const char *uom, double value, double *out, const char **unit)
{
  static const struct {
    const char *uom;
    double factor;
    const char *unit;
  } units[] = {{"s", 1, "seconds"},
               {"ms", 1e-3, "seconds"},
               {"us", 1e-6, "seconds"},
               {"%", 0.01, "ratio"},
               {"B", 1, "bytes"},
               {"KB", 1024, "bytes"},
               {"MB", 1048576, "bytes"},
               {"GB", 1073741824.0, "bytes"},
               {"TB", 1099511627776.0, "bytes"},
               {"c", 1, "total"}};
  size_t i;

  *out = value;
  *unit = "";
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (strcmp(uom, units[i].uom) == 0) {
      *out = value * units[i].factor;
      *unit = units[i].unit;
      return;
    }
  /* tls-expiry's days left, as seconds */
  if (uom[0] == '\0' && strncmp(label, "days", 4) == 0) {
    *out = value * 86400.0;
    *unit = "seconds";
  }
}

/* text with \, " (in label values) and newlines escaped. */
static int add_escaped(struct mw_buf *out, const char *text, bool quote)
{
  const char *run = text;

  for (; *text; text++) {
    const char *escape = *text == '\\'           ? "\\\\"
                         : *text == '\n'         ? "\\n"
                         : quote && *text == '"' ? "\\\""
                                                 : NULL;

    if (!escape)
      continue;
    if (mw_buf_add(out, run, (size_t)(text - run)) != 0 || mw_buf_adds(out, escape) != 0)
      return -1;
    run = text + 1;
  }
  return mw_buf_add(out, run, (size_t)(text - run));
}

int mw_prom_family(struct mw_buf *out, const char *name, const char *type, const char *help)
{
  if (mw_buf_addf(out, "# HELP %s ", name) != 0 || add_escaped(out, help, false) != 0)
    return -1;
  return mw_buf_addf(out, "\n# TYPE %s %s\n", name, type);
}

int mw_prom_sample(struct mw_buf *out, const char *name, const char *const *labels, size_t nlabels,
                   double value)
{
  size_t i;

  if (mw_buf_adds(out, name) != 0)
    return -1;
  /* Without vfprintf: a scrape at 1,000 instances is some 10,000 samples. */
  for (i = 0; i + 1 < nlabels * 2; i += 2) {
    if (mw_buf_add(out, i == 0 ? "{" : ",", 1) != 0 || mw_buf_adds(out, labels[i]) != 0 ||
        mw_buf_add(out, "=\"", 2) != 0 || add_escaped(out, labels[i + 1], true) != 0 ||
        mw_buf_add(out, "\"", 1) != 0)
      return -1;
  }
  if (nlabels && mw_buf_adds(out, "}") != 0)
    return -1;
  if (isnan(value))
    return mw_buf_adds(out, " NaN\n");
  if (isinf(value))
    return mw_buf_adds(out, value > 0 ? " +Inf\n" : " -Inf\n");
  if (fabs(value) < 1e15 && value == (double)(long long)value) /* most: states, counters */
    return mw_buf_add(out, " ", 1) != 0 || mw_buf_add_int(out, (long long)value) != 0
               ? -1
               : mw_buf_add(out, "\n", 1);
  {
    /* The shortest of 15 or 17 digits that reads back as the same double: 0.999, not
     * 0.99900000000000011. */
    char text[40];

    snprintf(text, sizeof(text), "%.15g", value);
    if (strtod(text, NULL) != value)
      snprintf(text, sizeof(text), "%.17g", value);
    return mw_buf_addf(out, " %s\n", text);
  }
}

int mw_prom_openmetrics(const char *text, struct mw_buf *out)
{
  const char *line = text;

  while (*line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    const char *next = end ? end + 1 : line + len;

    if (strncmp(line, "# HELP ", 7) == 0 && strncmp(next, "# TYPE ", 7) == 0) {
      /* A counter's family is named without _total in OpenMetrics; its samples keep it. */
      const char *name = line + 7;
      size_t name_len = strcspn(name, " ");
      const char *type_end = strchr(next, '\n');
      size_t type_len = type_end ? (size_t)(type_end - next) : strlen(next);
      bool counter = type_len > 8 && strncmp(next + type_len - 8, " counter", 8) == 0;

      if (counter && name_len > 6 && strncmp(name + name_len - 6, "_total", 6) == 0) {
        mw_buf_addf(out, "# HELP %.*s%.*s\n", (int)(name_len - 6), name, (int)(len - 7 - name_len),
                    name + name_len);
        mw_buf_addf(out, "# TYPE %.*s counter\n", (int)(name_len - 6), name);
        line = type_end ? type_end + 1 : next + type_len;
        continue;
      }
    }
    /* Comments other than HELP and TYPE have no place in OpenMetrics. */
    if (line[0] != '#' || strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
      mw_buf_add(out, line, len);
      mw_buf_adds(out, "\n");
    }
    line = next;
  }
  return mw_buf_adds(out, "# EOF\n");
}
