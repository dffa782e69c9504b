/* spool.c - the durable queue between a state change and its receiver: destinations, writing
 * events safely, delivering them in order with backoff, and the dead-letter folder. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mw_spool.h"

#define DEST_FILE "destination"
#define DEAD_DIR "dead"
#define BACKOFF_FILE ".backoff"
#define LOCK_FILE ".lock"
#define EVENT_FILE_MAX (1024 * 1024)
#define DEST_NAME_MAX 64
#define ERR_MAX_SPOOL 512
#define BACKOFF_BASE 1.0
#define BACKOFF_CAP 300.0

static int64_t realtime_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double random01(void)
{
  uint32_t r;

  if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
    r = (uint32_t)realtime_ms() * 2654435761u;
  return (double)r / 4294967296.0;
}

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

static bool dest_name_is_valid(const char *name)
{
  size_t len = strlen(name);
  const char *p;

  if (len == 0 || len > DEST_NAME_MAX || name[0] == '.' || name[0] == '-')
    return false;
  for (p = name; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      return false;
  }
  return strcmp(name, DEAD_DIR) != 0;
}

static char *path_join(const char *dir, const char *name)
{
  struct mw_buf path;

  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/%s", dir, name);
  if (path.failed) {
    mw_buf_free(&path);
    return NULL;
  }
  return path.data;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
  if (mkdir(path, 0750) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int result;

  if (fd < 0)
    return -1;
  result = fsync(fd);
  close(fd);
  return result;
}

/* The whole of a small file, NUL-terminated; NULL with errno set. */
static char *read_file(const char *path, size_t max, size_t *len)
{
  struct mw_buf data;
  char chunk[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return NULL;
  mw_buf_init(&data, max);
  while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || mw_buf_add(&data, chunk, (size_t)n) != 0) {
      int saved = n < 0 ? errno : EFBIG;
      close(fd);
      mw_buf_free(&data);
      errno = saved;
      return NULL;
    }
  }
  close(fd);
  if (mw_buf_add(&data, "", 0) != 0 || !data.data) {
    mw_buf_free(&data);
    errno = ENOMEM;
    return NULL;
  }
  *len = data.len;
  return data.data;
}

/* Writes data to dir/final through a temporary file, fsync and rename, then fsyncs dir. */
static int write_durably(const char *dir, const char *final, const char *data, size_t len,
                         char *err, size_t errlen)
{
  static unsigned long counter;
  char tmpname[96];
  char *tmp = NULL;
  char *target = NULL;
  int fd = -1;
  int result = -1;
  size_t done = 0;

  snprintf(tmpname, sizeof(tmpname), ".tmp-%ld-%lu-%08x", (long)getpid(),
           __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED), (unsigned)(random01() * 4e9));
  tmp = path_join(dir, tmpname);
  target = path_join(dir, final);
  if (!tmp || !target) {
    snprintf(err, errlen, "%s: path too long", dir);
    goto cleanup;
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(n < 0 ? errno : EIO));
      goto cleanup;
    }
    done += (size_t)n;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  fd = -1;
  if (rename(tmp, target) != 0) {
    snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  free(tmp);
  tmp = NULL;
  if (fsync_dir(dir) != 0) {
    snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
    goto cleanup;
  }
  result = 0;
cleanup:
  if (fd >= 0)
    close(fd);
  if (tmp)
    unlink(tmp);
  free(tmp);
  free(target);
  return result;
}

/* ---- destinations ---- */

/* "type=T" then "name=value" for every option given, except command-line-only ones. */
static int save_text(const char *type, const struct mw_args *args, struct mw_buf *out)
{
  const struct mw_option *opt;
  size_t i;
  size_t k;

  mw_buf_addf(out, "type=%s\n", type);
  for (i = 0; (opt = mw_args_option_at(args, i)) != NULL; i++) {
    if ((opt->flags & MW_OPT_CLI_ONLY) || !mw_args_given(args, opt->name))
      continue;
    for (k = 0; k < mw_args_count(args, opt->name); k++)
      mw_buf_addf(out, "%s=%s\n", opt->name, mw_args_str_at(args, opt->name, k));
  }
  return out->failed ? -1 : 0;
}

static uint32_t text_hash(const char *text)
{
  uint32_t hash = 2166136261u;

  for (; *text; text++) {
    hash ^= (unsigned char)*text;
    hash *= 16777619u;
  }
  return hash;
}

static int dest_finish_open(struct mw_destination *dest, const char *spool_dir, char *err,
                            size_t errlen)
{
  const struct mw_notifier *n = dest->plugin.notifier;
  char why[ERR_MAX_SPOOL];

  dest->folder = path_join(spool_dir, dest->name);
  if (!dest->folder) {
    snprintf(err, errlen, "%s: path too long", spool_dir);
    return -1;
  }
  if (make_dir(spool_dir, err, errlen) != 0 || make_dir(dest->folder, err, errlen) != 0)
    return -1;
  if (n->open(dest->args, dest->folder, &dest->state, why, sizeof(why)) != 0) {
    dest->state = NULL;
    snprintf(err, errlen, "%s: %s", dest->plugin.notifier->name, why);
    rmdir(dest->folder); /* only when nothing was ever queued there */
    return -1;
  }
  return 0;
}

