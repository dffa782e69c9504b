/* SPDX-License-Identifier: MIT */
/* fsstat.c - statvfs() bounded by a deadline.
 *
 * statvfs on a hung NFS, CIFS or FUSE mount blocks in the kernel. The file system type decides
 * how the call is made:
 *
 * - Local disk and memory file systems answer statfs from counters kept in memory: called
 *   directly, as a helper would cost more than the call.
 * - Other known types (NFS, CIFS, Ceph...): on a detached helper thread. Helper and waiter share
 *   a reference-counted record and whoever lets go last frees it. Their waits are killable, so
 *   a helper still stuck when the process exits does not keep it from exiting.
 * - FUSE and unknown types: in a forked child holding nothing but an answer pipe. A FUSE request
 *   its server has already read cannot be killed; a thread stuck in one would keep the whole
 *   process, and Nagios waiting for its exit code, alive. On timeout the child gets SIGKILL and
 *   a detached reaper thread waits for it. Forking costs about as much as a whole disk check,
 *   hence only here.
 *
 * Helpers and reapers live in libmcpwatch, which stays mapped, never in a check plugin that
 * might be unloaded while one of them is blocked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mw_core.h"

/* Helpers (threads or children) stuck past their deadline at once, process-wide: past this, further
 * mounts are not even tried, so a dead NFS server cannot make the agent pile them up without bound.
 */
#define MAX_STUCK_HELPERS 32
#define HELPER_STACK (64 * 1024)
#define REAPER_STACK (64 * 1024)

static atomic_int helpers_stuck;

struct statvfs_call {
  pthread_mutex_t mutex;
  pthread_cond_t done_cond;
  int refs;
  bool done;
  bool abandoned; /* the waiter gave up: the helper counts as stuck until it returns */
  int error;
  struct statvfs st;
  char path[];
};

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
  if (call->abandoned)
    atomic_fetch_sub(&helpers_stuck, 1);
  pthread_cond_signal(&call->done_cond);
  pthread_mutex_unlock(&call->mutex);
  call_release(call);
  return NULL;
}

static struct statvfs_call *call_new(const char *path)
{
  size_t len = strlen(path);
  struct statvfs_call *call = calloc(1, sizeof(*call) + len + 1);

  if (!call)
    return NULL;
  memcpy(call->path, path, len + 1);
  call->refs = 2; /* the waiter and the helper */
  pthread_mutex_init(&call->mutex, NULL);
  mw_cond_init_monotonic(&call->done_cond);
  return call;
}

static int statvfs_in_thread(const char *path, struct statvfs *out, mw_deadline deadline)
{
  struct statvfs_call *call;
  pthread_attr_t attr;
  pthread_t thread;
  struct timespec until;
  int result;

  call = call_new(path);
  if (!call)
    return ENOMEM;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, HELPER_STACK);
  result = pthread_create(&thread, &attr, statvfs_helper, call);
  pthread_attr_destroy(&attr);
  if (result != 0) {
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
    call->abandoned = true;
    atomic_fetch_add(&helpers_stuck, 1);
    result = ETIMEDOUT;
  }
  pthread_mutex_unlock(&call->mutex);
  call_release(call);
  return result;
}

struct statvfs_answer {
  int error;
  struct statvfs st;
};

static void *reap_child(void *arg)
{
  pid_t pid = (pid_t)(intptr_t)arg;

  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  atomic_fetch_sub(&helpers_stuck, 1);
  return NULL;
}

static void abandon_child(pid_t pid)
{
  pthread_attr_t attr;
  pthread_t thread;

  kill(pid, SIGKILL);
  atomic_fetch_add(&helpers_stuck, 1);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, REAPER_STACK);
  if (pthread_create(&thread, &attr, reap_child, (void *)(intptr_t)pid) != 0)
    atomic_fetch_sub(&helpers_stuck, 1); /* left as a zombie until the process exits */
  pthread_attr_destroy(&attr);
}

