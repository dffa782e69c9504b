/* SPDX-License-Identifier: MIT */
/* runner.c - runs check instances in parallel, each bounded by its own deadline.
 *
 * Checks honour their deadline themselves; the runner is the backstop for one that does not.
 * A job still running a grace second after its deadline is abandoned: it is reported with its
 * timeout state and its thread is left to finish on its own. The batch record is shared by the
 * waiter and the threads and freed by whoever lets go last.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mw_core.h"

#define GRACE_NS 1000000000LL
#define WORKER_STACK (1024 * 1024)

struct task {
  struct batch *batch;
  const struct mw_check *check;
  const struct mw_args *args;
  struct mw_result *result;
  mw_deadline deadline;
  int64_t started;
  int64_t finished;
  bool done;
  bool abandoned;
  bool threaded; /* thread is set: join it when done, detach it when abandoned */
  pthread_t thread;
};

struct batch {
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  size_t pending;
  size_t refs;
  size_t ntasks;
  struct task tasks[];
};

static void batch_release(struct batch *batch)
{
  bool last;
  size_t i;

  pthread_mutex_lock(&batch->mutex);
  last = --batch->refs == 0;
  pthread_mutex_unlock(&batch->mutex);
  if (!last)
    return;
  for (i = 0; i < batch->ntasks; i++) {
    if (batch->tasks[i].abandoned)
      mw_result_free(batch->tasks[i].result);
  }
  pthread_mutex_destroy(&batch->mutex);
  pthread_cond_destroy(&batch->changed);
  free(batch);
}

static void execute(struct task *task, struct mw_result *res)
{
  void *state = NULL;

  if (task->check->open(task->args, &state, res) != 0) {
    mw_result_state(res, MW_UNKNOWN);
    if (!*mw_result_get_summary(res))
      mw_result_summary(res, "invalid options");
    return;
  }
  task->check->run(state, res, task->deadline);
  task->check->close(state);
}

static void finish(struct task *task, struct mw_result *res)
{
  struct batch *batch = task->batch;

  pthread_mutex_lock(&batch->mutex);
  task->result = res;
  task->finished = mw_now_ns();
  task->done = true;
  batch->pending--;
  pthread_cond_signal(&batch->changed);
  pthread_mutex_unlock(&batch->mutex);
}

static void *worker(void *arg)
{
  struct task *task = arg;
  struct mw_result *res = mw_result_new();

  if (res)
    execute(task, res);
  finish(task, res);
  batch_release(task->batch);
  return NULL;
}

static struct batch *batch_new(struct mw_job *jobs, size_t njobs)
{
  struct batch *batch = calloc(1, sizeof(*batch) + njobs * sizeof(struct task));
  int64_t now = mw_now_ns();
  size_t i;

  if (!batch)
    return NULL;
  pthread_mutex_init(&batch->mutex, NULL);
  mw_cond_init_monotonic(&batch->changed);
  batch->ntasks = njobs;
  batch->pending = njobs;
  for (i = 0; i < njobs; i++) {
    struct task *task = &batch->tasks[i];
    double timeout = mw_args_duration(jobs[i].args, "timeout");
    task->batch = batch;
    task->check = jobs[i].check;
    task->args = jobs[i].args;
    task->started = now;
    task->deadline = now + (int64_t)(timeout * 1e9);
  }
  return batch;
}

static void wait_for(struct batch *batch)
{
  int64_t give_up = 0;
  struct timespec until;
  size_t i;

  for (i = 0; i < batch->ntasks; i++) {
    if (batch->tasks[i].deadline > give_up)
      give_up = batch->tasks[i].deadline;
  }
  give_up += GRACE_NS;
  until.tv_sec = (time_t)(give_up / 1000000000);
  until.tv_nsec = (long)(give_up % 1000000000);
  pthread_mutex_lock(&batch->mutex);
  while (batch->pending > 0) {
    if (pthread_cond_timedwait(&batch->changed, &batch->mutex, &until) == ETIMEDOUT)
      break;
  }
  for (i = 0; i < batch->ntasks; i++) {
    if (!batch->tasks[i].done)
      batch->tasks[i].abandoned = true;
  }
  pthread_mutex_unlock(&batch->mutex);
}

static struct mw_result *abandoned_result(const struct task *task)
{
  struct mw_result *res = mw_result_new();

  mw_result_state(res, mw_args_state(task->args, "timeout-state"));
  mw_result_summary(res, "did not finish within its %.1fs timeout",
                    mw_args_duration(task->args, "timeout"));
  return res;
}

void mw_run_job_here(struct mw_job *job)
{
  struct task task;
  int64_t started = mw_now_ns();

  memset(&task, 0, sizeof(task));
  task.check = job->check;
  task.args = job->args;
  task.deadline = started + (int64_t)(mw_args_duration(job->args, "timeout") * 1e9);
  job->result = mw_result_new();
  if (job->result)
    execute(&task, job->result);
  job->duration_ns = mw_now_ns() - started;
  job->abandoned = false;
}

enum mw_state mw_run_jobs(struct mw_job *jobs, size_t njobs)
{
  struct batch *batch;
  pthread_attr_t attr;
  enum mw_state worst = MW_OK;
  size_t i;

  if (njobs == 0)
    return MW_OK;
  batch = batch_new(jobs, njobs);
  if (!batch) {
    for (i = 0; i < njobs; i++)
      jobs[i].result = NULL;
    return MW_UNKNOWN;
  }
  /* Every thread's reference is counted before the first one starts: a worker that finishes
   * early must never see the count reach zero while others are still being started. */
  batch->refs = 1 + njobs;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, WORKER_STACK);
  for (i = 0; i < njobs; i++) {
    if (pthread_create(&batch->tasks[i].thread, &attr, worker, &batch->tasks[i]) == 0) {
      batch->tasks[i].threaded = true;
    } else {
      /* No thread to be had: run it here; its own deadline still bounds it. */
      struct mw_result *res = mw_result_new();
      if (res)
        execute(&batch->tasks[i], res);
      finish(&batch->tasks[i], res);
      batch_release(batch);
    }
  }
  pthread_attr_destroy(&attr);
  wait_for(batch);

  pthread_mutex_lock(&batch->mutex);
  for (i = 0; i < njobs; i++) {
    struct task *task = &batch->tasks[i];
    if (task->abandoned) {
      jobs[i].result = abandoned_result(task);
      jobs[i].duration_ns = mw_now_ns() - task->started;
      jobs[i].abandoned = true;
    } else {
      jobs[i].result = task->result;
      jobs[i].duration_ns = task->finished - task->started;
      jobs[i].abandoned = false;
    }
    worst = mw_state_worst(worst, mw_result_get_state(jobs[i].result));
  }
  pthread_mutex_unlock(&batch->mutex);
  /* A finished worker is joined: it has only to return, and its thread-local state (OpenSSL's
   * error queue, for one) is given back before the caller goes on or exits. An abandoned one is
   * detached and left to finish on its own. */
  for (i = 0; i < njobs; i++) {
    struct task *task = &batch->tasks[i];

    if (!task->threaded)
      continue;
    if (jobs[i].abandoned)
      pthread_detach(task->thread);
    else
      pthread_join(task->thread, NULL);
  }
  batch_release(batch);
  return worst;
}
