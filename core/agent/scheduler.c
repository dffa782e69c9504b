/* SPDX-License-Identifier: MIT */
/* scheduler.c - one run of an instance: its check within its timeout, the result handed to the
 * forwarder, the Nagios command file and the passive receivers, and the next run scheduled
 * (interval, retry_interval, the circuit breaker) in the queue the workers (workers.c) take from.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_impl.h"

#define BREAKER_AFTER 5 /* problem results in a row before the breaker opens */
#define SCHEDULE_SLACK_NS (250LL * 1000000LL)

/* ---- running --------------------------------------------------------------------------------- */

/* With a->lock held: the interval until this instance's next run. An open breaker probes at the
 * normal interval (no soft retries: the problem is known), stretched only while probes hang. */
static double next_interval(const struct agent_inst *ai)
{
  bool soft = ai->track.last != MW_OK && ai->track.hard != ai->track.last;
  double interval = soft && !ai->breaker_open ? ai->retry_interval : ai->interval;

  return interval * ai->factor;
}

/* The circuit breaker. Closed: runs at the interval, soft problems retried at retry_interval.
 * Open, after BREAKER_AFTER failures in a row: each run is one probe (the half-open state while
 * it runs) whose result decides; a success closes the breaker at once, so a server that comes
 * back is seen within one interval. A probe that used up its whole timeout (the server hangs
 * and would hold a worker every time) doubles the wait, up to backoff_max intervals; a probe
 * that fails fast (refused, 5xx) costs nothing and keeps the interval. */
static void update_breaker(struct agent_inst *ai, enum mw_state state, int64_t took_ns)
{
  bool failed = state == MW_CRITICAL || state == MW_UNKNOWN;
  bool hung = failed && took_ns >= ai->timeout_ns - ai->timeout_ns / 20;
  unsigned factor = ai->factor;

  ai->failures = failed ? ai->failures + 1 : 0;
  if (!failed) {
    if (ai->breaker_open)
      agent_log("%s: answering again: circuit breaker closed, checking every %gs", ai->inst->name,
                ai->interval);
    ai->breaker_open = false;
    ai->factor = 1;
    return;
  }
  if (ai->failures < BREAKER_AFTER)
    return;
  if (!ai->breaker_open) {
    ai->breaker_open = true;
    agent_log("%s: %u failures in a row: circuit breaker open, one probe every %gs decides",
              ai->inst->name, ai->failures, ai->interval);
  }
  factor = hung ? (factor * 2 > ai->backoff_max ? ai->backoff_max : factor * 2) : 1;
  if (factor != ai->factor) {
    if (factor > 1)
      agent_log("%s: the probe timed out; probing every %gs instead of every %gs (backoff_max %u)",
                ai->inst->name, ai->interval * factor, ai->interval, ai->backoff_max);
    else
      agent_log("%s: the probe failed fast; probing every %gs again", ai->inst->name, ai->interval);
    ai->factor = factor;
  }
}

/* Runs due within the slack are taken together: the worker on the clock wakes once for all of
 * them, and each wake-up cost 100-150 us of CPU on the benchmark's machine (a quarter of a
 * second's slack took the agent from 0.10-0.12 to 0.09 s per 1,000 checks at 1,000 instances
 * every 10 s; docs/PERFORMANCE.md). Never more than a quarter of an interval early: with an
 * interval under the slack an instance would be due again as soon as it ended, and ran back to
 * back (found by tests/bench/soak at 50 ms). */
int64_t agent_slack(double interval_s)
{
  int64_t quarter = (int64_t)(interval_s * 1e9 / 4);

  return quarter < SCHEDULE_SLACK_NS ? quarter : SCHEDULE_SLACK_NS;
}

/* A node's perfdata in base units, after what ai keeps already (AGENT_PERF_MAX at most). */
static void keep_node_perf(struct agent_inst *ai, const struct mw_result *node)
{
  struct mw_perf perf;
  size_t i;

  for (i = 0; ai->nperf < AGENT_PERF_MAX && mw_result_perf_at(node, i, &perf) == 0; i++) {
    struct agent_perf *kept = &ai->perf[ai->nperf++];

    snprintf(kept->label, sizeof(kept->label), "%s", perf.label);
    mw_perf_base(perf.label, perf.uom, perf.value, &kept->value, &kept->unit);
  }
}

/* The perfdata of a result (its own, then its sub-results') for /metrics. Under the agent's
 * lock. */
static void keep_perf(struct agent_inst *ai, const struct mw_result *res)
{
  const struct mw_result *child;

  ai->nperf = 0;
  if (!res)
    return;
  keep_node_perf(ai, res);
  for (child = mw_result_first(res); child; child = mw_result_next(child))
    keep_node_perf(ai, child);
}

