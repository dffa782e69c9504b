/* SPDX-License-Identifier: MIT */
/* handoff.c - one result through its instance's track to the queues of its destinations, in
 * write-ahead order (stage, record, commit), so that no state file ever says an event was sent
 * that is not durably queued. Shared by `mcpwatch run --notify`, the agent and the collectd
 * plugin: what is sent, and when, is decided here alone. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool_impl.h"

struct staged {
  struct mw_destination *dest;
  const char *target;
  const char *type;
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

/* The notifications of one result for one destination, in order: at most a flapping notice and
 * a problem, recovery or reminder. */
struct due {
  const char *types[2];
  size_t n;
  struct mw_track_told after; /* what the destination knows once they are queued */
};

/* What the hand-off learns while deciding, for the track's note. */
struct decision {
  bool asked_hold;
  bool held;
  char why[MW_TRACK_NOTE_MAX - 8]; /* "held: " goes before it */
  size_t sent;
  size_t unrouted; /* destinations that do not take the current problem */
};

static bool is_held(const struct mw_track_policy *policy, struct decision *d)
{
  if (!d->asked_hold) {
    d->asked_hold = true;
    if (policy->downtime) {
      snprintf(d->why, sizeof(d->why), "in %s", policy->downtime);
      d->held = true;
    } else {
      d->held = policy->hold && policy->hold(policy->hold_ctx, d->why, sizeof(d->why));
    }
  }
  return d->held;
}

/* What this destination must be told now, given what it was told before (Nagios's rules, with
 * routing, flapping and holds): flapping notices when flapping starts or stops, nothing else
 * while flapping; a recovery of a problem it was told (or told silently when it takes no
 * recoveries), never held; a problem it was not told, or a reminder, unless held. */
static void decide(const struct mw_track_target *t, const struct mw_track *track,
                   const struct mw_track_policy *policy, int64_t now, struct decision *d,
                   struct due *due)
{
  unsigned routes = t->routes ? t->routes : MW_ROUTE_ALL;
  const struct mw_track_told *told = &due->after;
  double renotify = t->renotify >= 0 ? t->renotify : policy->renotify;

  due->n = 0;
  if ((routes & MW_ROUTE_FLAPPING) && track->flapping != told->flapping) {
    due->types[due->n++] = track->flapping ? "FLAPPINGSTART" : "FLAPPINGSTOP";
    due->after.flapping = track->flapping;
  } else if (!(routes & MW_ROUTE_FLAPPING)) {
    due->after.flapping = false;
  }
  if (track->flapping)
    return;
  if (track->hard == MW_OK) {
    if (told->state == MW_OK)
      return;
    if (routes & MW_ROUTE_RECOVERY)
      due->types[due->n++] = "RECOVERY";
    due->after.state = MW_OK;
    due->after.at = 0;
    return;
  }
  if (!(routes & mw_route_of_state(track->hard))) {
    d->unrouted++;
    return;
  }
  if (told->state == track->hard && !(renotify > 0 && (double)(now - told->at) >= renotify))
    return;
  if (is_held(policy, d))
    return;
  due->types[due->n++] = "PROBLEM";
  due->after.state = track->hard;
  due->after.at = now;
}

