/* SPDX-License-Identifier: MIT */
/* buf.c - size-capped growing strings (after curl's dynbuf). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "mw_core.h"

void mw_buf_init(struct mw_buf *buf, size_t max)
{
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->max = max;
  buf->failed = false;
}

static int buf_reserve(struct mw_buf *buf, size_t extra)
{
  size_t need;
  size_t cap;
  char *grown;

  if (buf->failed || extra > buf->max || buf->len > buf->max - extra) {
    buf->failed = true;
    return -1;
  }
  need = buf->len + extra + 1;
  if (need <= buf->cap)
    return 0;
  cap = buf->cap ? buf->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (cap > buf->max + 1)
    cap = buf->max + 1;
  grown = realloc(buf->data, cap);
  if (!grown) {
    buf->failed = true;
    return -1;
  }
  buf->data = grown;
  buf->cap = cap;
  return 0;
}

int mw_buf_add(struct mw_buf *buf, const void *data, size_t len)
{
  if (buf_reserve(buf, len) != 0)
    return -1;
  if (len)
    memcpy(buf->data + buf->len, data, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
  return 0;
}

int mw_buf_adds(struct mw_buf *buf, const char *str)
{
  return mw_buf_add(buf, str, strlen(str));
}

int mw_buf_add_int(struct mw_buf *buf, long long n)
{
  char digits[FORMAT_DECIMAL_MAX];
  size_t at =
      format_decimal(digits, n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n, n < 0);

  return mw_buf_add(buf, digits + at, sizeof(digits) - at);
}

/* Short texts (most of them) are formatted once, into a stack buffer; only longer ones are
 * measured first. Float formatting is what a check's run spends most of its own time on:
 * format_fast does the common conversions without vfprintf. */
int mw_buf_vaddf(struct mw_buf *buf, const char *fmt, va_list ap)
{
  char local[256];
  va_list copy;
  int n;

  if (buf->failed)
    return -1;
  n = format_fast(local, sizeof(local), fmt, ap);
  if (n >= 0)
    return mw_buf_add(buf, local, (size_t)n);
  va_copy(copy, ap);
  n = vsnprintf(local, sizeof(local), fmt, copy);
  va_end(copy);
  if (n < 0) {
    buf->failed = true;
    return -1;
  }
  if ((size_t)n < sizeof(local))
    return mw_buf_add(buf, local, (size_t)n);
  if (buf_reserve(buf, (size_t)n) != 0)
    return -1;
  vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
  buf->len += (size_t)n;
  return 0;
}

int mw_buf_addf(struct mw_buf *buf, const char *fmt, ...)
{
  va_list ap;
  int result;

  va_start(ap, fmt);
  result = mw_buf_vaddf(buf, fmt, ap);
  va_end(ap);
  return result;
}

const char *mw_buf_str(const struct mw_buf *buf)
{
  return buf->data ? buf->data : "";
}

void mw_buf_reset(struct mw_buf *buf)
{
  buf->len = 0;
  if (buf->data)
    buf->data[0] = '\0';
}

void mw_buf_free(struct mw_buf *buf)
{
  free(buf->data);
  mw_buf_init(buf, buf->max);
}
