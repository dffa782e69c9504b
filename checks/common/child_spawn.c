/* SPDX-License-Identifier: MIT */
/* child_spawn.c - posix_spawn with the attributes every check's child needs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "child_spawn.h"

int child_fd_above_stdio(int fd)
{
  int moved;

  if (fd < 0 || fd > 2)
    return fd;
  moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

int child_spawn(const struct child_spawn *spec, pid_t *pid, enum child_spawn_step *step)
{
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  int rc;

  *step = CHILD_PREPARE;
  if (posix_spawn_file_actions_init(&actions) != 0)
    return ENOMEM;
  if (posix_spawnattr_init(&attr) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return ENOMEM;
  }
  sigemptyset(&none);
  sigfillset(&all);
  rc = spec->in < 0 ? posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                    : posix_spawn_file_actions_adddup2(&actions, spec->in, 0);
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2(&actions, spec->out, 1);
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2(&actions, spec->err, 2);
  if (rc == 0) /* whatever the host opened without O_CLOEXEC stays out */
    rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (rc == 0 && spec->cwd)
    rc = posix_spawn_file_actions_addchdir_np(&actions, spec->cwd);
  if (rc == 0)
    rc = posix_spawnattr_setpgroup(&attr, 0);
  if (rc == 0)
    rc = posix_spawnattr_setsigmask(&attr, &none);
  if (rc == 0)
    rc = posix_spawnattr_setsigdefault(&attr, &all);
  if (rc == 0)
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                             POSIX_SPAWN_SETSIGDEF);
  if (rc == 0) {
    *step = CHILD_START;
    rc = spec->search_path
             ? posix_spawnp(pid, spec->argv[0], &actions, &attr, spec->argv, spec->envp)
             : posix_spawn(pid, spec->argv[0], &actions, &attr, spec->argv, spec->envp);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}
