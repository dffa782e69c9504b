/* SPDX-License-Identifier: MIT */
/* submit.c - the agent's passive results: every result of every instance and service sent to
 * each passive_results receiver (a central Icinga 2, say) straight from memory.
 *
 * A result is a reading, not an event: only the latest one per instance matters. So nothing is
 * spooled; each receiver has one slot per instance holding its newest unsent result, and a queue
 * of the slots that hold one. A receiver that is slow or down therefore costs a bounded amount
 * of memory (one result per instance) however long it stays away, and when it is back it gets
 * each instance's current state once, not the backlog. State changes still travel through the
 * spool of the notifiers, where nothing is ever dropped.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_impl.h"

struct receiver {
  struct submitter *owner;
  struct mw_destination *dest;
  pthread_t thread;
  bool started;
  bool done; /* its thread has returned (under the submitter's lock) */
  /* Newest unsent result per slot; texts NULL when none. A slot holds a result exactly while it
   * is in the ring. */
  struct mw_event_data *slots;
  size_t *ring; /* slots holding a result, oldest first */
  size_t head;
  size_t count;
  unsigned failures;      /* retries in a row */
  int64_t retry_at;       /* CLOCK_MONOTONIC ns; no attempt before */
  unsigned long sent;     /* accepted by the receiver */
  unsigned long refused;  /* refused for good (an unknown service, say) */
  unsigned long replaced; /* superseded by a newer result before it could be sent */
  char retrying[256];     /* why the receiver is being retried, "" while it accepts */
  char refusal[512];      /* the last refusal: "SERVICE: REASON" */
};

struct submitter {
  struct receiver *receivers;
  size_t nreceivers;
  size_t nslots;
  pthread_mutex_t lock; /* one lock for all: submits are short, sends happen outside it */
  pthread_cond_t cond;  /* CLOCK_MONOTONIC */
  bool stopping;
  int64_t stop_deadline;
  size_t running; /* receiver threads that have not returned */
  void (*log)(const char *fmt, ...);
};

