/* SPDX-License-Identifier: MIT */
/* passive.c - every agent result as a Nagios external command,
 *   [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;SERVICE;CODE;OUTPUT|PERFDATA
 * written to the command file (a FIFO Nagios reads, or a plain file). One write per line, each
 * under PIPE_BUF, so lines from several workers never interleave. A FIFO nobody reads is not
 * an error worth stopping for: results are dropped (said once) and the file reopened later. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_impl.h"

#define LINE_MAX_BYTES (PIPE_BUF - 1)
#define REOPEN_NS (5LL * 1000000000LL)

struct passive {
  char *path;
  char host[256];
  pthread_mutex_t lock;
  int fd;
  int64_t reopen_at;
  bool complained;
};

struct passive *passive_new(const char *path, const char *host)
{
  struct passive *p = calloc(1, sizeof(*p));

  if (!p || !(p->path = strdup(path))) {
    free(p);
    return NULL;
  }
  snprintf(p->host, sizeof(p->host), "%s", host);
  pthread_mutex_init(&p->lock, NULL);
  p->fd = -1;
  return p;
}

/* The Nagios output on one line: newlines become the two characters \n, as Nagios 4 reads them
 * back. */
static void one_line(const char *text, struct mw_buf *out)
{
  for (; *text; text++) {
    if (*text == '\n')
      mw_buf_adds(out, "\\n");
    else if (*text != '\r')
      mw_buf_add(out, text, 1);
  }
}

/* With p->lock held. */
static bool ensure_open(struct passive *p)
{
  if (p->fd >= 0)
    return true;
  if (mw_now_ns() < p->reopen_at)
    return false;
  p->fd = open(p->path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
  if (p->fd < 0) {
    if (!p->complained)
      fprintf(stderr,
              "mcpwatch agent: warning: cannot open the command file %s: %s; results are "
              "dropped until it can be opened (tried again every 5 s)\n",
              p->path, strerror(errno));
    p->complained = true;
    p->reopen_at = mw_now_ns() + REOPEN_NS;
    return false;
  }
  if (p->complained)
    fprintf(stderr, "mcpwatch agent: the command file %s is open again\n", p->path);
  p->complained = false;
  return true;
}

void passive_result(struct passive *p, const char *service, const char *check,
                    const struct mw_result *res, int64_t now)
{
  struct mw_buf text;
  struct mw_buf line;
  char name[80];
  size_t len;

  if (!p || !res)
    return;
  mw_service_name(check, name, sizeof(name));
  mw_buf_init(&text, 1 << 20);
  mw_buf_init(&line, 1 << 20);
  mw_render_nagios(res, name, &text);
  if (text.len && text.data[text.len - 1] == '\n')
    text.data[--text.len] = '\0';
  mw_buf_addf(&line, "[%lld] PROCESS_SERVICE_CHECK_RESULT;%s;%s;%d;", (long long)now, p->host,
              service, (int)mw_result_get_state(res));
  one_line(mw_buf_str(&text), &line);
  len = mw_utf8_prefix(mw_buf_str(&line), LINE_MAX_BYTES - 1);
  if (line.data) {
    line.data[len] = '\n';
    pthread_mutex_lock(&p->lock);
    if (ensure_open(p) && write(p->fd, line.data, len + 1) != (ssize_t)(len + 1)) {
      /* The reader went away (EPIPE) or the pipe is full: drop this one, reopen later. */
      if (!p->complained)
        fprintf(stderr,
                "mcpwatch agent: warning: writing to %s: %s; results are dropped until "
                "it can be written again\n",
                p->path, strerror(errno));
      p->complained = true;
      close(p->fd);
      p->fd = -1;
      p->reopen_at = mw_now_ns() + REOPEN_NS;
    }
    pthread_mutex_unlock(&p->lock);
  }
  mw_buf_free(&line);
  mw_buf_free(&text);
}

void passive_free(struct passive *p)
{
  if (!p)
    return;
  if (p->fd >= 0)
    close(p->fd);
  pthread_mutex_destroy(&p->lock);
  free(p->path);
  free(p);
}
