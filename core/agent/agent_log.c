/* SPDX-License-Identifier: MIT */
/* agent_log.c - the agent's log: lines on stderr (the journal under systemd), prefixed
 * "mcpwatch agent:", with errors and warnings that repeat word for word held back. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent_impl.h"

#define LOG_HOLDOFF_FIRST_S 60.0
#define LOG_HOLDOFF_MAX_S 3600.0

/* Errors and warnings that repeat word for word (a receiver down, a file that cannot be
 * written) are held back: written once, then after 1 min, 2, 4, ... up to once an hour. */
static struct mw_ratelog *log_limiter;

void agent_log(const char *fmt, ...)
{
  char line[1024];
  unsigned long held = 0;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (log_limiter && (strncmp(line, "error:", 6) == 0 || strncmp(line, "warning:", 8) == 0) &&
      !mw_ratelog_allow(log_limiter, line, mw_now_ns(), &held))
    return;
  if (held)
    fprintf(stderr, "mcpwatch agent: %s (%lu more like this held back)\n", line, held);
  else
    fprintf(stderr, "mcpwatch agent: %s\n", line);
}

void agent_log_courier(void *ctx, enum mw_log_level level, const char *message)
{
  (void)ctx;
  if (level != MW_LOG_INFO)
    agent_log("%s: %s", level == MW_LOG_ERROR ? "error" : "warning", message);
}

/* The hand-off's lines: errors and warnings held back when repeated, one line per event queued. */
void agent_log_forward(void *ctx, enum mw_log_level level, const char *message)
{
  (void)ctx;
  agent_log("%s%s",
            level == MW_LOG_ERROR     ? "error: "
            : level == MW_LOG_WARNING ? "warning: "
                                      : "",
            message);
}

void agent_log_open(void)
{
  if (!log_limiter)
    log_limiter = mw_ratelog_new(LOG_HOLDOFF_FIRST_S, LOG_HOLDOFF_MAX_S);
}

void agent_log_close(void)
{
  mw_ratelog_free(log_limiter);
  log_limiter = NULL;
}
