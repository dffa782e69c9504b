/* fsstat.c - statvfs() bounded by a deadline.
 *
 * statvfs on a hung NFS or FUSE mount blocks in the kernel and no signal-free way interrupts
 * it, so the call runs on a detached helper thread. The helper and the waiter share a small
 * reference-counted record; whoever lets go last frees it, so a helper that returns an hour
 * later touches nothing that was freed. The helper's code lives here in libmcpwatch, which stays
 * mapped, and never in a check plugin that might be unloaded while the helper is blocked.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mw_core.h"

/* Helpers blocked at once, process-wide: past this, further mounts are not even tried, so a
 * dead NFS server cannot make the agent pile up threads without bound. */
#define MAX_BLOCKED_HELPERS 32
#define HELPER_STACK (64 * 1024)

struct statvfs_call {
  pthread_mutex_t mutex;
  pthread_cond_t done_cond;
  int refs;
  bool done;
  int error;
  struct statvfs st;
  char path[];
};

static atomic_int helpers_running;

static void call_release(struct statvfs_call *call)
{
  bool last;

  pthread_mutex_lock(&call->mutex);
  last = --call->refs == 0;
  pthread_mutex_unlock(&call->mutex);
  if (last) {
    pthread_mutex_destroy(&call->mutex);
    pthread_cond_destroy(&call->done_cond);
    free(call);
  }
}

static void *statvfs_helper(void *arg)
{
  struct statvfs_call *call = arg;
  struct statvfs st;
  int error;

  memset(&st, 0, sizeof(st));
  error = statvfs(call->path, &st) == 0 ? 0 : errno;

  pthread_mutex_lock(&call->mutex);
  call->st = st;
  call->error = error;
  call->done = true;
  pthread_cond_signal(&call->done_cond);
  pthread_mutex_unlock(&call->mutex);
  atomic_fetch_sub(&helpers_running, 1);
  call_release(call);
  return NULL;
}

static struct statvfs_call *call_new(const char *path)
{
  size_t len = strlen(path);
  struct statvfs_call *call = calloc(1, sizeof(*call) + len + 1);
  pthread_condattr_t attr;

  if (!call)
    return NULL;
  memcpy(call->path, path, len + 1);
  call->refs = 2; /* the waiter and the helper */
  pthread_mutex_init(&call->mutex, NULL);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&call->done_cond, &attr);
  pthread_condattr_destroy(&attr);
  return call;
}

int mw_statvfs_bounded(const char *path, struct statvfs *out, mw_deadline deadline)
{
  struct statvfs_call *call;
  pthread_attr_t attr;
  pthread_t thread;
  struct timespec until;
  int result;

  if (atomic_fetch_add(&helpers_running, 1) >= MAX_BLOCKED_HELPERS) {
    atomic_fetch_sub(&helpers_running, 1);
    return EBUSY;
  }
  call = call_new(path);
  if (!call) {
    atomic_fetch_sub(&helpers_running, 1);
    return ENOMEM;
  }
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, HELPER_STACK);
  result = pthread_create(&thread, &attr, statvfs_helper, call);
  pthread_attr_destroy(&attr);
  if (result != 0) {
    atomic_fetch_sub(&helpers_running, 1);
    call->refs = 1;
    call_release(call);
    return result;
  }

  until.tv_sec = (time_t)(deadline / 1000000000);
  until.tv_nsec = (long)(deadline % 1000000000);
  pthread_mutex_lock(&call->mutex);
  while (!call->done) {
    if (pthread_cond_timedwait(&call->done_cond, &call->mutex, &until) == ETIMEDOUT)
      break;
  }
  if (call->done) {
    result = call->error;
    if (result == 0)
      *out = call->st;
  } else {
    result = ETIMEDOUT;
  }
  pthread_mutex_unlock(&call->mutex);
  call_release(call);
  return result;
}
