/* SPDX-License-Identifier: MIT */
/* cli.c - what every command of the mcpwatch command shares: the one way it fails, its --help
 * and its --format values. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_fail(const char *service, const char *fmt, ...)
{
  va_list ap;

  printf("%s UNKNOWN - ", service);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  return MW_UNKNOWN;
}

const char *const cli_formats[] = {"text", "json", NULL};

void cli_help(const struct mw_option *options, const struct mw_option *more, const char *fmt, ...)
{
  struct mw_buf text;
  va_list ap;

  mw_buf_init(&text, 1 << 20);
  va_start(ap, fmt);
  mw_buf_vaddf(&text, fmt, ap);
  va_end(ap);
  mw_buf_adds(&text, "Options:\n");
  mw_options_help(options, &text);
  if (more)
    mw_options_help(more, &text);
  fputs(mw_buf_str(&text), stdout);
  mw_buf_free(&text);
}