/* In the child of a possibly multi-threaded process: async-signal-safe calls only. */
static void __attribute__((noreturn)) child_statvfs(const char *path, int answer_fd)
{
  struct statvfs_answer answer;

  /* Hold no descriptor but the answer pipe: a stuck child must not keep stdout open. */
  if (answer_fd != 0) {
    dup2(answer_fd, 0);
    answer_fd = 0;
  }
  if (syscall(SYS_close_range, 1U, ~0U, 0U) != 0) {
    int fd;
    for (fd = 1; fd < 65536; fd++)
      close(fd);
  }
  memset(&answer, 0, sizeof(answer));
  answer.error = statvfs(path, &answer.st) == 0 ? 0 : errno;
  if (write(answer_fd, &answer, sizeof(answer)) < 0)
    _exit(1);
  _exit(0);
}

/* Reaps a child that answered (or gave up), waiting for its exit no longer than the deadline: one
 * that does not exit in time (stuck on its way out, as a child of a multithreaded process can be
 * under valgrind) is killed and reaped by a thread, so the check never blocks in waitpid. Polled
 * with short sleeps from 50 us (an answered child exits at once): pidfd_open would be neater,
 * but valgrind does not know it. */
static void reap_child_by(pid_t pid, mw_deadline deadline)
{
  long pause_ns = 50000;

  for (;;) {
    pid_t got = waitpid(pid, NULL, WNOHANG);
    if (got == pid || (got < 0 && errno != EINTR))
      return;
    if (got == 0) {
      struct timespec ts = {0, pause_ns};
      if (mw_deadline_left_ms(deadline) <= 0) {
        abandon_child(pid);
        return;
      }
      nanosleep(&ts, NULL);
      if (pause_ns < 10000000)
        pause_ns *= 2;
    }
  }
}

static int read_answer(int fd, struct statvfs_answer *answer, mw_deadline deadline)
{
  struct pollfd pfd = {fd, POLLIN, 0};
  ssize_t n;

  for (;;) {
    int ready = poll(&pfd, 1, mw_deadline_left_ms(deadline));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      return errno;
    if (ready == 0)
      return ETIMEDOUT;
    break;
  }
  do {
    n = read(fd, answer, sizeof(*answer));
  } while (n < 0 && errno == EINTR);
  /* The answer is smaller than PIPE_BUF, so it arrives whole or not at all. */
  return n == (ssize_t)sizeof(*answer) ? 0 : EIO;
}

static int statvfs_in_child(const char *path, struct statvfs *out, mw_deadline deadline)
{
  struct statvfs_answer answer;
  int fds[2];
  pid_t pid;
  int result;

  if (pipe2(fds, O_CLOEXEC) != 0)
    return errno;
  pid = fork();
  if (pid < 0) {
    result = errno;
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0)
    child_statvfs(path, fds[1]);
  close(fds[1]);
  result = read_answer(fds[0], &answer, deadline);
  close(fds[0]);
  if (result == ETIMEDOUT) {
    abandon_child(pid);
    return ETIMEDOUT;
  }
  reap_child_by(pid, deadline);
  if (result != 0)
    return result;
  if (answer.error == 0)
    *out = answer.st;
  return answer.error;
}

static bool in_memory_counters(const char *fstype)
{
  static const char *const types[] = {
      "ext2",  "ext3",     "ext4",     "xfs",   "btrfs",   "f2fs",     "jfs",     "reiserfs",
      "vfat",  "msdos",    "exfat",    "ntfs3", "zfs",     "bcachefs", "hfsplus", "tmpfs",
      "ramfs", "devtmpfs", "squashfs", "erofs", "iso9660", "udf",      "overlay", NULL};
  const char *const *t;

  for (t = types; *t; t++) {
    if (strcmp(*t, fstype) == 0)
      return true;
  }
  return false;
}

int mw_statvfs_bounded(const char *path, const char *fstype, struct statvfs *out,
                       mw_deadline deadline)
{
  if (fstype && in_memory_counters(fstype))
    return statvfs(path, out) == 0 ? 0 : errno;
  if (atomic_load(&helpers_stuck) >= MAX_STUCK_HELPERS)
    return EBUSY;
  if (!fstype || strncmp(fstype, "fuse", 4) == 0)
    return statvfs_in_child(path, out, deadline);
  return statvfs_in_thread(path, out, deadline);
}
