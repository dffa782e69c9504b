/* SPDX-License-Identifier: MIT */
/* spool.c - the durable queue between a state change and its receiver: writing events,
 * delivering them in order with backoff, and the dead-letter folder. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool_impl.h"

#define BACKOFF_FILE ".backoff"
#define LOCK_FILE ".lock"
#define BACKOFF_BASE 1.0
#define BACKOFF_CAP 300.0
/* A retry waited for is started only with this much of the deadline left after the wait: one
 * with less could only time out, and its timeout would replace why the attempt before it failed
 * (a refused password, a certificate) in what the operator reads. */
#define RETRY_MIN_NS (500LL * 1000000LL)

double mw_backoff_seconds(unsigned attempt, double retry_after, double rand01)
{
  double delay = BACKOFF_BASE;
  unsigned i;

  for (i = 1; i < attempt && delay < BACKOFF_CAP; i++)
    delay *= 2;
  if (delay > BACKOFF_CAP)
    delay = BACKOFF_CAP;
  delay *= 0.5 + rand01 / 2;
  return retry_after > delay ? retry_after : delay;
}

/* ---- queue ---- */

static int event_filter(const struct dirent *entry)
{
  size_t len = strlen(entry->d_name);

  return entry->d_name[0] == 'E' && len > 6 && strcmp(entry->d_name + len - 6, ".event") == 0;
}

static int list_events(const char *folder, struct dirent ***entries)
{
  return scandir(folder, entries, event_filter, alphasort);
}

static void free_entries(struct dirent **entries, int n)
{
  int i;

  for (i = 0; i < n; i++)
    free(entries[i]);
  free(entries);
}

long mw_spool_pending(const struct mw_destination *dest)
{
  struct dirent **entries = NULL;
  int n = list_events(dest->folder, &entries);

  if (n < 0)
    return -1;
  free_entries(entries, n);
  return n;
}

/* Names sort in the order events were queued: wall-clock nanoseconds, made strictly increasing
 * within the process, then the writer's pid and a counter for writers in the same nanosecond. */
