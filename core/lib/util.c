/* SPDX-License-Identifier: MIT */
/* util.c - numbers, states, durations, deadlines and JSON strings shared by every part. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mw_core.h"

static bool reads_back(const char *text, double value)
{
  return strtod(text, NULL) == value;
}

void mw_format_number(double value, char *out, size_t outlen)
{
  int digits;

  if (isnan(value)) {
    snprintf(out, outlen, "U");
    return;
  }
  if (isinf(value)) {
    /* Never valid perfdata; callers render infinities as range syntax instead. */
    snprintf(out, outlen, "%s", value < 0 ? "-inf" : "inf");
    return;
  }
  if (value == 0) {
    snprintf(out, outlen, "0");
    return;
  }
  if (fabs(value) < 1e15 && fabs(value) >= 1e-6) {
    if (value == (double)(long long)value) {
      snprintf(out, outlen, "%.0f", value);
      return;
    }
    for (digits = 1; digits <= 17; digits++) {
      snprintf(out, outlen, "%.*f", digits, value);
      if (reads_back(out, value))
        return;
    }
  }
  for (digits = 1; digits <= 17; digits++) {
    snprintf(out, outlen, "%.*g", digits, value);
    if (reads_back(out, value))
      return;
  }
}

void mw_format_bytes(double bytes, char *out, size_t outlen)
{
  static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  size_t unit = 0;
  double v = bytes;

  while (fabs(v) >= 1024 && unit + 1 < sizeof(names) / sizeof(names[0])) {
    v /= 1024;
    unit++;
  }
  if (unit == 0)
    snprintf(out, outlen, "%.0f B", v);
  else if (fabs(v) >= 100)
    snprintf(out, outlen, "%.0f %s", v, names[unit]);
  else if (fabs(v) >= 10)
    snprintf(out, outlen, "%.1f %s", v, names[unit]);
  else
    snprintf(out, outlen, "%.2f %s", v, names[unit]);
}

const char *mw_state_name(enum mw_state state)
{
  switch (state) {
  case MW_OK:
    return "OK";
  case MW_WARNING:
    return "WARNING";
  case MW_CRITICAL:
    return "CRITICAL";
  case MW_UNKNOWN:
    break;
  }
  return "UNKNOWN";
}

int mw_state_parse(const char *text, enum mw_state *out)
{
  static const struct {
    const char *name;
    enum mw_state state;
  } names[] = {{"ok", MW_OK},
               {"0", MW_OK},
               {"warning", MW_WARNING},
               {"1", MW_WARNING},
               {"critical", MW_CRITICAL},
               {"2", MW_CRITICAL},
               {"unknown", MW_UNKNOWN},
               {"3", MW_UNKNOWN}};
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (strcasecmp(text, names[i].name) == 0) {
      *out = names[i].state;
      return 0;
    }
  }
  return -1;
}

static int state_rank(enum mw_state state)
{
  switch (state) {
  case MW_OK:
    return 0;
  case MW_UNKNOWN:
    return 1;
  case MW_WARNING:
    return 2;
  case MW_CRITICAL:
    return 3;
  }
  return 1;
}

enum mw_state mw_state_worst(enum mw_state a, enum mw_state b)
{
  return state_rank(a) >= state_rank(b) ? a : b;
}

int mw_duration_parse(const char *text, double *seconds)
{
  static const struct {
    const char *suffix;
    double factor;
  } units[] = {{"", 1}, {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  char *end;
  double v;
  size_t i;

  errno = 0;
  v = strtod(text, &end);
  if (end == text || errno != 0 || !isfinite(v) || v < 0)
    return -1;
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (strcmp(end, units[i].suffix) == 0) {
      v *= units[i].factor;
      /* Deadlines are int64 nanoseconds; a year is more than any check should wait. */
      if (v > MW_DURATION_MAX)
        return -1;
      *seconds = v;
      return 0;
    }
  }
  return -1;
}

static bool continuation(unsigned char c, unsigned char low, unsigned char high)
{
  return c >= low && c <= high;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, surrogates or
 * code points past U+10FFFF), 0 when there is none. p is NUL-terminated, and NUL is never a
 * continuation byte, so no byte past the end is read. */
static size_t utf8_length(const unsigned char *p)
{
  unsigned char lo = 0x80;
  unsigned char hi = 0xbf;
  size_t len;
  size_t i;

  if (p[0] < 0x80)
    return 1;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    len = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    len = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    len = 4;
  else
    return 0;
  if (p[0] == 0xe0)
    lo = 0xa0;
  else if (p[0] == 0xed)
    hi = 0x9f;
  else if (p[0] == 0xf0)
    lo = 0x90;
  else if (p[0] == 0xf4)
    hi = 0x8f;
  if (!continuation(p[1], lo, hi))
    return 0;
  for (i = 2; i < len; i++)
    if (!continuation(p[i], 0x80, 0xbf))
      return 0;
  return len;
}

/* Text from servers may be in any encoding; JSON must be UTF-8 (RFC 8259), or receivers such as
 * PagerDuty refuse the whole event. A byte that starts no well-formed sequence becomes U+FFFD. */
int mw_json_string(struct mw_buf *out, const char *text)
{
  const unsigned char *p;
  size_t len;

  mw_buf_add(out, "\"", 1);
  for (p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
    case '"':
      mw_buf_add(out, "\\\"", 2);
      break;
    case '\\':
      mw_buf_add(out, "\\\\", 2);
      break;
    case '\n':
      mw_buf_add(out, "\\n", 2);
      break;
    case '\r':
      mw_buf_add(out, "\\r", 2);
      break;
    case '\t':
      mw_buf_add(out, "\\t", 2);
      break;
    default:
      len = utf8_length(p);
      if (*p < 0x20)
        mw_buf_addf(out, "\\u%04x", *p);
      else if (len == 0)
        mw_buf_add(out, "\xef\xbf\xbd", 3);
      else {
        mw_buf_add(out, p, len);
        p += len - 1;
      }
    }
  }
  mw_buf_add(out, "\"", 1);
  return out->failed ? -1 : 0;
}