int mw_destination_open(const char *spool_dir, const char *name, const char *type,
                        const struct mw_setting *settings, size_t nsettings, struct mw_args *args,
                        struct mw_destination **out, char *err, size_t errlen)
{
  struct mw_destination *dest = calloc(1, sizeof(*dest));
  struct mw_buf saved;
  char why[ERR_MAX_SPOOL];
  char *existing = NULL;
  char *dest_file = NULL;
  size_t len;
  size_t i;
  int result = -1;

  *out = NULL;
  mw_buf_init(&saved, 64 * 1024);
  if (!dest) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (mw_notifier_load(type, &dest->plugin, err, errlen) != 0)
    goto cleanup;
  dest->args =
      args ? args : mw_args_new_with(mw_notifier_common_options, dest->plugin.notifier->options);
  if (!dest->args) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < nsettings; i++) {
    if (mw_args_set(dest->args, settings[i].key, settings[i].value, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "line %d: %s", settings[i].line, why);
      goto cleanup;
    }
  }
  if (save_text(type, dest->args, &saved) != 0 || strchr(saved.data, '\r')) {
    snprintf(err, errlen, "%s: options too long", type);
    goto cleanup;
  }
  if (name) {
    dest->name = strdup(name);
  } else {
    char generated[DEST_NAME_MAX + 1];
    snprintf(generated, sizeof(generated), "%s-%08x", type, (unsigned)text_hash(saved.data));
    dest->name = strdup(generated);
  }
  if (!dest->name) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (!dest_name_is_valid(dest->name)) {
    snprintf(err, errlen, "'%.64s' is not a destination name (letters, digits, '-', '_', '.')",
             dest->name);
    goto cleanup;
  }
  if (dest_finish_open(dest, spool_dir, err, errlen) != 0)
    goto cleanup;
  dest_file = path_join(dest->folder, DEST_FILE);
  existing = dest_file ? read_file(dest_file, 64 * 1024, &len) : NULL;
  if (!existing || strcmp(existing, saved.data) != 0) {
    if (write_durably(dest->folder, DEST_FILE, saved.data, saved.len, err, errlen) != 0)
      goto cleanup;
  }
  dest->saved = saved.data;
  saved.data = NULL;
  *out = dest;
  dest = NULL;
  result = 0;
cleanup:
  if (dest && args)
    dest->args = NULL; /* the caller keeps what it passed in on failure */
  mw_destination_close(dest);
  mw_buf_free(&saved);
  free(existing);
  free(dest_file);
  return result;
}

int mw_destination_reopen(const char *spool_dir, const char *name, struct mw_destination **out,
                          char *err, size_t errlen)
{
  struct mw_setting *settings = NULL;
  size_t nsettings = 0;
  char *folder = NULL;
  char *file = NULL;
  char *text = NULL;
  char *line;
  char *next;
  char *type = NULL;
  size_t len;
  int lineno = 0;
  int result = -1;

  *out = NULL;
  if (!dest_name_is_valid(name)) {
    snprintf(err, errlen, "'%.64s' is not a destination name", name);
    return -1;
  }
  folder = path_join(spool_dir, name);
  file = folder ? path_join(folder, DEST_FILE) : NULL;
  text = file ? read_file(file, 64 * 1024, &len) : NULL;
  if (!text) {
    snprintf(err, errlen, "cannot read %s: %s", file ? file : spool_dir, strerror(errno));
    goto cleanup;
  }
  settings = calloc(len / 2 + 1, sizeof(*settings));
  if (!settings) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  for (line = text; line && *line; line = next) {
    char *eq = strchr(line, '=');
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    if (!eq) {
      snprintf(err, errlen, "%s:%d: not NAME=VALUE", file, lineno);
      goto cleanup;
    }
    *eq = '\0';
    if (strcmp(line, "type") == 0) {
      type = eq + 1;
      continue;
    }
    settings[nsettings].key = line;
    settings[nsettings].value = eq + 1;
    settings[nsettings].line = lineno;
    nsettings++;
  }
  if (!type) {
    snprintf(err, errlen, "%s has no type= line", file);
    goto cleanup;
  }
  result = mw_destination_open(spool_dir, name, type, settings, nsettings, NULL, out, err, errlen);
cleanup:
  free(settings);
  free(text);
  free(file);
  free(folder);
  return result;
}

void mw_destination_close(struct mw_destination *dest)
{
  if (!dest)
    return;
  if (dest->state)
    dest->plugin.notifier->close(dest->state);
  mw_args_free(dest->args);
  mw_notifier_unload(&dest->plugin);
  free(dest->name);
  free(dest->folder);
  free(dest->saved);
  free(dest);
}

