/* SPDX-License-Identifier: MIT */
/* child_spawn.h - a child process for a check (exec's plugins, mcp-tools' stdio servers), made
 * with posix_spawn rather than fork since checks run inside threaded daemons (the agent,
 * collectd): its own process group, so that SIGTERM and SIGKILL reach what it starts; no signal
 * blocked or ignored as they may be in the host's threads; no descriptor of the host but the
 * three it is given. */
#ifndef CHILD_SPAWN_H
#define CHILD_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct child_spawn {
  char *const *argv;
  char *const *envp;
  int in; /* -1: /dev/null */
  int out;
  int err;
  const char *cwd;  /* NULL: the host's */
  bool search_path; /* argv[0] looked up in PATH (posix_spawnp) */
};

enum child_spawn_step { CHILD_PREPARE, CHILD_START };

/* 0 with *pid set, or an errno value with *step saying whether the process could not be
 * prepared (out of memory) or not started (argv[0] missing, not executable, cwd missing). */
int child_spawn(const struct child_spawn *spec, pid_t *pid, enum child_spawn_step *step);

/* fd itself, or a close-on-exec copy of it above 2 (the original closed) when it is 0, 1 or 2,
 * where the child's streams go; -1 when that copy cannot be made. */
int child_fd_above_stdio(int fd);

#endif
