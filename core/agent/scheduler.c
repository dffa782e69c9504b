/* SPDX-License-Identifier: MIT */
/* scheduler.c - the agent's workers: each takes the instance due soonest, runs its check within
 * its timeout, hands the result to the forwarder, the Nagios command file and the passive
 * receivers, and schedules the next run (interval, retry_interval, the circuit breaker). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_impl.h"

#define BREAKER_AFTER 5 /* problem results in a row before the breaker opens */
#define SCHEDULE_SLACK_NS (100LL * 1000000LL)

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

/* Runs due within the slack are taken together, but never more than a quarter of an interval
 * early: with an interval under the slack an instance would be due again as soon as it ended,
 * and ran back to back (found by tests/bench/soak at 50 ms). */
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

static void run_one(struct agent *a, struct agent_inst *ai)
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
  ai->next_ns = start + (int64_t)(next_interval(ai) * 1e9);
  ai->early_ns = agent_slack(next_interval(ai));
  ai->running = false;
  agent_queue_push(a, (size_t)(ai - a->insts));
  a->dirty = true;
  /* The worker on the clock chose its wake-up while this instance was running, without it: if
   * this run is due before then (few instances, short intervals), it must choose again. */
  if (a->clock_waiter && ai->next_ns - ai->early_ns < a->clock_until)
    pthread_cond_signal(&a->clock_cond);
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

static size_t queue_pop(struct agent *a)
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

/* The workers' roles, all under a->lock. The clock: one worker sleeps until the next run is
 * due, then takes it and those due within the slack, one after another. The backup: one more
 * sleeps until a run is overdue by its slack, which happens only while every other worker is in a
 * run that outlasted it (a hung server), and takes it. The others sleep until the backup leaves
 * its role. So taking a run wakes nobody while a backup waits: with each run handing the clock to
 * another worker, four workers cost 1.68 context switches per check against one worker's 1.12
 * (docs/PERFORMANCE.md), for runs a worker finishes in a millisecond. The price is that a hung run
 * delays the next one by up to its slack (100 ms, or a quarter of a short interval). */
enum worker_role {
  ROLE_RUN,    /* back from a run, or just started */
  ROLE_CLOCK,  /* slept on the clock */
  ROLE_BACKUP, /* slept as the backup */
  ROLE_IDLE,   /* slept until woken */
};

/* A sleeper keeps its role, since nobody could take it meanwhile. A worker back from a run takes
 * the clock first (it is the one that left it); one woken from idle was woken to be the backup. */
static enum worker_role choose_role(const struct agent *a, enum worker_role slept)
{
  if (slept == ROLE_CLOCK || slept == ROLE_BACKUP)
    return slept;
  if (slept == ROLE_RUN)
    return !a->clock_waiter ? ROLE_CLOCK : !a->backup_waiter ? ROLE_BACKUP : ROLE_IDLE;
  return !a->backup_waiter ? ROLE_BACKUP : !a->clock_waiter ? ROLE_CLOCK : ROLE_IDLE;
}

static void wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, int64_t until_ns)
{
  struct timespec until;

  until.tv_sec = (time_t)(until_ns / 1000000000LL);
  until.tv_nsec = (long)(until_ns % 1000000000LL);
  pthread_cond_timedwait(cond, lock, &until);
}

/* With a->lock held, nothing to take in this role: sleeps in it. The backup wakes at most once a
 * slack, however many runs the clock takes meanwhile: its deadline is never sooner than that. */
static void sleep_in_role(struct agent *a, enum worker_role role, const struct agent_inst *top,
                          int64_t now)
{
  if (role == ROLE_CLOCK) {
    a->clock_until = top && top->next_ns < now + 1000000000LL ? top->next_ns : now + 1000000000LL;
    a->clock_waiter = true;
    wait_until(&a->clock_cond, &a->lock, a->clock_until);
    a->clock_waiter = false;
  } else if (role == ROLE_BACKUP) {
    int64_t from = top && top->next_ns > now ? top->next_ns : now;

    a->backup_waiter = true;
    wait_until(&a->backup_cond, &a->lock, from + (top ? top->early_ns : 1000000000LL));
    a->backup_waiter = false;
  } else {
    pthread_cond_wait(&a->cond, &a->lock);
  }
}

void *agent_worker_main(void *arg)
{
  struct agent *a = arg;
  enum worker_role slept = ROLE_RUN;

  pthread_mutex_lock(&a->lock);
  while (!a->stopping) {
    /* Picking costs O(log n) at 10,000 instances, where a scan of them all for every run was
     * the agent's largest cost of its own. */
    int64_t now = mw_now_ns();
    enum worker_role role = choose_role(a, slept);
    struct agent_inst *top = a->nqueue > 0 ? &a->insts[a->queue[0].index] : NULL;
    int64_t takes_from = 0;

    if (top)
      takes_from =
          role == ROLE_BACKUP ? top->next_ns + top->early_ns : top->next_ns - top->early_ns;
    if (top && role != ROLE_IDLE && takes_from <= now) {
      struct agent_inst *due = &a->insts[queue_pop(a)];

      due->running = true;
      due->due_ns = due->next_ns;
      /* The clock is left; the backup watches it. Without one, an idle worker becomes it. */
      if (!a->backup_waiter)
        pthread_cond_signal(&a->cond);
      pthread_mutex_unlock(&a->lock);
      run_one(a, due);
      pthread_mutex_lock(&a->lock);
      slept = ROLE_RUN;
      continue;
    }
    sleep_in_role(a, role, top, now);
    slept = role;
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}