void agent_run_one(struct agent *a, struct agent_inst *ai)
{
  struct mw_result *res = mw_result_new();
  int64_t start = mw_now_ns();
  enum mw_track_action action;
  enum mw_state before = ai->track.hard;
  enum mw_state state;
  size_t queued = 0;

  if (res)
    ai->check->run(ai->state, res, start + ai->timeout_ns);
  state = res && !mw_result_failed(res) ? mw_result_get_state(res) : MW_UNKNOWN;
  action = forward_result(a->forwarder, ai->inst, res, &ai->track, (int64_t)time(NULL), &queued);
  agent_publish(a, (size_t)(ai - a->insts), ai->inst, res, ai->last_state);
  if (action != MW_TRACK_NONE) {
    agent_log("%s: %s -> %s (%s)", ai->inst->name, mw_state_name(before), mw_state_name(state),
              action == MW_TRACK_RECOVERY   ? "recovery"
              : action == MW_TRACK_RENOTIFY ? "reminder"
                                            : "problem");
  }
  if (queued > 0)
    mw_courier_wake(a->courier);
  pthread_mutex_lock(&a->lock);
  lateness_add(&a->lateness, start - ai->due_ns);
  ai->last_run = (int64_t)time(NULL);
  ai->last_ms = (mw_now_ns() - start) / 1000000;
  ai->last_state = state;
  ai->hard = ai->track.hard;
  snprintf(ai->summary, sizeof(ai->summary), "%s",
           res ? mw_result_get_summary(res) : "out of memory");
  keep_perf(ai, res);
  agent_record(a, ai->inst->name, false, state, ai->last_ms, ai->summary);
  ai->runs++;
  ai->problems += state != MW_OK;
  memcpy(ai->note, ai->track.note, sizeof(ai->note));
  ai->flap = ai->inst->flap_high > 0.0 ? ai->track.flap_percent : -1.0;
  update_breaker(ai, state, mw_now_ns() - start);
  /* A run taken early keeps its place: counted from its due time, the instance runs every
   * interval, not every interval less what it was early by. A late one counts from its start. */
  ai->next_ns = (start < ai->due_ns ? ai->due_ns : start) + (int64_t)(next_interval(ai) * 1e9);
  ai->early_ns = agent_slack(next_interval(ai));
  ai->running = false;
  ai->row_current = false;
  agent_queue_push(a, (size_t)(ai - a->insts));
  a->dirty = true;
  agent_workers_pushed(a, ai);
  pthread_mutex_unlock(&a->lock);
  mw_result_free(res);
  agent_evaluate_services(a, (size_t)(ai - a->insts));
}

void agent_publish(struct agent *a, size_t slot, const struct mw_instance *inst,
                   const struct mw_result *res, enum mw_state previous)
{
  int64_t now = (int64_t)time(NULL);
  struct mw_buf text;
  struct mw_event ev;
  const char *long_output;
  const char *perf;

  passive_result(a->passive, inst->name, inst->check, res, now);
  if (!a->submitter || !res)
    return;
  mw_buf_init(&text, 1 << 20);
  forward_describe(res, inst->check, &text, &perf, &long_output);
  memset(&ev, 0, sizeof(ev));
  ev.id = "";
  ev.time = now;
  ev.host = forwarder_host(a->forwarder);
  ev.service = inst->name;
  ev.check = inst->check;
  ev.state = mw_result_get_state(res);
  ev.previous = mw_state_name(previous);
  ev.type = "RESULT";
  ev.output = mw_buf_str(&text);
  ev.long_output = long_output;
  ev.perfdata = perf;
  ev.origin = "agent";
  submitter_send(a->submitter, slot, &ev);
  mw_buf_free(&text);
}

/* ---- the queue: instances not running, soonest due on top (a binary heap) ---- */

static bool due_before(const struct agent *a, size_t i, size_t j)
{
  return a->queue[i].next_ns < a->queue[j].next_ns;
}

static void queue_swap(struct agent *a, size_t i, size_t j)
{
  struct agent_due t = a->queue[i];

  a->queue[i] = a->queue[j];
  a->queue[j] = t;
}

/* With a->lock held. The queue has room for every instance. */
void agent_queue_push(struct agent *a, size_t index)
{
  size_t i = a->nqueue++;

  a->queue[i].next_ns = a->insts[index].next_ns;
  a->queue[i].index = index;
  while (i > 0 && due_before(a, i, (i - 1) / 2)) {
    queue_swap(a, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

size_t agent_queue_pop(struct agent *a)
{
  size_t top = a->queue[0].index;
  size_t i = 0;

  a->queue[0] = a->queue[--a->nqueue];
  for (;;) {
    size_t left = 2 * i + 1;
    size_t least = i;

    if (left < a->nqueue && due_before(a, left, least))
      least = left;
    if (left + 1 < a->nqueue && due_before(a, left + 1, least))
      least = left + 1;
    if (least == i)
      break;
    queue_swap(a, i, least);
    i = least;
  }
  return top;
}