/* The track's note: why this result's notifications went out or not. */
static void set_note(struct mw_track *track, const struct mw_track_policy *policy,
                     const struct decision *d)
{
  if (track->flapping)
    snprintf(track->note, sizeof(track->note), "flapping (%.1f%% state change)",
             track->flap_percent);
  else if (d->held && track->hard != MW_OK)
    snprintf(track->note, sizeof(track->note), "held: %s", d->why);
  else if (d->unrouted > 0 && d->sent == 0 && track->hard != MW_OK)
    snprintf(track->note, sizeof(track->note), "%s: %s", mw_state_name(track->hard),
             d->unrouted == 1 ? "its notifier does not take it" : "no notifier takes it");
  else if (policy->downtime)
    snprintf(track->note, sizeof(track->note), "in %s", policy->downtime);
  else if (track->hard == MW_OK || d->sent > 0 || !d->asked_hold)
    track->note[0] = '\0';
  mw_one_line(track->note); /* a hold callback's text may come from a configuration */
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

/* Whether after differs from before in the flap window only: the states looked back over and
 * the percentage they give, not whether it is flapping. */
static bool only_window_changed(const struct mw_track *before, const struct mw_track *after)
{
  struct mw_track a = *before;
  struct mw_track b = *after;

  a.nhistory = b.nhistory = 0;
  memset(a.history, 0, sizeof(a.history));
  memset(b.history, 0, sizeof(b.history));
  a.flap_percent = b.flap_percent = 0.0;
  return memcmp(&a, &b, sizeof(a)) == 0;
}

enum mw_track_action mw_track_forward(const struct mw_forward_spec *spec, struct mw_track *track,
                                      enum mw_state state, const struct mw_track_policy *policy,
                                      int64_t now, const struct mw_event *base,
                                      struct mw_forward_report *report)
{
  struct staged *staged = NULL;
  struct mw_track before;
  struct mw_event ev;
  struct decision decision;
  enum mw_track_action action;
  char *track_path = NULL;
  char err[ERR_MAX_SPOOL];
  bool described = false;
  bool changed;
  size_t nstaged = 0;
  size_t i;
  size_t k;

  memset(report, 0, sizeof(*report));
  memset(&decision, 0, sizeof(decision));
  adopt_legacy(track, spec);
  /* A track first seen by this process counts as written now: its file (or its absence, the
   * same as a fresh track) is what a load gives, and rewriting every instance's file for the
   * one state its window gained made each start (a thousand instances: two thousand fsyncs)
   * cost more than minutes of checks. */
  if (spec->window_every_s > 0 && track->written == 0)
    track->written = now;
  before = *track;
  action = mw_track_update(track, state, policy, now);
  ev = *base;
  ev.state = track->hard;
  for (i = 0; i < spec->ntargets; i++) {
    const struct mw_track_target *t = &spec->targets[i];
    struct due due;
    size_t queued_here = 0;
    mw_track_told_get(&before, t->name, &due.after);
    decide(t, track, policy, now, &decision, &due);
    if (due.n == 0) {
      /* A silent change (a recovery it takes no notice of, flapping it does not follow). */
      mw_track_put_told(track, &due.after);
      continue;
    }
    if (!t->dest) {
      report->not_queued++;
      continue; /* its opening failed and was reported; told stays, so it is tried again */
    }
    if (!staged && (!(staged = calloc(2 * spec->ntargets, sizeof(*staged))) ||
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
    for (k = 0; k < due.n; k++) {
      struct mw_event_data copy;
      ev.type = due.types[k];
      ev.previous = mw_state_name(mw_track_told_state(&before, t->name)); /* what it knows */
      if (mw_event_copy(&ev, &copy) != 0) {
        logf_handoff(spec, MW_LOG_ERROR, "%s: %s for %s not queued: out of memory", spec->name,
                     mw_state_name(track->hard), t->name);
        report->not_queued++;
        break;
      }
      if (spool_stage(t->dest, &copy.event,
                      spec->max_events ? spec->max_events : MW_SPOOL_DEFAULT_MAX, track_path,
                      track->seq + 1, staged[nstaged].name, sizeof(staged[nstaged].name), err,
                      sizeof(err)) != 0) {
        logf_handoff(spec, MW_LOG_ERROR,
                     "%s: %s for %s NOT queued: %s; kept pending and tried again at every run",
                     spec->name, mw_state_name(track->hard), t->name, err);
        report->not_queued++;
        mw_event_data_free(&copy);
        break;
      }
      staged[nstaged].dest = t->dest;
      staged[nstaged].target = t->name;
      staged[nstaged].type = due.types[k];
      snprintf(staged[nstaged].id, sizeof(staged[nstaged].id), "%s", copy.event.id);
      nstaged++;
      queued_here++;
      mw_event_data_free(&copy);
    }
    /* All of this destination's notices were staged, or none counts: a partial set (a flapping
     * notice without the problem after it) is discarded so that both come again. */
    if (queued_here == due.n) {
      mw_track_put_told(track, &due.after);
      decision.sent++;
    } else {
      for (; queued_here > 0; queued_here--) {
        nstaged--;
        spool_discard(staged[nstaged].dest, staged[nstaged].name);
      }
    }
  }
  set_note(track, policy, &decision);
  if (nstaged > 0) {
    track->seq++;
    track->last_notified = now;
    crash_point("staged");
  }
  changed = memcmp(&before, track, sizeof(before)) != 0;
  if (changed && nstaged == 0 && spec->window_every_s > 0 &&
      now - track->written < spec->window_every_s && only_window_changed(&before, track))
    changed = false; /* written with the next change that matters, or when it is due */
  if (changed && mw_track_save(spec->state_dir, spec->name, track, err, sizeof(err)) != 0) {
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
  if (changed)
    track->written = now;
  crash_point("recorded");
  for (i = 0; i < nstaged; i++) {
    if (spool_commit(staged[i].dest, staged[i].name, err, sizeof(err)) != 0) {
      logf_handoff(spec, MW_LOG_ERROR, "%s (queued at its next delivery)", err);
    } else {
      report->queued++;
      bool flap = strncmp(staged[i].type, "FLAPPING", 8) == 0;
      logf_handoff(spec, MW_LOG_INFO, "%s: %s%s%s for %s queued as %s", spec->name,
                   mw_state_name(track->hard), flap ? " " : "", flap ? staged[i].type : "",
                   staged[i].target, staged[i].id);
    }
    crash_point("committed");
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
