/* SPDX-License-Identifier: MIT */
/* resolve.c - name resolution bounded by a deadline.
 *
 * getaddrinfo() cannot be interrupted: a DNS server that never answers holds it for the
 * resolver's own timeouts (5 s per try and server by default), far past a check's --timeout. It
 * runs on a thread of its own; the caller waits until its deadline and, if the answer is late,
 * detaches the thread and leaves: whichever of the two finishes last frees the job. A numeric
 * address never needs the thread. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mw_core.h"

struct resolve_job {
  pthread_mutex_t lock;
  pthread_cond_t done_cond;
  int refs; /* the caller and the thread */
  bool done;
  char *host;
  char service[16];
  struct addrinfo hints;
  struct addrinfo *list;
  int gai;
  int sys_errno;
};

static void job_release(struct resolve_job *job)
{
  bool last;

  pthread_mutex_lock(&job->lock);
  last = --job->refs == 0;
  pthread_mutex_unlock(&job->lock);
  if (!last)
    return;
  if (job->list)
    freeaddrinfo(job->list);
  free(job->host);
  pthread_cond_destroy(&job->done_cond);
  pthread_mutex_destroy(&job->lock);
  free(job);
}

static void *resolve_thread(void *arg)
{
  struct resolve_job *job = arg;
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(job->host, job->service, &job->hints, &list);
  int sys_errno = errno;

  pthread_mutex_lock(&job->lock);
  job->list = list;
  job->gai = gai;
  job->sys_errno = sys_errno;
  job->done = true;
  pthread_cond_signal(&job->done_cond);
  pthread_mutex_unlock(&job->lock);
  job_release(job);
  return NULL;
}

static void describe(const char *host, int gai, int sys_errno, char *err, size_t errlen)
{
  snprintf(err, errlen, "cannot resolve %s: %s", host,
           gai == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(gai));
}

static struct resolve_job *job_new(const char *host, int port, const struct addrinfo *hints)
{
  struct resolve_job *job = calloc(1, sizeof(*job));

  if (!job)
    return NULL;
  job->host = strdup(host);
  if (!job->host) {
    free(job);
    return NULL;
  }
  snprintf(job->service, sizeof(job->service), "%d", port);
  job->hints = *hints;
  job->refs = 2;
  pthread_mutex_init(&job->lock, NULL);
  mw_cond_init_monotonic(&job->done_cond);
  return job;
}

int mw_resolve(const char *host, int port, int socktype, mw_deadline deadline,
               struct addrinfo **out, char *err, size_t errlen)
{
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype};
  struct resolve_job *job;
  pthread_t thread;
  bool answered;
  struct timespec until = {.tv_sec = (time_t)(deadline / 1000000000),
                           .tv_nsec = (long)(deadline % 1000000000)};
  char service[16];
  int result = -1;
  int gai;

  *out = NULL;
  snprintf(service, sizeof(service), "%d", port);
  hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
  if (getaddrinfo(host, service, &hints, out) == 0)
    return 0;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  job = job_new(host, port, &hints);
  if (!job) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  gai = pthread_create(&thread, NULL, resolve_thread, job);
  if (gai != 0) {
    /* No thread: resolve here, unbounded, rather than not at all. */
    job->refs = 1;
    gai = getaddrinfo(host, service, &hints, out);
    if (gai != 0)
      describe(host, gai, errno, err, errlen);
    job_release(job);
    return gai == 0 ? 0 : -1;
  }
  pthread_mutex_lock(&job->lock);
  while (!job->done)
    if (pthread_cond_timedwait(&job->done_cond, &job->lock, &until) == ETIMEDOUT)
      break;
  answered = job->done;
  if (!answered) {
    snprintf(err, errlen, "cannot resolve %s: no answer before the timeout", host);
  } else if (job->gai != 0) {
    describe(host, job->gai, job->sys_errno, err, errlen);
  } else {
    *out = job->list;
    job->list = NULL;
    result = 0;
  }
  pthread_mutex_unlock(&job->lock);
  /* An answered thread is about to end: wait for it, so that no thread of ours outlives the
   * call unless it has to (a process exiting right after would find it half gone). A late one
   * is left to finish on its own. */
  if (answered)
    pthread_join(thread, NULL);
  else
    pthread_detach(thread);
  job_release(job);
  return result;
}
