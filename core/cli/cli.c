/* SPDX-License-Identifier: MIT */
/* cli.c - what every command of the mcpwatch command shares: the one way it fails. */
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
