/* SPDX-License-Identifier: MIT */
/* agent_stop.c - the ends of an agent: a reload hands its instances to the next configuration
 * and frees the old one on a thread of its own, so that a receiver that hangs never pauses the
 * checks; a stop gives the last deliveries one deadline and abandons what still hangs then
 * (everything queued is on disk). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent_impl.h"

/* The tracks again from the state files: the old workers may have changed them after the new
 * configuration was loaded. */
void agent_reload_tracks(struct agent *a)
{
  const char *dir = forwarder_state_dir(a->forwarder);
  char msg[MW_ERR_MAX / 2];
  size_t i;

  for (i = 0; i < a->n; i++) {
    struct agent_inst *ai = &a->insts[i];
    if (mw_track_load(dir, ai->inst->name, &ai->track, msg, sizeof(msg)) != 0)
      agent_log("warning: %s (starting afresh)", msg);
    ai->hard = ai->track.hard;
  }
  for (i = 0; i < a->nservices; i++) {
    struct agent_service *sv = &a->services[i];
    if (mw_track_load(dir, sv->svc->name, &sv->track, msg, sizeof(msg)) != 0)
      agent_log("warning: %s (starting afresh)", msg);
  }
}

/* An agent replaced by a reload is freed on a thread of its own: its courier or passive
 * receivers may be waiting on a receiver that hangs, and the new agent's checks must not wait
 * for that. */
struct reaper {
  pthread_t thread;
  struct agent *old;
  bool done;
  struct reaper *next;
};

static pthread_mutex_t reap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reap_cond; /* CLOCK_MONOTONIC */
static struct reaper *reapers;

void agent_reaper_init(void)
{
  mw_cond_init_monotonic(&reap_cond);
}

static void *reap_main(void *arg)
{
  struct reaper *r = arg;

  agent_free(r->old);
  pthread_mutex_lock(&reap_lock);
  r->done = true;
  pthread_cond_broadcast(&reap_cond);
  pthread_mutex_unlock(&reap_lock);
  return NULL;
}

void agent_retire(struct agent *old)
{
  struct reaper *r = calloc(1, sizeof(*r));

  if (r) {
    r->old = old;
    pthread_mutex_lock(&reap_lock);
    if (pthread_create(&r->thread, NULL, reap_main, r) == 0) {
      r->next = reapers;
      reapers = r;
      pthread_mutex_unlock(&reap_lock);
      return;
    }
    pthread_mutex_unlock(&reap_lock);
    free(r);
  }
  agent_free(old);
}

/* Joins the reapers that are done, waiting for the others until deadline (0: not at all). True
 * when none is left. */
bool agent_reap(mw_deadline deadline)
{
  struct reaper **link;
  struct timespec until = {(time_t)(deadline / 1000000000LL), (long)(deadline % 1000000000LL)};
  bool left = false;

  pthread_mutex_lock(&reap_lock);
  for (;;) {
    left = false;
    for (link = &reapers; *link;) {
      struct reaper *r = *link;
      if (r->done) {
        *link = r->next;
        pthread_join(r->thread, NULL);
        free(r);
      } else {
        left = true;
        link = &r->next;
      }
    }
    if (!left || deadline == 0 || mw_deadline_passed(deadline))
      break;
    pthread_cond_timedwait(&reap_cond, &reap_lock, &until);
  }
  /* At the stop deadline the process exits: the reapers still waiting are let go. */
  for (link = &reapers; left && deadline != 0 && *link; link = &(*link)->next)
    pthread_detach((*link)->thread);
  pthread_mutex_unlock(&reap_lock);
  return !left;
}

/* The last deliveries of a stopping agent, until deadline; then everything is freed. False when
 * a delivery was still waiting on its receiver: nothing was freed and the caller must exit. */
bool agent_finish(struct agent *a, mw_deadline deadline)
{
  bool submitted = submitter_finish(a->submitter, deadline);
  bool delivered;

  if (submitted)
    a->submitter = NULL;
  delivered = mw_courier_finish(a->courier, deadline);
  if (delivered)
    a->courier = NULL;
  return submitted && delivered;
}