static void wait_until(struct submitter *s, int64_t when)
{
  struct timespec ts = {(time_t)(when / 1000000000LL), (long)(when % 1000000000LL)};

  pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void push_front(struct receiver *r, size_t slot)
{
  size_t n = r->owner->nslots;

  r->head = (r->head + n - 1) % n;
  r->ring[r->head] = slot;
  r->count++;
}

/* With the lock held, after an attempt on slot with the result in data (now owned again). */
static void settle(struct receiver *r, size_t slot, struct mw_event_data *data,
                   const struct mw_send_status *st)
{
  struct submitter *s = r->owner;

  if (st->outcome == MW_DELIVERED) {
    r->sent++;
    r->retrying[0] = '\0';
    if (r->failures > 0)
      s->log("%s: passive results are accepted again", r->dest->name);
    r->failures = 0;
    mw_event_data_free(data);
    return;
  }
  if (st->outcome == MW_REJECTED) {
    /* Final for this result (an unknown service, say); the next result may fare better. */
    r->refused++;
    r->retrying[0] = '\0'; /* the receiver answered */
    snprintf(r->refusal, sizeof(r->refusal), "%s: %s", data->event.service, st->reason);
    s->log("error: %s: result of %s refused: %s", r->dest->name, data->event.service, st->reason);
    mw_event_data_free(data);
    return;
  }
  r->failures++;
  snprintf(r->retrying, sizeof(r->retrying), "%s", st->reason);
  r->retry_at = mw_now_ns() +
                (int64_t)(mw_backoff_seconds(r->failures, st->retry_after, mw_random01()) * 1e9);
  s->log("warning: %s: passive results not accepted: %s; retrying with backoff", r->dest->name,
         st->reason);
  if (r->slots[slot].texts) {
    r->replaced++; /* a newer result took its place meanwhile */
    mw_event_data_free(data);
  } else {
    r->slots[slot] = *data;
    push_front(r, slot);
  }
}

static void *receiver_main(void *arg)
{
  struct receiver *r = arg;
  struct submitter *s = r->owner;
  int64_t attempt_ns = (int64_t)(mw_args_duration(r->dest->args, "timeout") * 1e9);

  pthread_mutex_lock(&s->lock);
  for (;;) {
    int64_t now = mw_now_ns();
    struct mw_event_data data;
    struct mw_send_status st;
    mw_deadline deadline;
    size_t slot;

    if (s->stopping && (r->count == 0 || now >= s->stop_deadline))
      break;
    if (r->count == 0) {
      pthread_cond_wait(&s->cond, &s->lock);
      continue;
    }
    if (now < r->retry_at) {
      wait_until(s, s->stopping && s->stop_deadline < r->retry_at ? s->stop_deadline : r->retry_at);
      continue;
    }
    slot = r->ring[r->head];
    r->head = (r->head + 1) % s->nslots;
    r->count--;
    data = r->slots[slot];
    memset(&r->slots[slot], 0, sizeof(r->slots[slot]));
    deadline = now + attempt_ns;
    if (s->stopping && deadline > s->stop_deadline)
      deadline = s->stop_deadline;
    pthread_mutex_unlock(&s->lock);
    r->dest->plugin.notifier->send(r->dest->state, &data.event, deadline, &st);
    st.reason[sizeof(st.reason) - 1] = '\0';
    mw_destination_scrub(r->dest, st.reason, sizeof(st.reason));
    pthread_mutex_lock(&s->lock);
    settle(r, slot, &data, &st);
  }
  s->running--;
  r->done = true;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

struct submitter *submitter_new(const struct mw_config *cfg, const char *state_dir, size_t nslots,
                                void (*log)(const char *fmt, ...), char *err, size_t errlen)
{
  struct submitter *s;
  size_t k;

  err[0] = '\0';
  if (cfg->nresults == 0 || nslots == 0)
    return NULL;
  s = calloc(1, sizeof(*s));
  if (!s || !(s->receivers = calloc(cfg->nresults, sizeof(*s->receivers)))) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->nslots = nslots;
  s->log = log;
  pthread_mutex_init(&s->lock, NULL);
  mw_cond_init_monotonic(&s->cond);
  for (k = 0; k < cfg->nresults; k++) {
    const struct mw_instance *n = &cfg->results[k];
    struct receiver *r = &s->receivers[k];
    char folder[4096];
    char why[MW_ERR_MAX];
    r->owner = s;
    s->nreceivers++;
    if ((size_t)snprintf(folder, sizeof(folder), "%s/passive-%s", state_dir, n->name) >=
        sizeof(folder)) {
      snprintf(err, errlen, "%s: path too long", state_dir);
      goto fail;
    }
    if (mw_destination_open_direct(folder, n->name, n->check, n->settings, n->nsettings, &r->dest,
                                   why, sizeof(why)) != 0) {
      snprintf(err, errlen, "%s:%d: passive_results '%s': %s", n->file, n->line, n->name, why);
      goto fail;
    }
    r->slots = calloc(nslots, sizeof(*r->slots));
    r->ring = calloc(nslots, sizeof(*r->ring));
    if (!r->slots || !r->ring) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
  }
  for (k = 0; k < s->nreceivers; k++) {
    struct receiver *r = &s->receivers[k];
    pthread_mutex_lock(&s->lock);
    s->running++;
    pthread_mutex_unlock(&s->lock);
    if (pthread_create(&r->thread, NULL, receiver_main, r) != 0) {
      pthread_mutex_lock(&s->lock);
      s->running--;
      pthread_mutex_unlock(&s->lock);
      snprintf(err, errlen, "cannot start a thread for passive results");
      goto fail;
    }
    r->started = true;
  }
  return s;
fail:
  submitter_stop(s, 0);
  submitter_free(s);
  return NULL;
}

void submitter_send(struct submitter *s, size_t slot, const struct mw_event *ev)
{
  size_t k;

  if (!s || slot >= s->nslots)
    return;
  pthread_mutex_lock(&s->lock);
  for (k = 0; k < s->nreceivers && !s->stopping; k++) {
    struct receiver *r = &s->receivers[k];
    struct mw_event_data copy;
    if (mw_event_copy(ev, &copy) != 0)
      continue;
    if (r->slots[slot].texts) {
      r->replaced++; /* not sent in time: the newer result takes its place in the ring */
      mw_event_data_free(&r->slots[slot]);
    } else {
      r->ring[(r->head + r->count) % s->nslots] = slot;
      r->count++;
    }
    r->slots[slot] = copy;
  }
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

void submitter_report(struct submitter *s, struct mw_buf *out)
{
  size_t k;

  if (!s)
    return;
  pthread_mutex_lock(&s->lock);
  for (k = 0; k < s->nreceivers; k++) {
    const struct receiver *r = &s->receivers[k];
    mw_buf_addf(out, "passive\t%s\t%lu\t%lu\t%lu\t%zu", r->dest->name, r->sent, r->refused,
                r->replaced, r->count);
    status_field(out, r->retrying);
    status_field(out, r->refusal);
    mw_buf_add(out, "\n", 1);
  }
  pthread_mutex_unlock(&s->lock);
}

size_t submitter_count(struct submitter *s, size_t k, const char **name, unsigned long counts[4])
{
  if (!s)
    return 0;
  pthread_mutex_lock(&s->lock);
  if (k < s->nreceivers) {
    const struct receiver *r = &s->receivers[k];

    *name = r->dest->name;
    counts[0] = r->sent;
    counts[1] = r->refused;
    counts[2] = r->replaced;
    counts[3] = (unsigned long)r->count;
  }
  pthread_mutex_unlock(&s->lock);
  return s->nreceivers;
}

void submitter_stop(struct submitter *s, double wait)
{
  if (!s)
    return;
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  s->stop_deadline = mw_now_ns() + (int64_t)(wait * 1e9);
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

bool submitter_finish(struct submitter *s, int64_t deadline)
{
  bool finished;

  if (!s)
    return true;
  pthread_mutex_lock(&s->lock);
  if (!s->stopping || s->stop_deadline > deadline) {
    s->stopping = true;
    s->stop_deadline = deadline;
  }
  pthread_cond_broadcast(&s->cond);
  while (s->running > 0 && mw_now_ns() < deadline)
    wait_until(s, deadline);
  finished = s->running == 0;
  if (!finished) {
    size_t k;
    /* The process is about to exit: the threads that returned are joined, the ones still
     * inside a send are let go. */
    for (k = 0; k < s->nreceivers; k++) {
      struct receiver *r = &s->receivers[k];
      if (!r->started)
        continue;
      if (r->done)
        pthread_join(r->thread, NULL);
      else
        pthread_detach(r->thread);
      r->started = false;
    }
  }
  pthread_mutex_unlock(&s->lock);
  if (finished)
    submitter_free(s);
  return finished;
}

void submitter_free(struct submitter *s)
{
  size_t k;
  size_t i;

  if (!s)
    return;
  pthread_mutex_lock(&s->lock);
  if (!s->stopping) {
    s->stopping = true;
    s->stop_deadline = mw_now_ns();
  }
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
  for (k = 0; k < s->nreceivers; k++) {
    struct receiver *r = &s->receivers[k];
    if (r->started)
      pthread_join(r->thread, NULL);
    if (r->count > 0 && r->dest)
      s->log("%s: %zu passive results not sent (stopping)", r->dest->name, r->count);
    for (i = 0; r->slots && i < s->nslots; i++)
      mw_event_data_free(&r->slots[i]);
    free(r->slots);
    free(r->ring);
    mw_destination_close(r->dest);
  }
  pthread_cond_destroy(&s->cond);
  pthread_mutex_destroy(&s->lock);
  free(s->receivers);
  free(s);
}
