/* handoff.c - one result through its instance's track to the queues of its destinations, in
 * write-ahead order (stage, record, commit), so that no state file ever says an event was sent
 * that is not durably queued. Shared by `mcpwatch run --notify`, the agent and the collectd
 * plugin: what is sent, and when, is decided here alone. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool_io.h"

struct staged {
  struct mw_destination *dest;
  const char *target;
  char name[96];
  char id[48];
};

static void logf_handoff(const struct mw_forward_spec *spec, enum mw_log_level level,
                         const char *fmt, ...) MW_PRINTF(3, 4);
static void logf_handoff(const struct mw_forward_spec *spec, enum mw_log_level level,
                         const char *fmt, ...)
{
  char message[1024];
  va_list ap;

  if (!spec->log)
    return;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  spec->log(spec->log_ctx, level, message);
}

/* What this destination must be told now, given what it was told before: NULL for nothing. */
static const char *due_type(enum mw_state told, enum mw_state hard, enum mw_track_action action)
{
  if (hard == MW_OK)
    return told != MW_OK ? "RECOVERY" : NULL;
  if (told != hard)
    return "PROBLEM";
  return action == MW_TRACK_RENOTIFY ? "PROBLEM" : NULL;
}

/* A track read from a file of before per-destination states: every target was told what
 * problem_notified says. */
static void adopt_legacy(struct mw_track *track, const struct mw_forward_spec *spec)
{
  size_t i;

  if (!track->legacy)
    return;
  track->legacy = false;
  for (i = 0; track->problem_notified && track->hard != MW_OK && i < spec->ntargets; i++)
    mw_track_set_told(track, spec->targets[i].name, track->hard);
}

enum mw_track_action mw_track_forward(const struct mw_forward_spec *spec, struct mw_track *track,
                                      enum mw_state state, const struct mw_track_policy *policy,
                                      int64_t now, const struct mw_event *base,
                                      struct mw_forward_report *report)
{
  struct staged *staged = NULL;
  struct mw_track before;
  struct mw_event ev;
  enum mw_track_action action;
  char *track_path = NULL;
  char err[ERR_MAX_SPOOL];
  bool described = false;
  size_t nstaged = 0;
  size_t i;

  memset(report, 0, sizeof(*report));
  adopt_legacy(track, spec);
  before = *track;
  action = mw_track_update(track, state, policy, now);
  ev = *base;
  ev.state = track->hard;
  for (i = 0; i < spec->ntargets; i++) {
    const struct mw_track_target *t = &spec->targets[i];
    enum mw_state told = mw_track_told_state(&before, t->name);
    struct mw_event_data copy;
    const char *type = due_type(told, track->hard, action);
    if (!type)
      continue;
    if (!t->dest) {
      report->not_queued++;
      continue; /* its opening failed and was reported; told stays, so it is tried again */
    }
    if (!staged && (!(staged = calloc(spec->ntargets, sizeof(*staged))) ||
                    !(track_path = spool_track_path(spec->state_dir, spec->name)))) {
      logf_handoff(spec, MW_LOG_ERROR, "%s: %s for %s not queued: out of memory", spec->name,
                   mw_state_name(track->hard), t->name);
      report->not_queued++;
      goto restore;
    }
    if (!described && spec->describe) {
      spec->describe(spec->describe_ctx, &ev);
      described = true;
    }
    ev.type = type;
    ev.previous = mw_state_name(told); /* what the receiver knows */
    if (mw_event_copy(&ev, &copy) != 0) {
      logf_handoff(spec, MW_LOG_ERROR, "%s: %s for %s not queued: out of memory", spec->name,
                   mw_state_name(track->hard), t->name);
      report->not_queued++;
      continue;
    }
    if (spool_stage(t->dest, &copy.event,
                    spec->max_events ? spec->max_events : MW_SPOOL_DEFAULT_MAX, track_path,
                    track->seq + 1, staged[nstaged].name, sizeof(staged[nstaged].name), err,
                    sizeof(err)) != 0) {
      logf_handoff(spec, MW_LOG_ERROR,
                   "%s: %s for %s NOT queued: %s; kept pending and tried again at every run",
                   spec->name, mw_state_name(track->hard), t->name, err);
      report->not_queued++;
    } else {
      staged[nstaged].dest = t->dest;
      staged[nstaged].target = t->name;
      snprintf(staged[nstaged].id, sizeof(staged[nstaged].id), "%s", copy.event.id);
      nstaged++;
    }
    mw_event_data_free(&copy);
  }
  if (nstaged > 0) {
    track->seq++;
    track->last_notified = now;
    for (i = 0; i < nstaged; i++)
      mw_track_set_told(track, staged[i].target, track->hard);
    spool_crash_point("staged");
  }
  if (memcmp(&before, track, sizeof(before)) != 0 &&
      mw_track_save(spec->state_dir, spec->name, track, err, sizeof(err)) != 0) {
    if (nstaged == 0) {
      logf_handoff(spec, MW_LOG_ERROR, "%s", err);
      goto cleanup;
    }
    logf_handoff(spec, MW_LOG_ERROR, "%s; %s: %s NOT queued, tried again at the next run", err,
                 spec->name, mw_state_name(track->hard));
    for (i = 0; i < nstaged; i++)
      spool_discard(staged[i].dest, staged[i].name);
    report->save_failed = true;
    report->not_queued += nstaged;
    nstaged = 0;
    goto restore;
  }
  spool_crash_point("recorded");
  for (i = 0; i < nstaged; i++) {
    if (spool_commit(staged[i].dest, staged[i].name, err, sizeof(err)) != 0) {
      logf_handoff(spec, MW_LOG_ERROR, "%s (queued at its next delivery)", err);
    } else {
      report->queued++;
      logf_handoff(spec, MW_LOG_INFO, "%s: %s for %s queued as %s", spec->name,
                   mw_state_name(track->hard), staged[i].target, staged[i].id);
    }
    spool_crash_point("committed");
  }
  goto cleanup;
restore:
  /* Nothing of this change is on disk: forget it here too, so the next result sees it again. */
  *track = before;
  action = MW_TRACK_NONE;
cleanup:
  free(staged);
  free(track_path);
  return action;
}