void spool_event_name(char *out, size_t outlen)
{
  static int64_t last_ns;
  static unsigned long counter;
  struct timespec ts;
  int64_t now;
  int64_t prev;

  clock_gettime(CLOCK_REALTIME, &ts);
  now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  prev = __atomic_load_n(&last_ns, __ATOMIC_RELAXED);
  do {
    if (now <= prev)
      now = prev + 1;
  } while (!__atomic_compare_exchange_n(&last_ns, &prev, now, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
  snprintf(out, outlen, "E%020lld-%010ld-%06lu.event", (long long)now, (long)getpid(),
           __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) % 1000000);
}

int mw_spool_enqueue(struct mw_destination *dest, const struct mw_event *event, size_t max_events,
                     char *name_out, size_t namelen, char *err, size_t errlen)
{
  struct mw_buf text;
  char name[80];
  long pending;
  int result = -1;

  pending = mw_spool_pending(dest);
  if (pending < 0) {
    snprintf(err, errlen, "cannot read the spool %s: %s", dest->folder, strerror(errno));
    return -1;
  }
  if (max_events > 0 && (size_t)pending >= max_events) {
    snprintf(err, errlen,
             "spool full: %ld events wait in %s (limit %zu); this event was NOT queued: deliver "
             "them ('mcpwatch flush') or raise the limit",
             pending, dest->folder, max_events);
    return -1;
  }
  mw_buf_init(&text, EVENT_FILE_MAX);
  if (mw_event_serialize(event, &text) != 0) {
    snprintf(err, errlen, "event too large");
    goto cleanup;
  }
  spool_event_name(name, sizeof(name));
  result = fileio_write_durably(dest->folder, name, text.data, text.len, err, errlen);
  if (result == 0 && name_out)
    snprintf(name_out, namelen, "%s", name);
cleanup:
  mw_buf_free(&text);
  return result;
}

int mw_spool_where(const struct mw_destination *dest, const char *name)
{
  struct mw_buf path;
  struct stat st;
  int where = 1;

  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/%s", dest->folder, name);
  if (!path.failed && stat(path.data, &st) == 0)
    where = 0;
  mw_buf_reset(&path);
  mw_buf_addf(&path, "%s/" DEAD_DIR "/%s", dest->folder, name);
  if (where && !path.failed && stat(path.data, &st) == 0)
    where = 2;
  mw_buf_free(&path);
  return where;
}

/* ---- delivery ---- */

struct backoff {
  unsigned attempts;
  int64_t next_ms;
};

static void backoff_load(const struct mw_destination *dest, struct backoff *b)
{
  char *path = fileio_path_join(dest->folder, BACKOFF_FILE);
  char *text;
  size_t len;
  unsigned long long next = 0;

  b->attempts = 0;
  b->next_ms = 0;
  text = path ? fileio_read(path, 256, &len) : NULL;
  if (text && sscanf(text, "%u %llu", &b->attempts, &next) == 2)
    b->next_ms = (int64_t)next;
  free(text);
  free(path);
}

static void logf_(mw_log_fn log, void *ctx, enum mw_log_level level, const char *fmt, ...)
    MW_PRINTF(4, 5);

/* A backoff that cannot be written is only held in memory: said, since the next process will
 * try at once. */
static void backoff_save(const struct mw_destination *dest, const struct backoff *b, mw_log_fn log,
                         void *log_ctx)
{
  char text[64];
  char err[ERR_MAX_SPOOL];
  char *path;

  if (b->attempts == 0) {
    path = fileio_path_join(dest->folder, BACKOFF_FILE);
    if (path && unlink(path) != 0 && errno != ENOENT)
      logf_(log, log_ctx, MW_LOG_WARNING, "%s: cannot remove %s: %s", dest->name, path,
            strerror(errno));
    free(path);
    return;
  }
  snprintf(text, sizeof(text), "%u %lld\n", b->attempts, (long long)b->next_ms);
  if (fileio_write_durably(dest->folder, BACKOFF_FILE, text, strlen(text), err, sizeof(err)) != 0)
    logf_(log, log_ctx, MW_LOG_WARNING, "%s: the backoff is not kept for later runs: %s",
          dest->name, err);
}

static void logf_(mw_log_fn log, void *ctx, enum mw_log_level level, const char *fmt, ...)
{
  char message[1024];
  va_list ap;

  if (!log)
    return;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  log(ctx, level, message);
}

static void dead_letter(struct mw_destination *dest, const char *name, const char *reason)
{
  char err[ERR_MAX_SPOOL];
  char reason_name[128];
  char *dead = fileio_path_join(dest->folder, DEAD_DIR);
  char *from = fileio_path_join(dest->folder, name);
  char *to = dead ? fileio_path_join(dead, name) : NULL;

  if (dead && fileio_make_dir(dead, err, sizeof(err)) == 0) {
    snprintf(reason_name, sizeof(reason_name), "%s.reason", name);
    fileio_write_durably(dead, reason_name, reason, strlen(reason), err, sizeof(err));
    if (from && to && rename(from, to) == 0) {
      fileio_fsync_dir(dest->folder);
      fileio_fsync_dir(dead);
    }
  }
  free(dead);
  free(from);
  free(to);
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* One event until it is delivered or rejected (true), or must wait past what is allowed (false). */
static bool deliver_one(struct mw_destination *dest, const char *name, struct backoff *b,
                        mw_deadline deadline, unsigned *flags, mw_log_fn log, void *log_ctx,
                        struct mw_deliver_report *report)
{
  const struct mw_notifier *n = dest->plugin.notifier;
  struct mw_event_data data;
  struct mw_send_status status;
  char why[ERR_MAX_SPOOL];
  char *path = fileio_path_join(dest->folder, name);
  char *text;
  size_t len;
  int64_t attempt_ns = (int64_t)(mw_args_duration(dest->args, "timeout") * 1e9);
  bool done = false;

  text = path ? fileio_read(path, EVENT_FILE_MAX, &len) : NULL;
  if (!text) {
    if (errno != ENOENT) {
      snprintf(why, sizeof(why), "unreadable: %s", strerror(errno));
      dead_letter(dest, name, why);
      report->rejected++;
      logf_(log, log_ctx, MW_LOG_ERROR, "%s: event %s moved to %s/dead: %s", dest->name, name,
            dest->folder, why);
    }
    free(path);
    return true;
  }
  if (mw_event_parse(text, len, &data, why, sizeof(why)) != 0) {
    dead_letter(dest, name, why);
    report->rejected++;
    logf_(log, log_ctx, MW_LOG_ERROR, "%s: event %s moved to %s/dead: %s", dest->name, name,
          dest->folder, why);
    free(text);
    free(path);
    return true;
  }
  free(text);
  while (!done) {
    int64_t now_ms = clock_realtime_ms();
    mw_deadline attempt_deadline;
    if (!(*flags & MW_DELIVER_NOW) && b->next_ms > now_ms) {
      int64_t wait = b->next_ms - now_ms;
      if (!(*flags & MW_DELIVER_WAIT) || mw_now_ns() + wait * 1000000 + RETRY_MIN_NS >= deadline) {
        report->next_attempt_ms = b->next_ms;
        if (!report->reason[0])
          snprintf(report->reason, sizeof(report->reason),
                   "earlier attempts failed: next in %.0f s ('mcpwatch flush --now' tries at once)",
                   (double)wait / 1000.0 + 0.5);
        break;
      }
      sleep_ms(wait);
    }
    if (mw_deadline_passed(deadline)) {
      snprintf(report->reason, sizeof(report->reason), "out of time");
      break;
    }
    attempt_deadline = mw_now_ns() + attempt_ns;
    if (attempt_deadline > deadline)
      attempt_deadline = deadline;
    memset(&status, 0, sizeof(status));
    status.outcome = MW_RETRY;
    n->send(dest->state, &data.event, attempt_deadline, &status);
    status.reason[sizeof(status.reason) - 1] = '\0';
    mw_destination_scrub(dest, status.reason, sizeof(status.reason));
    *flags &= ~MW_DELIVER_NOW;
    if (status.outcome == MW_RETRY) {
      double delay;
      b->attempts++;
      delay = mw_backoff_seconds(b->attempts, status.retry_after, mw_random01());
      b->next_ms = clock_realtime_ms() + (int64_t)(delay * 1000);
      backoff_save(dest, b, log, log_ctx);
      snprintf(report->reason, sizeof(report->reason), "%s", status.reason);
      logf_(log, log_ctx, MW_LOG_WARNING, "%s: %s (%s %s): %s; attempt %u, next in %.1f s",
            dest->name, data.event.id, data.event.service, mw_state_name(data.event.state),
            status.reason, b->attempts, delay);
      continue;
    }
    if (status.outcome == MW_DELIVERED)
      crash_point("delivered"); /* accepted, not yet removed: the one duplicate */
    if (status.outcome == MW_REJECTED) {
      dead_letter(dest, name, status.reason);
      report->rejected++;
      logf_(log, log_ctx, MW_LOG_ERROR, "%s: %s (%s %s) rejected, moved to %s/dead: %s", dest->name,
            data.event.id, data.event.service, mw_state_name(data.event.state), dest->folder,
            status.reason);
    } else if (unlink(path) != 0) {
      /* Sending it again and again would be worse than stopping: say so and stop. */
      logf_(log, log_ctx, MW_LOG_ERROR,
            "%s: %s was delivered but cannot be removed from the spool (%s): delivery of this "
            "queue stops until it is",
            dest->name, path, strerror(errno));
      report->delivered++;
      snprintf(report->reason, sizeof(report->reason), "cannot remove %s", name);
      break;
    } else {
      fileio_fsync_dir(dest->folder);
      report->delivered++;
      logf_(log, log_ctx, MW_LOG_INFO, "%s: %s (%s %s) delivered%s%s", dest->name, data.event.id,
            data.event.service, mw_state_name(data.event.state), status.reason[0] ? ": " : "",
            status.reason);
    }
    if (b->attempts) {
      b->attempts = 0;
      b->next_ms = 0;
      backoff_save(dest, b, log, log_ctx);
    }
    done = true;
  }
  mw_event_data_free(&data);
  free(path);
  return done;
}

/* The queue as it is now, in order; false when an event had to stay. */
static bool deliver_locked(struct mw_destination *dest, mw_deadline deadline, unsigned *flags,
                           mw_log_fn log, void *log_ctx, struct mw_deliver_report *report)
{
  struct dirent **entries = NULL;
  struct backoff b;
  int n;
  int i;
  bool flowing = true;

  n = list_events(dest->folder, &entries);
  if (n < 0) {
    snprintf(report->reason, sizeof(report->reason), "cannot read %s: %s", dest->folder,
             strerror(errno));
    return false;
  }
  backoff_load(dest, &b);
  for (i = 0; i < n && flowing; i++)
    flowing = deliver_one(dest, entries[i]->d_name, &b, deadline, flags, log, log_ctx, report);
  free_entries(entries, n);
  return flowing;
}

void mw_spool_deliver(struct mw_destination *dest, mw_deadline deadline, unsigned flags,
                      mw_log_fn log, void *log_ctx, struct mw_deliver_report *report)
{
  char *lock_path = fileio_path_join(dest->folder, LOCK_FILE);
  long pending;

  memset(report, 0, sizeof(*report));
  /* Checked again before every delivery: the destination file names the receiver and the key
   * files, so one another user could have changed is not acted upon. */
  if (dest->saved && spool_check_destination(dest, report->reason, sizeof(report->reason)) != 0) {
    logf_(log, log_ctx, MW_LOG_ERROR, "%s: %s; nothing is sent", dest->name, report->reason);
    pending = mw_spool_pending(dest);
    report->pending = pending > 0 ? (size_t)pending : 0;
    free(lock_path);
    return;
  }
  for (;;) {
    int fd = lock_path ? open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640) : -1;
    bool flowing;
    if (fd < 0) {
      snprintf(report->reason, sizeof(report->reason), "cannot open %s: %s",
               lock_path ? lock_path : dest->folder, strerror(errno));
      break;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      /* The holder looks at the queue again after it lets go, so it sends ours too. */
      close(fd);
      report->busy = true;
      snprintf(report->reason, sizeof(report->reason), "another process is delivering");
      break;
    }
    /* Staged events of writers that died are settled first: committed ones sort before
     * anything queued after them. */
    if (__atomic_load_n(&dest->unsettled, __ATOMIC_RELAXED))
      spool_recover(dest, log, log_ctx);
    flowing = deliver_locked(dest, deadline, &flags, log, log_ctx, report);
    flock(fd, LOCK_UN);
    close(fd);
    if (!flowing || mw_deadline_passed(deadline) || mw_spool_pending(dest) <= 0)
      break;
  }
  pending = mw_spool_pending(dest);
  report->pending = pending > 0 ? (size_t)pending : 0;
  free(lock_path);
}
