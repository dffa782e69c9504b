/* SPDX-License-Identifier: MIT */
/* exec.c - any Nagios plugin as a check: run without a shell in a process group of its own,
 * bounded by the deadline (the group killed, the process reaped), its output capped, its status
 * line, long output and perfdata read into a result like any other. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_spawn.h"
#include "exec_output.h"

#define MAX_ENV 64
#define STDERR_MAX 4096
#define STRAY_GRACE_NS 100000000LL /* after the plugin exits, for what it started to let go */
#define KILL_WAIT_NS 1000000000LL  /* for a SIGKILLed plugin to be reapable */
#define BASE_DIRS "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BASE_PATH "PATH=" BASE_DIRS

static const struct mw_option exec_options[] = {
    {"command", 0, MW_OPT_STRING, MW_OPT_REPEAT | MW_OPT_REST, "COMMAND [ARG...]", NULL,
     "The plugin and its arguments, one word each: after the options on the command line, a "
     "list in the configuration. The program is an absolute path; no shell is involved.",
     NULL, NULL},
    {"env", 'e', MW_OPT_STRING, MW_OPT_REPEAT, "NAME=VALUE", NULL,
     "A variable of the plugin's environment (repeatable); nothing else of ours is passed.", NULL,
     NULL},
    {"output-max", 0, MW_OPT_INT, 0, "BYTES", "65536",
     "Output kept, from 1024 to 16777216 bytes; the rest is read and dropped.", NULL, NULL},
    {"long-lines", 0, MW_OPT_INT, 0, "N", "100", "Lines of long output kept.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char exec_description[] =
    "Runs a plugin that follows the Nagios plugin guidelines, e.g.\n"
    "  mcpwatch exec -- /usr/lib/nagios/plugins/check_ntp_time -H pool.ntp.org -w 0.5 -c 1\n"
    "Its exit status is the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; any other, or a\n"
    "signal, is UNKNOWN and said). Its first line is the summary; the perfdata after '|' on\n"
    "the first line and on every line after the first '|' of the long output are read as\n"
    "perfdata, so the agent forwards them and the collectd plugin dispatches them; other lines\n"
    "are kept as long output. The plugin runs with stdin from /dev/null, in a process group of\n"
    "its own, with only PATH=" BASE_DIRS " and the --env variables in its environment\n"
    "(PATH may be replaced with --env). At the deadline (--timeout) the whole group is killed\n"
    "with SIGKILL and the run is --timeout-state; what the plugin leaves running after it\n"
    "exits is killed too. Output beyond --output-max is dropped (said in the long output);\n"
    "stderr is shown, cut, only when stdout is empty.\n";

struct exec {
  char **argv; /* borrowed from the arguments, NULL ended */
  char *envp[MAX_ENV + 2];
  size_t output_max;
  size_t long_lines;
  enum mw_state timeout_state;
};

static int spawn(const struct exec *x, int out, int errw, pid_t *pid, char *err, size_t errlen)
{
  const struct child_spawn spec = {x->argv, (char *const *)x->envp, -1, out, errw, NULL, false};
  enum child_spawn_step step;
  int rc = child_spawn(&spec, pid, &step);

  if (rc == 0)
    return 0;
  if (step == CHILD_START)
    snprintf(err, errlen, "cannot run %.300s: %s", x->argv[0], strerror(rc));
  else
    snprintf(err, errlen, "cannot prepare the plugin's process: %s", strerror(rc));
  return -1;
}

struct run {
  pid_t pid;
  int fds[2]; /* stdout, stderr; -1 once ended */
  struct mw_buf out;
  struct mw_buf err;
  size_t dropped;
  bool exited;
  int status; /* >= 0 the exit status, < 0 the signal */
  bool lost;  /* reaped by someone else: the status is unknown */
};

static void take(struct run *r, int which, size_t max)
{
  char buf[16384];
  int rounds = 0;

  while (r->fds[which] >= 0 && rounds++ < 64) {
    ssize_t got = read(r->fds[which], buf, sizeof(buf));

    if (got > 0) {
      struct mw_buf *b = which == 0 ? &r->out : &r->err;
      size_t room = b->len < max ? max - b->len : 0;
      size_t keep = (size_t)got < room ? (size_t)got : room;

      mw_buf_add(b, buf, keep);
      if (which == 0)
        r->dropped += (size_t)got - keep;
      continue;
    }
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    close(r->fds[which]);
    r->fds[which] = -1;
  }
}

/* The plugin's end, without reaping it (WNOWAIT): its pid is its group's id, which must not be
 * anyone else's while signals go to the group. */
static bool ended(struct run *r)
{
  siginfo_t info;

  if (r->exited)
    return true;
  memset(&info, 0, sizeof(info));
  while (waitid(P_PID, (id_t)r->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno == EINTR)
      continue;
    r->exited = r->lost = true; /* ECHILD: a host that reaps every child */
    return true;
  }
  if (info.si_pid != r->pid)
    return false;
  r->exited = true;
  r->status = info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
  return true;
}

/* Reads both streams until they end and the plugin has exited, or until `until`. */
static void collect(struct run *r, const struct exec *x, int64_t until)
{
  int64_t strays_until = 0;

  for (;;) {
    struct pollfd fds[2];
    nfds_t n = 0;
    int64_t now = mw_now_ns();
    int64_t wait_until = until;
    int i;

    if (ended(r) && strays_until == 0)
      strays_until = now + STRAY_GRACE_NS;
    if (r->exited && r->fds[0] < 0 && r->fds[1] < 0)
      return;
    if (strays_until && strays_until < wait_until)
      wait_until = strays_until;
    if (now >= wait_until)
      return;
    for (i = 0; i < 2; i++) {
      if (r->fds[i] >= 0) {
        fds[n].fd = r->fds[i];
        fds[n].events = POLLIN;
        n++;
      }
    }
    /* the exit itself wakes nothing here: look again every 10 ms */
    {
      int64_t ms = (wait_until - now) / 1000000 + 1;

      poll(n ? fds : NULL, n, ms > 10 ? 10 : (int)ms);
    }
    take(r, 0, x->output_max);
    take(r, 1, STDERR_MAX);
  }
}

static void finish(struct run *r)
{
  int64_t until;

  if (r->pid <= 0)
    return;
  /* the group: a plugin killed at the deadline, or what it left running after it exited */
  if (!r->lost)
    killpg(r->pid, SIGKILL);
  until = mw_now_ns() + KILL_WAIT_NS;
  while (!ended(r) && mw_now_ns() < until)
    poll(NULL, 0, 5);
  if (r->exited && !r->lost) {
    while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
}

static void report(const struct exec *x, struct run *r, bool timed_out, struct mw_result *res)
{
  size_t bad, i;

  for (i = 0; i < r->out.len; i++) /* a NUL would end the text where the plugin did not */
    if (r->out.data[i] == '\0')
      r->out.data[i] = ' ';
  bad = exec_parse_output(mw_buf_str(&r->out), r->out.len, res, x->long_lines);
  if (timed_out) {
    mw_result_state(res, x->timeout_state);
    mw_result_summary(res,
                      "%.200s did not finish before the timeout: its process group was "
                      "killed",
                      x->argv[0]);
    return;
  }
  if (r->lost) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_note(res, "(the exit status was taken by another part of the process)");
  } else if (r->status >= 0 && r->status <= 3) {
    mw_result_state(res, (enum mw_state)r->status);
  } else {
    mw_result_state(res, MW_UNKNOWN);
    if (r->status > 3)
      mw_result_note(res, "(%.200s exited with status %d, which is no plugin state)", x->argv[0],
                     r->status);
    else
      mw_result_note(res, "(%.200s was killed by SIG%s)", x->argv[0],
                     sigabbrev_np(-r->status) ? sigabbrev_np(-r->status) : "?");
  }
  if (r->out.len == 0) {
    char line[512];
    size_t n = r->err.len < sizeof(line) - 1 ? r->err.len : sizeof(line) - 1;

    memcpy(line, mw_buf_str(&r->err), n);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
      n--;
    line[n] = '\0';
    for (i = 0; i < n; i++)
      line[i] = line[i] == '\n' || line[i] == '\r' ? ' ' : line[i];
    mw_result_summary(res, "(no output on stdout)%s%s", n ? " stderr: " : "", line);
  }
  if (r->dropped > 0)
    mw_result_note(res, "(%zu bytes of output beyond --output-max dropped)", r->dropped);
  if (bad > 0)
    mw_result_note(res, "(%zu perfdata items not understood)", bad);
}

static void exec_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct exec *x = state;
  struct run r = {.pid = 0, .fds = {-1, -1}};
  int outp[2] = {-1, -1};
  int errp[2] = {-1, -1};
  char err[512];
  bool timed_out = false;
  int i;

  mw_buf_init(&r.out, x->output_max + 1);
  mw_buf_init(&r.err, STDERR_MAX + 1);
  if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "cannot make the plugin's pipes: %s", strerror(errno));
    goto cleanup;
  }
  for (i = 0; i < 2; i++) {
    outp[i] = child_fd_above_stdio(outp[i]);
    errp[i] = child_fd_above_stdio(errp[i]);
  }
  if (outp[0] < 0 || outp[1] < 0 || errp[0] < 0 || errp[1] < 0 ||
      spawn(x, outp[1], errp[1], &r.pid, err, sizeof(err)) != 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "%s",
                      outp[0] < 0 || errp[0] < 0 ? "cannot make the plugin's pipes" : err);
    r.pid = 0;
    goto cleanup;
  }
  close(outp[1]);
  close(errp[1]);
  outp[1] = errp[1] = -1;
  r.fds[0] = outp[0];
  r.fds[1] = errp[0];
  outp[0] = errp[0] = -1;
  fcntl(r.fds[0], F_SETFL, O_NONBLOCK);
  fcntl(r.fds[1], F_SETFL, O_NONBLOCK);
  collect(&r, x, deadline);
  timed_out = !r.exited;
  finish(&r);
  take(&r, 0, x->output_max);
  take(&r, 1, STDERR_MAX);
  report(x, &r, timed_out, res);

