/* fsstat.c - statvfs() bounded by a deadline.
 *
 * statvfs on a hung NFS, CIFS or FUSE mount blocks in the kernel, and a FUSE request the
 * server has already read cannot even be killed. A thread stuck that way would keep the whole
 * process from exiting, and Nagios from ever seeing an exit code. So the call runs in a forked
 * child that holds nothing but a pipe: when it does not answer before the deadline it is sent
 * SIGKILL and left to a detached reaper thread, and the caller goes on. The reaper and its
 * code live here in libmcpwatch, which stays mapped, never in a check that might be unloaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mw_core.h"

/* Children stuck at once, process-wide: past this, further mounts are not even tried, so a
 * dead NFS server cannot make the agent pile up processes without bound. */
#define MAX_STUCK_CHILDREN 32
#define REAPER_STACK (64 * 1024)

struct statvfs_answer {
  int error;
  struct statvfs st;
};

static atomic_int stuck_children;

static void *reap_child(void *arg)
{
  pid_t pid = (pid_t)(intptr_t)arg;

  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  atomic_fetch_sub(&stuck_children, 1);
  return NULL;
}

static void abandon_child(pid_t pid)
{
  pthread_attr_t attr;
  pthread_t thread;

  kill(pid, SIGKILL);
  atomic_fetch_add(&stuck_children, 1);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, REAPER_STACK);
  if (pthread_create(&thread, &attr, reap_child, (void *)(intptr_t)pid) != 0)
    atomic_fetch_sub(&stuck_children, 1); /* left as a zombie until the process exits */
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

int mw_statvfs_bounded(const char *path, struct statvfs *out, mw_deadline deadline)
{
  struct statvfs_answer answer;
  int fds[2];
  pid_t pid;
  int result;

  if (atomic_load(&stuck_children) >= MAX_STUCK_CHILDREN)
    return EBUSY;
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
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (result != 0)
    return result;
  if (answer.error == 0)
    *out = answer.st;
  return answer.error;
}
