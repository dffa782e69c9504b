/* SPDX-License-Identifier: MIT */
/* staging.c - the write-ahead half of the spool: an event is first written under a name that
 * delivery skips (P...), the state file then records the hand-off, and only then is the event
 * renamed into the queue (E...). What a killed writer leaves behind is settled by
 * spool_recover: a staged event whose state file reached its number is committed, any other
 * is removed (the state on disk never recorded it, so the change will be seen again), and
 * temporary files of writers that are gone are deleted. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool_impl.h"

#define STAGED_TRACK "staged_track "
#define STAGED_SEQ "staged_seq "
/* A writer finishes a hand-off in milliseconds; anything older was left by one that died, even
 * when its pid has been taken by another process since. */
#define STALE_AFTER_S 300

/* Hand-offs of this process between staging and commit: its own staged files are left alone
 * while there are any (a reload opens destinations while the old workers still run). */
static long inflight;

/* ---- staging ---- */

int spool_stage(struct mw_destination *dest, const struct mw_event *event, size_t max_events,
                const char *track_path, uint64_t seq, char *staged, size_t stagedlen, char *err,
                size_t errlen)
{
  struct mw_buf text;
  char name[80];
  long pending;
  int result = -1;

  if (strchr(track_path, '\n')) {
    snprintf(err, errlen, "%s: a state folder name may not hold a newline", track_path);
    return -1;
  }
  pending = mw_spool_pending(dest);
  if (pending < 0) {
    snprintf(err, errlen, "cannot read the spool %s: %s", dest->folder, strerror(errno));
    return -1;
  }
  if (max_events > 0 && (size_t)pending >= max_events) {
    snprintf(err, errlen, "spool full: %ld events wait in %s (limit %zu)", pending, dest->folder,
             max_events);
    return -1;
  }
  mw_buf_init(&text, EVENT_FILE_MAX);
  if (mw_event_serialize(event, &text) != 0) {
    snprintf(err, errlen, "event too large");
    goto cleanup;
  }
  mw_buf_addf(&text, STAGED_TRACK "%s\n" STAGED_SEQ "%llu\n", track_path, (unsigned long long)seq);
  spool_event_name(name, sizeof(name));
  name[0] = 'P';
  if (text.failed) {
    snprintf(err, errlen, "event too large");
    goto cleanup;
  }
  __atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
  result = fileio_write_durably(dest->folder, name, text.data, text.len, err, errlen);
  if (result != 0)
    __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
  else
    snprintf(staged, stagedlen, "%s", name);
cleanup:
  mw_buf_free(&text);
  return result;
}

static int rename_in(const char *folder, const char *from, const char *to)
{
  char *a = fileio_path_join(folder, from);
  char *b = fileio_path_join(folder, to);
  int result = a && b ? rename(a, b) : -1;

  if (!a || !b)
    errno = ENAMETOOLONG;
  free(a);
  free(b);
  return result;
}

static void committed_name(const char *staged, char *out, size_t outlen)
{
  snprintf(out, outlen, "E%s", staged + 1);
}

int spool_commit(struct mw_destination *dest, const char *staged, char *err, size_t errlen)
{
  char name[96];
  int result;

  committed_name(staged, name, sizeof(name));
  result = rename_in(dest->folder, staged, name);
  if (result != 0) {
    snprintf(err, errlen, "cannot queue %s/%s: %s", dest->folder, staged, strerror(errno));
    /* Left for spool_recover, which the next delivery runs. */
    __atomic_store_n(&dest->unsettled, true, __ATOMIC_RELAXED);
  } else if (fileio_fsync_dir(dest->folder) != 0) {
    snprintf(err, errlen, "cannot sync %s: %s", dest->folder, strerror(errno));
    result = -1;
  }
  __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
  return result;
}

void spool_discard(struct mw_destination *dest, const char *staged)
{
  char *path = fileio_path_join(dest->folder, staged);

  if (path && unlink(path) == 0)
    fileio_fsync_dir(dest->folder);
  free(path);
  __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
}

/* ---- recovery ---- */

/* The pid in ".tmp-PID-..." or "PNS-PID-N.event"; 0 when there is none. */
static long writer_pid(const char *name)
{
  const char *dash = strchr(name, '-');

  return dash ? strtol(dash + 1, NULL, 10) : 0;
}