cleanup:
  for (i = 0; i < 2; i++) {
    if (r.fds[i] >= 0)
      close(r.fds[i]);
    if (outp[i] >= 0)
      close(outp[i]);
    if (errp[i] >= 0)
      close(errp[i]);
  }
  mw_buf_free(&r.out);
  mw_buf_free(&r.err);
}

static void exec_close(void *state)
{
  struct exec *x = state;

  if (!x)
    return;
  free(x->argv);
  free(x);
}

static int exec_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct exec *x = calloc(1, sizeof(*x));
  size_t words = mw_args_count(args, "command");
  size_t envs = mw_args_count(args, "env");
  long long output_max = mw_args_int(args, "output-max");
  long long long_lines = mw_args_int(args, "long-lines");
  bool has_path = false;
  size_t i;

  if (!x || !(x->argv = calloc(words + 1, sizeof(*x->argv)))) {
    mw_result_summary(err, "out of memory");
    goto fail;
  }
  if (words == 0) {
    mw_result_summary(err, "no command: give the plugin after the options (mcpwatch exec -- "
                           "/usr/lib/nagios/plugins/check_dummy 0), or command = [ ... ]");
    goto fail;
  }
  for (i = 0; i < words; i++)
    x->argv[i] = (char *)mw_args_str_at(args, "command", i);
  if (x->argv[0][0] != '/') {
    mw_result_summary(err,
                      "the command must be an absolute path, not '%.200s' (no PATH search, "
                      "no shell)",
                      x->argv[0]);
    goto fail;
  }
  if (envs > MAX_ENV) {
    mw_result_summary(err, "--env given more than %d times", MAX_ENV);
    goto fail;
  }
  for (i = 0; i < envs; i++) {
    const char *e = mw_args_str_at(args, "env", i);
    const char *eq = strchr(e, '=');

    if (!eq || eq == e || strcspn(e, "=") != (size_t)(eq - e)) {
      mw_result_summary(err, "--env '%.100s' is not NAME=VALUE", e);
      goto fail;
    }
    has_path = has_path || strncmp(e, "PATH=", 5) == 0;
    x->envp[i] = (char *)e;
  }
  if (!has_path)
    x->envp[envs++] = (char *)BASE_PATH;
  x->envp[envs] = NULL;
  if (output_max < 1024 || output_max > 16777216) {
    mw_result_summary(err, "--output-max must be between 1024 and 16777216");
    goto fail;
  }
  if (long_lines < 0 || long_lines > 10000) {
    mw_result_summary(err, "--long-lines must be between 0 and 10000");
    goto fail;
  }
  x->output_max = (size_t)output_max;
  x->long_lines = (size_t)long_lines;
  x->timeout_state = mw_args_state(args, "timeout-state");
  *state = x;
  return 0;
fail:
  exec_close(x);
  return -1;
}

static const struct mw_check exec_check = {
    MW_CHECK_ABI,
    "exec",
    "Any Nagios plugin, run without a shell and bounded by the timeout",
    exec_description,
    exec_options,
    exec_open,
    exec_run,
    exec_close};

const struct mw_check *mw_check_entry(void)
{
  return &exec_check;
}
