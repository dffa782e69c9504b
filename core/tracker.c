/* tracker.c - hard and soft states per check instance, kept in a small file between runs, so
 * that a scheduler without memory of its own (cron running `mcpwatch run --notify`) notifies
 * on state changes only, as Nagios would. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool_io.h"

void mw_track_init(struct mw_track *track)
{
  memset(track, 0, sizeof(*track));
  track->hard = MW_OK;
  track->last = MW_OK;
}

static enum mw_track_action go_hard(struct mw_track *track, enum mw_state state, int64_t now)
{
  track->hard = state;
  track->last = state;
  track->attempts = 0;
  track->hard_since = now;
  if (state == MW_OK) {
    if (!track->problem_notified)
      return MW_TRACK_NONE;
    track->problem_notified = false;
    track->last_notified = now;
    return MW_TRACK_RECOVERY;
  }
  track->problem_notified = true;
  track->last_notified = now;
  return MW_TRACK_PROBLEM;
}

enum mw_track_action mw_track_update(struct mw_track *track, enum mw_state state,
                                     const struct mw_track_policy *policy, int64_t now)
{
  int max_attempts = policy->max_attempts > 0 ? policy->max_attempts : 1;

  if (state == track->hard) {
    track->last = state;
    track->attempts = 0;
    if (state != MW_OK && track->problem_notified && policy->renotify > 0 &&
        (double)(now - track->last_notified) >= policy->renotify) {
      track->last_notified = now;
      return MW_TRACK_RENOTIFY;
    }
    return MW_TRACK_NONE;
  }
  /* A recovery, and a change from one problem to another, are hard at once. */
  if (state == MW_OK || track->hard != MW_OK)
    return go_hard(track, state, now);
  track->attempts = track->last != MW_OK ? track->attempts + 1 : 1;
  track->last = state;
  if (track->attempts >= max_attempts)
    return go_hard(track, state, now);
  return MW_TRACK_NONE;
}

#define STATE_NAME_MAX 180

/* STATE_DIR/NAME.SUFFIX with NAME made a safe file name: characters outside letters, digits,
 * '-', '_' and '.' (and a leading '.') become '_', and a long name is cut and ends in a hash of
 * the whole, so distinct names keep distinct files. */
static char *state_path(const char *state_dir, const char *name, const char *suffix)
{
  struct mw_buf path;
  const char *p;
  size_t len = strlen(name);
  size_t keep = len > STATE_NAME_MAX ? STATE_NAME_MAX : len;

  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/", state_dir);
  for (p = name; p < name + keep; p++) {
    bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '-' || *p == '_' || (*p == '.' && p != name);
    mw_buf_add(&path, safe ? p : "_", 1);
  }
  if (keep < len)
    mw_buf_addf(&path, "~%08x", (unsigned)spool_hash32(name));
  mw_buf_adds(&path, suffix);
  if (path.failed) {
    mw_buf_free(&path);
    return NULL;
  }
  return path.data;
}

int mw_track_load(const char *state_dir, const char *name, struct mw_track *track, char *err,
                  size_t errlen)
{
  char *path = state_path(state_dir, name, ".state");
  char hard[16];
  char last[16];
  long long since;
  long long notified;
  int attempts;
  int problem;
  FILE *fp;
  int result = -1;

  mw_track_init(track);
  if (!path) {
    snprintf(err, errlen, "%s: path too long", state_dir);
    return -1;
  }
  fp = fopen(path, "re");
  if (!fp) {
    result = errno == ENOENT ? 0 : -1;
    if (result)
      snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    free(path);
    return result;
  }
  if (fscanf(fp, "hard=%15s last=%15s attempts=%d since=%lld notified=%lld problem_sent=%d", hard,
             last, &attempts, &since, &notified, &problem) == 6 &&
      mw_state_parse(hard, &track->hard) == 0 && mw_state_parse(last, &track->last) == 0 &&
      attempts >= 0) {
    track->attempts = attempts;
    track->hard_since = since;
    track->last_notified = notified;
    track->problem_notified = problem != 0;
    result = 0;
  } else {
    mw_track_init(track);
    snprintf(err, errlen, "%s is not an mcpwatch state file", path);
  }
  fclose(fp);
  free(path);
  return result;
}

int mw_track_save(const char *state_dir, const char *name, const struct mw_track *track, char *err,
                  size_t errlen)
{
  char *path = state_path(state_dir, name, ".state");
  char *tmp = state_path(state_dir, name, ".state.tmp");
  FILE *fp = NULL;
  int result = -1;

  if (!path || !tmp) {
    snprintf(err, errlen, "%s: path too long", state_dir);
    goto cleanup;
  }
  if (mkdir(state_dir, 0750) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
    goto cleanup;
  }
  fp = fopen(tmp, "we");
  if (!fp) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  fprintf(fp, "hard=%s last=%s attempts=%d since=%lld notified=%lld problem_sent=%d\n",
          mw_state_name(track->hard), mw_state_name(track->last), track->attempts,
          (long long)track->hard_since, (long long)track->last_notified,
          track->problem_notified ? 1 : 0);
  if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  if (fclose(fp) != 0) {
    fp = NULL;
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  fp = NULL;
  if (rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  result = 0;
cleanup:
  if (fp)
    fclose(fp);
  if (result != 0 && tmp)
    unlink(tmp);
  free(path);
  free(tmp);
  return result;
}
