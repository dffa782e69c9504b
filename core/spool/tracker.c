/* SPDX-License-Identifier: MIT */
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

#include "spool_impl.h"

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

double mw_flap_percent_in(const unsigned char *history, size_t n, size_t window)
{
  double changes = 0.0;
  size_t first;
  size_t j;

  if (window < 3 || window > MW_FLAP_HISTORY)
    window = MW_FLAP_HISTORY;
  if (n > window) { /* the newest window states */
    history += n - window;
    n = window;
  }
  /* Fewer states than the window sit at its newest end: their changes weigh as recent. */
  first = window - n;
  for (j = 1; j < n; j++) {
    size_t x = first + j; /* 1 (oldest change) .. window - 1 (newest) */
    if (history[j] != history[j - 1])
      changes += (double)(x - 1) * 0.5 / (double)(window - 2) + 0.75;
  }
  return changes * 100.0 / (double)(window - 1);
}

double mw_flap_percent(const unsigned char *history, size_t n)
{
  return mw_flap_percent_in(history, n, MW_FLAP_HISTORY);
}

/* Nagios records hard states and recoveries (not soft problems), then judges the window:
 * flapping starts at or above high, stops at or below low, and stays as it was in between. */
static void record_flap(struct mw_track *track, enum mw_state state,
                        const struct mw_track_policy *policy)
{
  if (policy->flap_high <= 0.0) {
    /* Off: nothing recorded, so a state file changes only when a state does. */
    track->flapping = false;
    track->nhistory = 0;
    track->flap_percent = 0.0;
    return;
  }
  if (state != track->hard)
    return; /* a soft problem */
  if (track->nhistory == MW_FLAP_HISTORY) {
    memmove(track->history, track->history + 1, MW_FLAP_HISTORY - 1);
    track->nhistory--;
  }
  track->history[track->nhistory++] = (unsigned char)state;
  track->flap_percent =
      mw_flap_percent_in(track->history, track->nhistory,
                         policy->flap_window > 0 ? (size_t)policy->flap_window : MW_FLAP_HISTORY);
  if (track->flap_percent >= policy->flap_high)
    track->flapping = true;
  else if (track->flap_percent <= policy->flap_low)
    track->flapping = false;
}

enum mw_track_action mw_track_update(struct mw_track *track, enum mw_state state,
                                     const struct mw_track_policy *policy, int64_t now)
{
  enum mw_track_action action = MW_TRACK_NONE;
  int max_attempts = policy->max_attempts > 0 ? policy->max_attempts : 1;

  if (state == track->hard) {
    track->last = state;
    track->attempts = 0;
    if (state != MW_OK && track->problem_notified && policy->renotify > 0 &&
        (double)(now - track->last_notified) >= policy->renotify) {
      track->last_notified = now;
      action = MW_TRACK_RENOTIFY;
    }
  } else if (state == MW_OK || track->hard != MW_OK) {
    /* A recovery, and a change from one problem to another, are hard at once. */
    action = go_hard(track, state, now);
  } else {
    track->attempts = track->last != MW_OK ? track->attempts + 1 : 1;
    track->last = state;
    if (track->attempts >= max_attempts)
      action = go_hard(track, state, now);
  }
  record_flap(track, state, policy);
  return action;
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
    mw_buf_addf(&path, "~%08x", (unsigned)fnv1a32(name));
  mw_buf_adds(&path, suffix);
  if (path.failed) {
    mw_buf_free(&path);
    return NULL;
  }
  return path.data;
}