void mw_cond_init_monotonic(pthread_cond_t *cond)
{
  pthread_condattr_t attr;

  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(cond, &attr);
  pthread_condattr_destroy(&attr);
}

int64_t mw_now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int mw_deadline_left_ms(mw_deadline deadline)
{
  int64_t left = deadline - mw_now_ns();

  if (left <= 0)
    return 0;
  if (left / 1000000 >= 0x7fffffff)
    return 0x7fffffff;
  return (int)((left + 999999) / 1000000);
}

bool mw_deadline_passed(mw_deadline deadline)
{
  return mw_now_ns() >= deadline;
}

/* A folder every user can write to lets any of them swap a file inside it. */
static bool folder_is_world_writable(const char *path)
{
  char folder[4096];
  const char *slash = strrchr(path, '/');
  struct stat st;

  if (!slash)
    snprintf(folder, sizeof(folder), ".");
  else if (slash == path)
    snprintf(folder, sizeof(folder), "/");
  else
    snprintf(folder, sizeof(folder), "%.*s", (int)(slash - path), path);
  return stat(folder, &st) == 0 && (st.st_mode & S_IWOTH);
}

/* A secret every local user can read is no secret, and one anyone can write lets them choose
 * where the agent authenticates: refused, as ssh refuses such a key; so is one another user owns
 * or could replace (a folder every user can write), and an empty one, which would send an empty
 * credential. Group access is the way to share one with the mcpwatch user (root:mcpwatch 0640). */
int mw_read_secret_file(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
  FILE *f;
  struct stat st;
  int result = -1;

  out[0] = '\0';
  f = fopen(path, "re");
  if (!f) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "refusing %s: not a regular file", path);
    goto cleanup;
  }
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    snprintf(err, errlen, "refusing %s: every user can read or write it (chmod o= %s)", path, path);
    goto cleanup;
  }
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    snprintf(err, errlen, "refusing %s: owned by uid %ld, neither this user nor root", path,
             (long)st.st_uid);
    goto cleanup;
  }
  if (folder_is_world_writable(path)) {
    snprintf(err, errlen, "refusing %s: its folder is writable by every user", path);
    goto cleanup;
  }
  if (!fgets(out, (int)outlen, f))
    out[0] = '\0';
  out[strcspn(out, "\r\n")] = '\0';
  if (!out[0]) {
    snprintf(err, errlen, "refusing %s: its first line is empty", path);
    goto cleanup;
  }
  result = 0;
cleanup:
  fclose(f);
  if (result != 0)
    explicit_bzero(out, outlen);
  return result;
}

void mw_service_name(const char *check, char *out, size_t outlen)
{
  size_t i;

  if (outlen == 0)
    return;
  for (i = 0; check[i] && i + 1 < outlen; i++)
    out[i] = (char)toupper((unsigned char)check[i]);
  out[i] = '\0';
}

void mw_one_line(char *text)
{
  for (; *text; text++) {
    if ((unsigned char)*text < 0x20 || *text == 0x7f)
      *text = ' ';
  }
}

size_t mw_base64(const void *data, size_t len, char *out, size_t outlen)
{
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *in = data;
  size_t need = (len + 2) / 3 * 4;
  size_t i;
  size_t w = 0;

  if (need + 1 > outlen)
    return 0;
  for (i = 0; i + 2 < len; i += 3) {
    unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
    out[w++] = digits[v >> 18 & 63];
    out[w++] = digits[v >> 12 & 63];
    out[w++] = digits[v >> 6 & 63];
    out[w++] = digits[v & 63];
  }
  if (i < len) {
    unsigned long v =
        (unsigned long)in[i] << 16 | (i + 1 < len ? (unsigned long)in[i + 1] << 8 : 0);
    out[w++] = digits[v >> 18 & 63];
    out[w++] = digits[v >> 12 & 63];
    out[w++] = i + 1 < len ? digits[v >> 6 & 63] : '=';
    out[w++] = '=';
  }
  out[w] = '\0';
  return w;
}
