/* SPDX-License-Identifier: MIT */
/* workers.c - the agent's worker threads and who of them watches the clock.
 *
 * The roles, all under a->lock. The clock: one worker sleeps until the next run is due, then
 * takes it and those due within the slack, one after another. The backup: one more waits until
 * a run is overdue by its slack, which happens only while every other worker is in a run that
 * outlasted it (a hung server), and takes it. The others sleep until the backup leaves its role.
 * So taking a run wakes nobody while a backup waits: with each run handing the clock to another
 * worker, four workers cost 1.68 context switches per check against one worker's 1.12
 * (docs/PERFORMANCE.md). A hung run delays the next one by up to twice its slack.
 *
 * The backup does not sleep on a condition variable with a deadline: the deadline moves on each
 * time the clock takes runs, and moving a sleeper's deadline means waking it (about ten times a
 * second at 1,000 instances, each a context switch). It reads a timerfd instead, which the worker
 * on the clock moves on without waking anyone: the backup wakes only when the timer fires. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "agent_impl.h"

#define SECOND_NS 1000000000LL

enum worker_role {
  ROLE_RUN,    /* back from a run, or just started */
  ROLE_CLOCK,  /* slept on the clock */
  ROLE_BACKUP, /* slept as the backup */
  ROLE_IDLE,   /* slept until woken */
};

static struct timespec timespec_of(int64_t ns)
{
  struct timespec ts;

  ts.tv_sec = (time_t)(ns / SECOND_NS);
  ts.tv_nsec = (long)(ns % SECOND_NS);
  return ts;
}

/* With a->lock held: the backup's timer to fire at at_ns (CLOCK_MONOTONIC), 0 to stop it. */
static void watch_set(struct agent *a, int64_t at_ns)
{
  struct itimerspec when;

  if (at_ns == a->watch_ns)
    return;
  memset(&when, 0, sizeof(when));
  when.it_value = timespec_of(at_ns);
  a->watch_ns = at_ns;
  timerfd_settime(a->watch_fd, TFD_TIMER_ABSTIME, &when, NULL);
}

/* When the backup should look again: once the top run is overdue by its slack, and never sooner
 * than a slack from now, so that a clock behind its runs does not wake it at each one. */
static int64_t watch_for(const struct agent_inst *top, int64_t now)
{
  if (!top)
    return 0;
  return (top->next_ns > now ? top->next_ns : now) + top->early_ns;
}

int agent_workers_open(struct agent *a, char *err, size_t errlen)
{
  a->watch_ns = 0;
  a->watch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (a->watch_fd < 0) {
    snprintf(err, errlen, "cannot create the workers' timer: %s", strerror(errno));
    return -1;
  }
  return 0;
}

void agent_workers_close(struct agent *a)
{
  if (a->watch_fd >= 0)
    close(a->watch_fd);
  a->watch_fd = -1;
}

void agent_workers_wake_all(struct agent *a)
{
  pthread_cond_broadcast(&a->cond);
  pthread_cond_broadcast(&a->clock_cond);
  if (a->watch_fd >= 0)
    watch_set(a, 1); /* long past: fires at once */
}

void agent_workers_pushed(struct agent *a, const struct agent_inst *ai)
{
  int64_t now;

  /* The worker on the clock chose its wake-up while this instance was running, without it: if
   * this run is due before then (few instances, short intervals), it must choose again. */
  if (a->clock_waiter && ai->next_ns - ai->early_ns < a->clock_until)
    pthread_cond_signal(&a->clock_cond);
  if (!a->backup_waiter)
    return;
  now = mw_now_ns();
  if (a->watch_ns == 0 || watch_for(ai, now) < a->watch_ns)
    watch_set(a, watch_for(ai, now));
}

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

/* With a->lock held: until the timer fires, without the lock meanwhile. */
static void backup_wait(struct agent *a)
{
  uint64_t expirations;

  pthread_mutex_unlock(&a->lock);
  while (read(a->watch_fd, &expirations, sizeof(expirations)) < 0 && errno == EINTR)
    ;
  pthread_mutex_lock(&a->lock);
  /* Fired, or moved and fired since: set again before the next wait. */
  a->watch_ns = 0;
}

/* With a->lock held, nothing to take in this role: sleeps in it. */
static void sleep_in_role(struct agent *a, enum worker_role role, const struct agent_inst *top,
                          int64_t now)
{
  if (role == ROLE_CLOCK) {
    struct timespec until;

    a->clock_until = top && top->next_ns < now + SECOND_NS ? top->next_ns : now + SECOND_NS;
    /* Nothing runs now but what the backup's timer covers: it may sleep until the top run is
     * overdue, rather than until one the clock took early was. */
    if (a->backup_waiter)
      watch_set(a, watch_for(top, now));
    a->clock_waiter = true;
    until = timespec_of(a->clock_until);
    pthread_cond_timedwait(&a->clock_cond, &a->lock, &until);
    a->clock_waiter = false;
  } else if (role == ROLE_BACKUP) {
    a->backup_waiter = true;
    watch_set(a, watch_for(top, now));
    if (!a->stopping)
      backup_wait(a);
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
      struct agent_inst *due = &a->insts[agent_queue_pop(a)];

      due->running = true;
      due->due_ns = due->next_ns;
      /* The clock is left; the backup watches it. Without one, an idle worker becomes it. */
      if (!a->backup_waiter)
        pthread_cond_signal(&a->cond);
      pthread_mutex_unlock(&a->lock);
      agent_run_one(a, due);
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