/* "told DEST STATE [flapping] [at=T]" */
static int parse_told(const char *line, struct mw_track *track)
{
  struct mw_track_told told;
  char state[16];
  char rest[64] = "";
  char *word;
  char *save = NULL;
  long long at;

  memset(&told, 0, sizeof(told));
  if (sscanf(line, "told %64s %15s %63[^\n]", told.dest, state, rest) < 2 ||
      mw_state_parse(state, &told.state) != 0)
    return -1;
  for (word = strtok_r(rest, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
    if (strcmp(word, "flapping") == 0)
      told.flapping = true;
    else if (sscanf(word, "at=%lld", &at) == 1 && at >= 0)
      told.at = at;
    else
      return -1;
  }
  return mw_track_put_told(track, &told);
}

/* "history OCCW..." (one letter per state, oldest first) */
static int parse_history(const char *text, struct mw_track *track)
{
  static const char letters[] = "OWCU";
  const char *p;

  track->nhistory = 0;
  for (p = text; *p && *p != '\n'; p++) {
    const char *at = strchr(letters, *p);
    if (!at || track->nhistory == MW_FLAP_HISTORY)
      return -1;
    track->history[track->nhistory++] = (unsigned char)(at - letters);
  }
  track->flap_percent = mw_flap_percent(track->history, track->nhistory);
  return 0;
}

/* The lines after the first: "seq N", "told ...", "history ...", "flapping", "note TEXT" (a
 * file without "seq" is from before per-destination states: legacy). */
static int parse_more(FILE *fp, struct mw_track *track)
{
  char line[512];
  unsigned long long seq;
  bool versioned = false;

  while (fgets(line, sizeof(line), fp)) {
    if (sscanf(line, "seq %llu", &seq) == 1) {
      track->seq = seq;
      versioned = true;
    } else if (strncmp(line, "told ", 5) == 0) {
      if (parse_told(line, track) != 0)
        return -1;
    } else if (strncmp(line, "history ", 8) == 0) {
      if (parse_history(line + 8, track) != 0)
        return -1;
    } else if (strcmp(line, "flapping\n") == 0) {
      track->flapping = true;
    } else if (strncmp(line, "note ", 5) == 0) {
      size_t len = strcspn(line + 5, "\n");
      if (len >= sizeof(track->note))
        len = sizeof(track->note) - 1;
      memcpy(track->note, line + 5, len);
      track->note[len] = '\0';
    } else if (line[0] != '\n') {
      return -1;
    }
  }
  track->legacy = !versioned;
  return 0;
}

/* A whole state file into track; -1 when it is not one. */
static int read_track(FILE *fp, struct mw_track *track)
{
  char hard[16];
  char last[16];
  long long since;
  long long notified;
  int attempts;
  int problem;

  mw_track_init(track);
  if (fscanf(fp, "hard=%15s last=%15s attempts=%d since=%lld notified=%lld problem_sent=%d", hard,
             last, &attempts, &since, &notified, &problem) != 6 ||
      mw_state_parse(hard, &track->hard) != 0 || mw_state_parse(last, &track->last) != 0 ||
      attempts < 0 || parse_more(fp, track) != 0) {
    mw_track_init(track);
    return -1;
  }
  track->attempts = attempts;
  track->hard_since = since;
  track->last_notified = notified;
  track->problem_notified = problem != 0;
  return 0;
}

int mw_track_load(const char *state_dir, const char *name, struct mw_track *track, char *err,
                  size_t errlen)
{
  char *path = state_path(state_dir, name, ".state");
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
  result = read_track(fp, track);
  if (result != 0)
    snprintf(err, errlen, "%s is not an mcpwatch state file", path);
  fclose(fp);
  free(path);
  return result;
}

uint64_t spool_track_seq(const char *path, bool *found)
{
  struct mw_track track;
  FILE *fp = fopen(path, "re");

  *found = false;
  if (!fp)
    return 0;
  *found = read_track(fp, &track) == 0;
  fclose(fp);
  return track.seq;
}

char *spool_track_path(const char *state_dir, const char *name)
{
  return state_path(state_dir, name, ".state");
}

static size_t told_index(const struct mw_track *track, const char *dest)
{
  size_t i;

  for (i = 0; i < track->ntold; i++) {
    if (strcmp(track->told[i].dest, dest) == 0)
      break;
  }
  return i;
}

enum mw_state mw_track_told_state(const struct mw_track *track, const char *dest)
{
  size_t i = told_index(track, dest);

  return i < track->ntold ? track->told[i].state : MW_OK;
}

void mw_track_told_get(const struct mw_track *track, const char *dest, struct mw_track_told *out)
{
  size_t i = told_index(track, dest);

  memset(out, 0, sizeof(*out));
  if (i < track->ntold)
    *out = track->told[i];
  else
    snprintf(out->dest, sizeof(out->dest), "%s", dest);
  if (out->state != MW_OK && out->at == 0)
    out->at = track->last_notified; /* a file of before reminders per destination */
}

int mw_track_put_told(struct mw_track *track, const struct mw_track_told *told)
{
  size_t i = told_index(track, told->dest);

  if (told->state == MW_OK && !told->flapping) {
    if (i < track->ntold) {
      memmove(&track->told[i], &track->told[i + 1],
              (track->ntold - i - 1) * sizeof(track->told[0]));
      track->ntold--;
      memset(&track->told[track->ntold], 0, sizeof(track->told[0]));
    }
    return 0;
  }
  if (i == track->ntold) {
    if (track->ntold == MW_TRACK_DESTS_MAX || strlen(told->dest) > MW_DEST_NAME_MAX)
      return -1;
    track->ntold++;
  }
  track->told[i] = *told;
  return 0;
}

int mw_track_set_told(struct mw_track *track, const char *dest, enum mw_state state)
{
  struct mw_track_told told;

  mw_track_told_get(track, dest, &told);
  told.state = state;
  return mw_track_put_told(track, &told);
}

int mw_track_save(const char *state_dir, const char *name, const struct mw_track *track, char *err,
                  size_t errlen)
{
  char *path = state_path(state_dir, name, ".state");
  struct mw_buf text;
  size_t i;
  int result = -1;

  mw_buf_init(&text, 64 * 1024);
  if (!path) {
    snprintf(err, errlen, "%s: path too long", state_dir);
    goto cleanup;
  }
  if (mkdir(state_dir, 0750) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
    goto cleanup;
  }
  mw_buf_addf(&text,
              "hard=%s last=%s attempts=%d since=%lld notified=%lld problem_sent=%d\nseq %llu\n",
              mw_state_name(track->hard), mw_state_name(track->last), track->attempts,
              (long long)track->hard_since, (long long)track->last_notified,
              track->problem_notified ? 1 : 0, (unsigned long long)track->seq);
  for (i = 0; i < track->ntold; i++) {
    const struct mw_track_told *t = &track->told[i];
    mw_buf_addf(&text, "told %s %s%s", t->dest, mw_state_name(t->state),
                t->flapping ? " flapping" : "");
    if (t->at > 0)
      mw_buf_addf(&text, " at=%lld", (long long)t->at);
    mw_buf_add(&text, "\n", 1);
  }
  if (track->nhistory > 0) {
    mw_buf_adds(&text, "history ");
    for (i = 0; i < track->nhistory; i++)
      mw_buf_add(&text, &"OWCU"[track->history[i] & 3], 1);
    mw_buf_add(&text, "\n", 1);
  }
  if (track->flapping)
    mw_buf_adds(&text, "flapping\n");
  if (track->note[0])
    mw_buf_addf(&text, "note %s\n", track->note);
  if (text.failed) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  /* Unique temporary names and an fsync of the folder: the rename must be on disk before any
   * event staged for this state is committed. */
  result = fileio_write_durably(state_dir, path + strlen(state_dir) + 1, text.data, text.len, err,
                                errlen);
cleanup:
  mw_buf_free(&text);
  free(path);
  return result;
}
