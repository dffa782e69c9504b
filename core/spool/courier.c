/* SPDX-License-Identifier: MIT */
/* courier.c - a thread that delivers the queues of a set of destinations: when woken (an event
 * was queued), when a retry is due, and once a minute in case another process queued something.
 * It never waits out a backoff inside a delivery, so stopping it takes at most one attempt. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spool_impl.h"

#define IDLE_WAKE_MS 60000
#define ROUND_NS (30LL * 1000000000LL)

struct mw_courier {
  struct mw_destination **dests;
  size_t ndests;
  mw_log_fn log;
  void *log_ctx;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool woken;
  bool stopping;
  bool finished;     /* the thread has returned */
  mw_deadline final; /* when stopping: one last round, waiting out backoffs, until then */
  pthread_t thread;
  struct mw_courier_counts *counts; /* per destination, under lock */
};

static void count(struct mw_courier *c, size_t i, const struct mw_deliver_report *report)
{
  pthread_mutex_lock(&c->lock);
  c->counts[i].delivered += report->delivered;
  c->counts[i].rejected += report->rejected;
  c->counts[i].attempts_failed += report->pending > 0 && !report->busy;
  c->counts[i].pending = (long)report->pending;
  pthread_mutex_unlock(&c->lock);
}

static void *courier_main(void *arg)
{
  struct mw_courier *c = arg;

  pthread_mutex_lock(&c->lock);
  while (!c->stopping) {
    int64_t next_ms = clock_realtime_ms() + IDLE_WAKE_MS;
    struct timespec until;
    size_t i;
    c->woken = false;
    pthread_mutex_unlock(&c->lock);
    for (i = 0; i < c->ndests; i++) {
      struct mw_deliver_report report;
      mw_spool_deliver(c->dests[i], mw_now_ns() + ROUND_NS, 0, c->log, c->log_ctx, &report);
      count(c, i, &report);
      if (report.pending) {
        int64_t at = report.next_attempt_ms ? report.next_attempt_ms : clock_realtime_ms() + 1000;
        if (at < next_ms)
          next_ms = at;
      }
    }
    pthread_mutex_lock(&c->lock);
    if (c->stopping)
      break;
    until.tv_sec = (time_t)(next_ms / 1000);
    until.tv_nsec = (long)(next_ms % 1000) * 1000000;
    while (!c->stopping && !c->woken) {
      if (pthread_cond_timedwait(&c->cond, &c->lock, &until) != 0)
        break;
    }
  }
  if (c->final > 0) {
    mw_deadline final = c->final;
    size_t i;
    pthread_mutex_unlock(&c->lock);
    for (i = 0; i < c->ndests && !mw_deadline_passed(final); i++) {
      struct mw_deliver_report report;
      mw_spool_deliver(c->dests[i], final, MW_DELIVER_WAIT, c->log, c->log_ctx, &report);
      count(c, i, &report);
    }
    pthread_mutex_lock(&c->lock);
  }
  c->finished = true;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
  return NULL;
}

struct mw_courier *mw_courier_start(struct mw_destination **dests, size_t ndests, mw_log_fn log,
                                    void *log_ctx, char *err, size_t errlen)
{
  struct mw_courier *c = calloc(1, sizeof(*c));

  if (!c) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->counts = calloc(ndests ? ndests : 1, sizeof(*c->counts));
  if (!c->counts) {
    snprintf(err, errlen, "out of memory");
    free(c);
    return NULL;
  }
  c->dests = dests;
  c->ndests = ndests;
  c->log = log;
  c->log_ctx = log_ctx;
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL); /* CLOCK_REALTIME: its waits are for wall-clock retries */
  if (pthread_create(&c->thread, NULL, courier_main, c) != 0) {
    snprintf(err, errlen, "cannot start the delivery thread");
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c->counts);
    free(c);
    return NULL;
  }
  return c;
}

void mw_courier_wake(struct mw_courier *c)
{
  if (!c)
    return;
  pthread_mutex_lock(&c->lock);
  c->woken = true;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
}

static void courier_free(struct mw_courier *c)
{
  pthread_join(c->thread, NULL);
  pthread_cond_destroy(&c->cond);
  pthread_mutex_destroy(&c->lock);
  free(c->counts);
  free(c);
}

void mw_courier_stop(struct mw_courier *c)
{
  if (!c)
    return;
  pthread_mutex_lock(&c->lock);
  c->stopping = true;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
  courier_free(c);
}

bool mw_courier_finish(struct mw_courier *c, mw_deadline deadline)
{
  int64_t left_ns;
  struct timespec until;
  bool finished;

  if (!c)
    return true;
  pthread_mutex_lock(&c->lock);
  c->stopping = true;
  c->final = deadline;
  pthread_cond_broadcast(&c->cond);
  /* The condition variable waits on the wall clock: the monotonic deadline becomes one. */
  left_ns = deadline - mw_now_ns();
  clock_gettime(CLOCK_REALTIME, &until);
  if (left_ns > 0) {
    until.tv_sec += (time_t)(left_ns / 1000000000LL);
    until.tv_nsec += (long)(left_ns % 1000000000LL);
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
  }
  while (!c->finished && left_ns > 0) {
    if (pthread_cond_timedwait(&c->cond, &c->lock, &until) != 0)
      break;
  }
  finished = c->finished;
  pthread_mutex_unlock(&c->lock);
  if (finished)
    courier_free(c);
  else
    pthread_detach(c->thread); /* the process is about to exit; the event stays queued */
  return finished;
}

void mw_courier_counts(struct mw_courier *c, size_t i, struct mw_courier_counts *out)
{
  memset(out, 0, sizeof(*out));
  out->pending = -1;
  if (!c || i >= c->ndests)
    return;
  pthread_mutex_lock(&c->lock);
  *out = c->counts[i];
  pthread_mutex_unlock(&c->lock);
}
