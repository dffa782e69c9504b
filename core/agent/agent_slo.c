/* SPDX-License-Identifier: MIT */
/* agent_slo.c - service level objectives judged from the history. Every slo_interval the main
 * thread sums each objective's runs over its window and over 5 minutes, 30 minutes, 1 hour and
 * 6 hours, and judges them as the multiwindow burn-rate alerts of Google's SRE workbook do: a
 * burn fast enough to spend 2% of the window's error budget in an hour (14.4 for 30 days), seen
 * over both the last hour and the last 5 minutes, is CRITICAL; 5% in 6 hours (6 for 30 days),
 * seen over 6 hours and 30 minutes, or a spent budget, is WARNING. That state goes through the
 * owner's notification policy under the name OWNER.slo, like any other state change. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_impl.h"
#ifdef HAVE_HISTORY
#include "history.h"
#endif

#define SLO_SUFFIX ".slo"
#define SLO_INTERVAL_DEFAULT_S 30

static const char *const objective_names[2] = {"availability", "latency"};

const char *agent_slo_objective(int objective)
{
  return objective_names[objective ? 1 : 0];
}

static void add_slo(struct agent *a, const struct mw_instance *owner, bool service)
{
  struct agent_slo *slo = &a->slos[a->nslos];
  struct mw_buf name;

  mw_buf_init(&name, 512);
  mw_buf_addf(&name, "%s%s", owner->name, SLO_SUFFIX);
  slo->owner = owner;
  slo->service = service;
  slo->alert = *owner;
  slo->name = name.failed ? NULL : name.data;
  slo->alert.name = slo->name;
  slo->alert.check = "slo";
  slo->state = MW_OK;
  slo->obj[0].set = owner->slo.availability > 0;
  slo->obj[0].target = owner->slo.availability;
  slo->obj[1].set = owner->slo.latency_q > 0;
  slo->obj[1].target = owner->slo.latency_q;
  a->nslos++;
}

int agent_load_slos(struct agent *a, char *err, size_t errlen)
{
  size_t count = 0;
  size_t i;

  for (i = 0; i < a->cfg.ninstances; i++)
    count += a->cfg.instances[i].slo.window_s > 0;
  for (i = 0; i < a->cfg.nservices; i++)
    count += a->cfg.services[i].slo.window_s > 0;
  if (count == 0)
    return 0;
  if (!a->history) {
    snprintf(err, errlen,
             "slo: objectives are judged from the history, which is off (history = false, or "
             "a build without SQLite)");
    return -1;
  }
  a->slos = calloc(count, sizeof(*a->slos));
  if (!a->slos) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < a->cfg.ninstances; i++)
    if (a->cfg.instances[i].slo.window_s > 0)
      add_slo(a, &a->cfg.instances[i], false);
  for (i = 0; i < a->cfg.nservices; i++)
    if (a->cfg.services[i].slo.window_s > 0)
      add_slo(a, &a->cfg.services[i], true);
  for (i = 0; i < a->nslos; i++) {
    char msg[MW_ERR_MAX / 2];

    if (!a->slos[i].name) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    if (mw_track_load(forwarder_state_dir(a->forwarder), a->slos[i].name, &a->slos[i].track, msg,
                      sizeof(msg)) != 0)
      agent_log("warning: %s (starting afresh)", msg);
  }
  a->slo_every_s =
      a->cfg.history.slo_interval_s > 0 ? a->cfg.history.slo_interval_s : SLO_INTERVAL_DEFAULT_S;
  return 0;
}

void agent_free_slos(struct agent *a)
{
  size_t i;

  for (i = 0; i < a->nslos; i++)
    free(a->slos[i].name);
  free(a->slos);
  a->slos = NULL;
  a->nslos = 0;
#ifdef HAVE_HISTORY
  sqlite3_close(a->slo_db);
  a->slo_db = NULL;
#endif
}

#ifdef HAVE_HISTORY
static void forward_slo(struct agent *a, struct agent_slo *slo, enum mw_state state,
                        const char *summary)
{
  struct mw_result *res = mw_result_new();
  enum mw_state before = slo->track.hard;
  enum mw_track_action action;
  size_t queued = 0;

  if (!res)
    return;
  mw_result_state(res, state);
  mw_result_summary(res, "%s", summary);
  action =
      forward_result(a->forwarder, &slo->alert, res, &slo->track, (int64_t)time(NULL), &queued);
  if (action != MW_TRACK_NONE)
    agent_log("%s: %s -> %s (%s)", slo->name, mw_state_name(before), mw_state_name(state), summary);
  if (queued > 0)
    mw_courier_wake(a->courier);
  mw_result_free(res);
}

void agent_slo_tick(struct agent *a, const char *history_path)
{
  struct timespec now;
  int64_t now_ms;
  size_t i;

  if (a->nslos == 0)
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  if (now.tv_sec < a->slo_next_s)
    return;
  a->slo_next_s = now.tv_sec + (int64_t)a->slo_every_s;
  if (!a->slo_db) {
    char err[MW_ERR_MAX];

    a->slo_db = history_reader_open(history_path, err, sizeof(err));
    if (!a->slo_db)
      return; /* no history yet: the writer creates it with the first results */
  }
  for (i = 0; i < a->nslos; i++) {
    struct agent_slo *slo = &a->slos[i];
    struct mw_slo_objective measured[2];
    char summary[SUMMARY_MAX];
    enum mw_state state;

    memset(measured, 0, sizeof(measured));
    if (history_slo_measure(a->slo_db, slo->owner->name, &slo->owner->slo, now_ms, measured) != 0) {
      agent_log("error: slo %s: the history cannot be read: %s", slo->name,
                sqlite3_errmsg(a->slo_db));
      continue;
    }
    state = history_slo_judge(&slo->owner->slo, measured, summary, sizeof(summary));
    pthread_mutex_lock(&a->lock);
    memcpy(slo->obj, measured, sizeof(slo->obj));
    slo->state = state;
    slo->computed = true;
    snprintf(slo->summary, sizeof(slo->summary), "%s", summary);
    a->dirty = true;
    pthread_mutex_unlock(&a->lock);
    forward_slo(a, slo, state, summary);
  }
}
#else
void agent_slo_tick(struct agent *a, const char *history_path)
{
  (void)a;
  (void)history_path;
}
#endif