/* Whether the writer of this file can no longer be writing it. */
static bool is_abandoned(const char *folder, const char *name)
{
  long pid = writer_pid(name);
  char *path = fileio_path_join(folder, name);
  struct stat st;
  bool old;

  if (!path || lstat(path, &st) != 0) {
    free(path);
    return false;
  }
  free(path);
  old = time(NULL) - st.st_mtime > STALE_AFTER_S;
  if (old || pid <= 0)
    return true;
  if (pid == (long)getpid())
    return __atomic_load_n(&inflight, __ATOMIC_SEQ_CST) == 0;
  return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int stale_filter(const struct dirent *entry)
{
  return entry->d_name[0] == 'P' || strncmp(entry->d_name, ".tmp-", 5) == 0;
}

/* The state file and number a staged event names; -1 when it names none. */
static int staged_reference(const char *text, char *track, size_t tracklen, uint64_t *seq)
{
  const char *t = strstr(text, "\n" STAGED_TRACK);
  const char *s = strstr(text, "\n" STAGED_SEQ);
  const char *end;

  if (!t || !s)
    return -1;
  t += 1 + strlen(STAGED_TRACK);
  end = strchr(t, '\n');
  if (!end || (size_t)(end - t) >= tracklen)
    return -1;
  snprintf(track, tracklen, "%.*s", (int)(end - t), t);
  *seq = strtoull(s + 1 + strlen(STAGED_SEQ), NULL, 10);
  return 0;
}

static void settle_staged(struct mw_destination *dest, const char *name, mw_log_fn log,
                          void *log_ctx, size_t *committed)
{
  char *path = fileio_path_join(dest->folder, name);
  char track[4096];
  char message[768];
  char err[ERR_MAX_SPOOL];
  char final[96];
  uint64_t seq = 0;
  uint64_t recorded;
  bool found = false;
  size_t len;
  char *text = path ? fileio_read(path, EVENT_FILE_MAX, &len) : NULL;

  if (!text || staged_reference(text, track, sizeof(track), &seq) != 0) {
    /* A torn or foreign file: nothing recorded a hand-off of it. */
    if (path && unlink(path) == 0 && log) {
      snprintf(message, sizeof(message), "%s: removed %s, an unreadable staged event", dest->name,
               name);
      log(log_ctx, MW_LOG_WARNING, message);
    }
    goto cleanup;
  }
  recorded = spool_track_seq(track, &found);
  if (found && recorded >= seq) {
    committed_name(name, final, sizeof(final));
    if (rename_in(dest->folder, name, final) == 0) {
      (*committed)++;
      snprintf(message, sizeof(message),
               "%s: queued %s, staged by a writer that stopped after recording it", dest->name,
               final);
    } else {
      snprintf(err, sizeof(err), "%s", strerror(errno));
      snprintf(message, sizeof(message), "%s: cannot queue %s: %s", dest->name, name, err);
      __atomic_store_n(&dest->unsettled, true, __ATOMIC_RELAXED);
    }
  } else {
    unlink(path);
    snprintf(message, sizeof(message),
             "%s: removed %s, staged by a writer that stopped before recording it (the change "
             "is seen again at the next run)",
             dest->name, name);
  }
  if (log)
    log(log_ctx, MW_LOG_INFO, message);
cleanup:
  free(text);
  free(path);
}

size_t spool_recover(struct mw_destination *dest, mw_log_fn log, void *log_ctx)
{
  struct dirent **entries = NULL;
  size_t committed = 0;
  bool left = false;
  int n;
  int i;

  __atomic_store_n(&dest->unsettled, false, __ATOMIC_RELAXED);
  n = scandir(dest->folder, &entries, stale_filter, alphasort);
  for (i = 0; i < n; i++) {
    const char *name = entries[i]->d_name;
    if (!is_abandoned(dest->folder, name)) {
      left = true;
    } else if (name[0] == 'P') {
      settle_staged(dest, name, log, log_ctx, &committed);
    } else {
      char *path = fileio_path_join(dest->folder, name);
      if (path)
        unlink(path);
      free(path);
    }
    free(entries[i]);
  }
  free(entries);
  if (committed)
    fileio_fsync_dir(dest->folder);
  if (left)
    __atomic_store_n(&dest->unsettled, true, __ATOMIC_RELAXED);
  return committed;
}

void mw_spool_remove_stale(const char *folder)
{
  struct dirent **entries = NULL;
  int n = scandir(folder, &entries, stale_filter, alphasort);
  int i;

  for (i = 0; i < n; i++) {
    const char *name = entries[i]->d_name;
    if (name[0] == '.' && is_abandoned(folder, name)) {
      char *path = fileio_path_join(folder, name);
      if (path)
        unlink(path);
      free(path);
    }
    free(entries[i]);
  }
  free(entries);
}