static int dir_filter(const struct dirent *entry)
{
  return entry->d_name[0] != '.';
}

int mw_spool_destinations(const char *spool_dir, char ***names, size_t *count)
{
  struct dirent **entries = NULL;
  char **list;
  int n;
  int i;
  size_t k = 0;

  *names = NULL;
  *count = 0;
  n = scandir(spool_dir, &entries, dir_filter, alphasort);
  if (n < 0)
    return errno == ENOENT ? 0 : -1;
  list = calloc((size_t)n + 1, sizeof(char *));
  for (i = 0; i < n; i++) {
    char *folder = path_join(spool_dir, entries[i]->d_name);
    char *file = folder ? path_join(folder, DEST_FILE) : NULL;
    struct stat st;
    if (list && file && stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
        dest_name_is_valid(entries[i]->d_name)) {
      list[k] = strdup(entries[i]->d_name);
      if (list[k])
        k++;
    }
    free(file);
    free(folder);
    free(entries[i]);
  }
  free(entries);
  if (!list)
    return -1;
  *names = list;
  *count = k;
  return 0;
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
static void event_file_name(char *out, size_t outlen)
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
  event_file_name(name, sizeof(name));
  result = write_durably(dest->folder, name, text.data, text.len, err, errlen);
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
  char *path = path_join(dest->folder, BACKOFF_FILE);
  char *text;
  size_t len;
  unsigned long long next = 0;

  b->attempts = 0;
  b->next_ms = 0;
  text = path ? read_file(path, 256, &len) : NULL;
  if (text && sscanf(text, "%u %llu", &b->attempts, &next) == 2)
    b->next_ms = (int64_t)next;
  free(text);
  free(path);
}

static void backoff_save(const struct mw_destination *dest, const struct backoff *b)
{
  char text[64];
  char err[ERR_MAX_SPOOL];
  char *path;

  if (b->attempts == 0) {
    path = path_join(dest->folder, BACKOFF_FILE);
    if (path)
      unlink(path);
    free(path);
    return;
  }
  snprintf(text, sizeof(text), "%u %lld\n", b->attempts, (long long)b->next_ms);
  write_durably(dest->folder, BACKOFF_FILE, text, strlen(text), err, sizeof(err));
}

static void logf_(mw_log_fn log, void *ctx, enum mw_log_level level, const char *fmt, ...)
    MW_PRINTF(4, 5);
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
  char *dead = path_join(dest->folder, DEAD_DIR);
  char *from = path_join(dest->folder, name);
  char *to = dead ? path_join(dead, name) : NULL;

  if (dead && make_dir(dead, err, sizeof(err)) == 0) {
    snprintf(reason_name, sizeof(reason_name), "%s.reason", name);
    write_durably(dead, reason_name, reason, strlen(reason), err, sizeof(err));
    if (from && to && rename(from, to) == 0) {
      fsync_dir(dest->folder);
      fsync_dir(dead);
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
  char *path = path_join(dest->folder, name);
  char *text;
  size_t len;
  int64_t attempt_ns = (int64_t)(mw_args_duration(dest->args, "timeout") * 1e9);
  bool done = false;

  text = path ? read_file(path, EVENT_FILE_MAX, &len) : NULL;
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
    int64_t now_ms = realtime_ms();
    mw_deadline attempt_deadline;
    if (!(*flags & MW_DELIVER_NOW) && b->next_ms > now_ms) {
      int64_t wait = b->next_ms - now_ms;
      if (!(*flags & MW_DELIVER_WAIT) || mw_now_ns() + wait * 1000000 >= deadline) {
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
    *flags &= ~MW_DELIVER_NOW;
    if (status.outcome == MW_RETRY) {
      double delay;
      b->attempts++;
      delay = mw_backoff_seconds(b->attempts, status.retry_after, random01());
      b->next_ms = realtime_ms() + (int64_t)(delay * 1000);
      backoff_save(dest, b);
      snprintf(report->reason, sizeof(report->reason), "%s", status.reason);
      logf_(log, log_ctx, MW_LOG_WARNING, "%s: %s (%s %s): %s; attempt %u, next in %.1f s",
            dest->name, data.event.id, data.event.service, mw_state_name(data.event.state),
            status.reason, b->attempts, delay);
      continue;
    }
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
      fsync_dir(dest->folder);
      report->delivered++;
      logf_(log, log_ctx, MW_LOG_INFO, "%s: %s (%s %s) delivered%s%s", dest->name, data.event.id,
            data.event.service, mw_state_name(data.event.state), status.reason[0] ? ": " : "",
            status.reason);
    }
    if (b->attempts) {
      b->attempts = 0;
      b->next_ms = 0;
      backoff_save(dest, b);
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
  char *lock_path = path_join(dest->folder, LOCK_FILE);
  long pending;

  memset(report, 0, sizeof(*report));
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
