/* SPDX-License-Identifier: MIT */
/* mcp_stdio.c - the stdio transport: the server is a subprocess, one JSON-RPC message a line.
 * Everything here is bounded for a server that is hostile or broken: it may never answer, flood
 * its stdout or stderr, write garbage, exit at once, ignore SIGTERM, or leave a child holding the
 * pipes. The process runs in a group of its own so that the stop reaches its children too;
 * posix_spawn rather than fork, since this runs inside threaded daemons (the agent, collectd). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_spawn.h"
#include "mcp_stdio.h"

#define FIRST_BUFFER 16384
#define INPUT_GRACE_NS 200000000LL /* to exit by itself once its input is closed */
#define TERM_GRACE_NS 300000000LL  /* between SIGTERM and SIGKILL */
#define KILL_WAIT_NS 1000000000LL  /* for a SIGKILLed process to be reapable */

#define EXIT_UNKNOWN (-1000) /* reaped by someone else: the status is lost */

void mcp_stdio_init(struct mcp_stdio *s, size_t max_message)
{
  memset(s, 0, sizeof(*s));
  s->to_server = -1;
  s->from_server = -1;
  s->errors = -1;
  s->max_message = max_message;
}

static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static int spawn(struct mcp_stdio *s, const struct mcp_stdio_command *cmd, int in, int out,
                 int errw, char *err, size_t errlen)
{
  const struct child_spawn spec = {cmd->argv, cmd->envp, in, out, errw, cmd->cwd, true};
  enum child_spawn_step step;
  int rc = child_spawn(&spec, &s->pid, &step);

  if (rc == 0)
    return 0;
  s->pid = 0;
  if (step == CHILD_START)
    snprintf(err, errlen, "cannot start %.200s%s%.200s: %s", cmd->argv[0], cmd->cwd ? " in " : "",
             cmd->cwd ? cmd->cwd : "", strerror(rc));
  else
    snprintf(err, errlen, "cannot prepare the server's process: %s", strerror(rc));
  return -1;
}

int mcp_stdio_start(struct mcp_stdio *s, const struct mcp_stdio_command *cmd, char *err,
                    size_t errlen)
{
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int errpipe[2] = {-1, -1};
  int result = -1;
  int i;

  if (s->pid) {
    snprintf(err, errlen, "the server is already running");
    return -1;
  }
  s->exited = false;
  s->exit_status = 0;
  s->ended_by = NULL;
  s->tail_len = 0;
  s->line_len = 0;
  s->server_requests = 0;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0 ||
      pipe2(errpipe, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "cannot make the server's pipes: %s", strerror(errno));
    goto cleanup;
  }
  for (i = 0; i < 2; i++) {
    in[i] = child_fd_above_stdio(in[i]);
    out[i] = child_fd_above_stdio(out[i]);
    errpipe[i] = child_fd_above_stdio(errpipe[i]);
  }
  if (in[0] < 0 || in[1] < 0 || out[0] < 0 || out[1] < 0 || errpipe[0] < 0 || errpipe[1] < 0) {
    snprintf(err, errlen, "cannot make the server's pipes: %s", strerror(errno));
    goto cleanup;
  }
  if (spawn(s, cmd, in[1], out[1], errpipe[1], err, errlen) != 0)
    goto cleanup;
  s->to_server = in[0];
  s->from_server = out[0];
  s->errors = errpipe[0];
  in[0] = out[0] = errpipe[0] = -1;
  /* Ours only: the server's ends are other descriptions and stay blocking. */
  fcntl(s->to_server, F_SETFL, O_NONBLOCK);
  fcntl(s->from_server, F_SETFL, O_NONBLOCK);
  fcntl(s->errors, F_SETFL, O_NONBLOCK);
  result = 0;
cleanup:
  for (i = 0; i < 2; i++) {
    close_fd(&in[i]);
    close_fd(&out[i]);
    close_fd(&errpipe[i]);
  }
  return result;
}

/* ---- what the server writes -------------------------------------------------------------- */

static void keep_stderr(struct mcp_stdio *s, const char *data, size_t len)
{
  if (len >= sizeof(s->tail)) {
    data += len - sizeof(s->tail);
    len = sizeof(s->tail);
  }
  if (s->tail_len + len > sizeof(s->tail)) {
    size_t drop = s->tail_len + len - sizeof(s->tail);

    memmove(s->tail, s->tail + drop, s->tail_len - drop);
    s->tail_len -= drop;
  }
  memcpy(s->tail + s->tail_len, data, len);
  s->tail_len += len;
}

/* Reads what stderr has now; a flooding server gets read, never blocked on a full pipe. */
static void drain_stderr(struct mcp_stdio *s)
{
  char buf[4096];
  ssize_t got;
  int rounds = 0;

  while (s->errors >= 0 && rounds++ < 64) {
    got = read(s->errors, buf, sizeof(buf));
    if (got > 0) {
      keep_stderr(s, buf, (size_t)got);
      continue;
    }
    if (got == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
      close_fd(&s->errors);
    if (got < 0 && errno == EINTR)
      continue;
    break;
  }
}

/* Reads stdout into the line buffer, which grows by doubling up to a message and its newline.
 * 0 when something came (or nothing yet), 1 at its end, -1 with err. */
static int read_stdout(struct mcp_stdio *s, char *err, size_t errlen)
{
  size_t cap = s->max_message + 1;
  ssize_t got;

  if (s->line_len == s->line_cap) {
    size_t grown = s->line_cap ? s->line_cap * 2 : FIRST_BUFFER;
    char *bigger;

    if (s->line_cap >= cap) {
      snprintf(err, errlen, "the server wrote a line of more than %zu bytes to stdout (--max-size)",
               s->max_message);
      return -1;
    }
    if (grown > cap)
      grown = cap;
    bigger = realloc(s->line, grown);
    if (!bigger) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    s->line = bigger;
    s->line_cap = grown;
  }
  got = read(s->from_server, s->line + s->line_len, s->line_cap - s->line_len);
  if (got > 0) {
    s->line_len += (size_t)got;
    return 0;
  }
  if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  s->stdout_ended = true;
  close_fd(&s->from_server);
  return 1;
}

/* Waits for the server's stdout or stderr (or, with out_ready, room on its stdin) until
 * deadline, reading stderr as it comes. 0 when stdout has something or ended (or stdin has
 * room), 1 at the deadline. */
static int wait_server(struct mcp_stdio *s, bool for_stdin, mw_deadline deadline)
{
  for (;;) {
    struct pollfd fds[3];
    nfds_t n = 0;
    int left = mw_deadline_left_ms(deadline);
    int errors = s->errors;
    int ready;
    nfds_t i;

    if (left <= 0)
      return 1;
    if (s->from_server >= 0)
      fds[n++] = (struct pollfd){.fd = s->from_server, .events = POLLIN};
    if (for_stdin && s->to_server >= 0)
      fds[n++] = (struct pollfd){.fd = s->to_server, .events = POLLOUT};
    if (s->errors >= 0)
      fds[n++] = (struct pollfd){.fd = s->errors, .events = POLLIN};
    ready = poll(fds, n, left);
    if (ready < 0 && errno != EINTR)
      return 1;
    if (ready <= 0)
      continue;
    for (i = 0; i < n; i++)
      if (fds[i].revents && fds[i].fd != errors)
        return 0;
    drain_stderr(s);
  }
}

/* Writes text and a newline. A server that does not read is met with the deadline, while what
 * it writes meanwhile is read (or it could block on its stdout and never read again). */
static enum mcp_stdio_status write_line(struct mcp_stdio *s, const char *text, size_t len,
                                        mw_deadline deadline, char *err, size_t errlen)
{
  size_t sent = 0;

  while (sent < len + 1) {
    const char *from = sent < len ? text + sent : "\n";
    size_t count = sent < len ? len - sent : 1;
    ssize_t wrote = send(s->to_server, from, count, MSG_NOSIGNAL | MSG_DONTWAIT);
    int r;

    if (wrote > 0) {
      sent += (size_t)wrote;
      continue;
    }
    if (wrote < 0 && errno == EINTR)
      continue;
    if (wrote < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      snprintf(err, errlen, "the server stopped reading its stdin (%s)", strerror(errno));
      return MCP_STDIO_FAILED;
    }
    if (wait_server(s, true, deadline) != 0)
      return MCP_STDIO_TIMED_OUT;
    if (s->from_server >= 0 && (r = read_stdout(s, err, errlen)) < 0)
      return MCP_STDIO_FAILED;
  }
  return MCP_STDIO_OK;
}

/* text as one printable line of at most max bytes, for an error. */
static void shown(const char *text, size_t len, char *out, size_t outlen, size_t max)
{
  size_t n = 0;
  size_t i;

  for (i = 0; i < len && n + 1 < outlen && n < max; i++)
    out[n++] = (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7f ? text[i] : '?';
  if (i < len && n + 4 < outlen) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n] = '\0';
}

static bool is_id(const json_t *message, json_int_t id)
{
  const json_t *value = json_object_get(message, "id");

  return id != 0 && json_is_integer(value) && json_integer_value(value) == id;
}

/* One line from stdout: the answer (1, *reply set), something passed over (0), or -1 with err
 * for what is no JSON-RPC message. */
static int take_message(struct mcp_stdio *s, const char *line, size_t len, json_int_t id,
                        json_t **reply, mw_deadline deadline, char *err, size_t errlen)
{
  json_t *message;
  json_error_t error;
  const char *method;
  char text[80];

  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (len == 0 || strspn(line, " \t") >= len)
    return 0;
  message = json_loadb(line, len, 0, &error);
  if (!json_is_object(message) || !json_object_get(message, "jsonrpc")) {
    json_decref(message);
    shown(line, len, text, sizeof(text), 60);
    snprintf(err, errlen, "the server wrote what is no JSON-RPC message to stdout: '%s'", text);
    return -1;
  }
  method = json_string_value(json_object_get(message, "method"));
  if (method && json_object_get(message, "id")) {
    /* A request (stdio servers of 2026-07-28 send none; legacy ones may ask for sampling):
     * refused at once, as over HTTP. */
    json_t *answer = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
                               json_object_get(message, "id"), "error", "code", -32601, "message",
                               "mcpwatch is a monitor: it answers no requests");
    char *answer_text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;

    s->server_requests++;
    if (answer_text)
      write_line(s, answer_text, strlen(answer_text), deadline, text, sizeof(text));
    free(answer_text);
    json_decref(answer);
    json_decref(message);
    return 0;
  }
  if (!method && is_id(message, id)) {
    *reply = message;
    return 1;
  }
  if (!method && is_id(message, s->stale_id)) {
    json_decref(s->late);
    s->late = message;
    return 0;
  }
  json_decref(message);
  return 0;
}

/* Takes the complete lines read so far (and, once stdout ended, the last one without its
 * newline). 1 with the answer, 0 when there is none yet, -1 with err. */
static int take_lines(struct mcp_stdio *s, json_int_t id, json_t **reply, mw_deadline deadline,
                      char *err, size_t errlen)
{
  size_t off = 0;
  int taken = 0;

  while (taken == 0 && off < s->line_len) {
    char *nl = memchr(s->line + off, '\n', s->line_len - off);
    size_t len = nl ? (size_t)(nl - (s->line + off)) : s->line_len - off;

    if (!nl && !s->stdout_ended)
      break;
    taken = take_message(s, s->line + off, len, id, reply, deadline, err, errlen);
    off += nl ? len + 1 : len;
  }
  if (off > 0) {
    memmove(s->line, s->line + off, s->line_len - off);
    s->line_len -= off;
  }
  return taken;
}

enum mcp_stdio_status mcp_stdio_exchange(struct mcp_stdio *s, const char *text, json_int_t id,
                                         json_t **reply, mw_deadline deadline, char *err,
                                         size_t errlen)
{
  enum mcp_stdio_status status;
  int taken;

  *reply = NULL;
  if (s->to_server < 0) {
    snprintf(err, errlen, "the server is not running");
    return MCP_STDIO_FAILED;
  }
  status = write_line(s, text, strlen(text), deadline, err, errlen);
  if (status != MCP_STDIO_OK || id == 0)
    return status;
  for (;;) {
    taken = take_lines(s, id, reply, deadline, err, errlen);
    if (taken != 0)
      return taken > 0 ? MCP_STDIO_OK : MCP_STDIO_FAILED;
    if (s->stdout_ended) {
      snprintf(err, errlen, "the server closed its stdout without answering");
      return MCP_STDIO_FAILED;
    }
    if (wait_server(s, false, deadline) != 0)
      return MCP_STDIO_TIMED_OUT;
    if (read_stdout(s, err, errlen) < 0)
      return MCP_STDIO_FAILED;
  }
}

/* ---- the end ------------------------------------------------------------------------------ */

/* Whether the server has exited, by until; it stays a zombie (WNOWAIT) so that its pid, which is
 * its process group's id, cannot be anyone else's while signals go to the group. */
static bool wait_exit(struct mcp_stdio *s, int64_t until)
{
  for (;;) {
    siginfo_t info;
    int64_t left_ms;

    memset(&info, 0, sizeof(info));
    if (waitid(P_PID, (id_t)s->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR)
        continue;
      /* ECHILD: reaped by someone else (a host that ignores SIGCHLD); the status is lost. */
      s->exited = true;
      s->exit_status = EXIT_UNKNOWN;
      return true;
    }
    if (info.si_pid == s->pid) {
      s->exited = true;
      s->exit_status = info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
      return true;
    }
    left_ms = (until - mw_now_ns()) / 1000000;
    if (left_ms <= 0)
      return false;
    /* The pause doubles as reading stderr, which a server may be filling as it exits. */
    if (s->errors >= 0) {
      struct pollfd fd = {.fd = s->errors, .events = POLLIN};

      if (poll(&fd, 1, left_ms < 10 ? (int)left_ms : 10) > 0)
        drain_stderr(s);
    } else {
      poll(NULL, 0, left_ms < 10 ? (int)left_ms : 10);
    }
  }
}

void mcp_stdio_stop(struct mcp_stdio *s, mw_deadline deadline)
{
  int64_t now = mw_now_ns();
  int64_t polite = deadline < now + INPUT_GRACE_NS ? deadline : now + INPUT_GRACE_NS;

  if (s->pid > 0) {
    /* Gone already, or going (its stdout ended): it ended by itself, whatever comes next. */
    bool by_itself = wait_exit(s, now) || s->stdout_ended;

    /* The polite end first: its input closed, which a stdio server takes as the end. */
    close_fd(&s->to_server);
    close_fd(&s->from_server);
    if (s->exited || wait_exit(s, polite)) {
      s->ended_by = by_itself ? NULL : "input";
    } else {
      killpg(s->pid, SIGTERM);
      s->ended_by = "SIGTERM";
      if (!wait_exit(s, mw_now_ns() + TERM_GRACE_NS)) {
        s->ended_by = "SIGKILL";
        killpg(s->pid, SIGKILL);
        wait_exit(s, mw_now_ns() + KILL_WAIT_NS);
      }
    }
    /* What is left of its group is strays (a child holding the pipes): swept while the leader,
     * not yet reaped, keeps the group's id from being anyone else's. */
    if (s->exited && s->exit_status != EXIT_UNKNOWN) {
      killpg(s->pid, SIGKILL);
      while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
    s->pid = 0;
  }
  drain_stderr(s);
  close_fd(&s->to_server);
  close_fd(&s->from_server);
  close_fd(&s->errors);
  free(s->line);
  s->line = NULL;
  s->line_len = 0;
  s->line_cap = 0;
  s->stdout_ended = false;
}

void mcp_stdio_free(struct mcp_stdio *s)
{
  mcp_stdio_stop(s, mw_now_ns());
  json_decref(s->late);
  s->late = NULL;
}

void mcp_stdio_exit_text(const struct mcp_stdio *s, char *out, size_t outlen)
{
  const char *how = !s->ended_by                        ? ""
                    : strcmp(s->ended_by, "input") == 0 ? " when its input closed"
                                                        : "";

  if (!s->exited)
    snprintf(out, outlen, "%s", s->pid ? "still running" : "not started");
  else if (s->exit_status == EXIT_UNKNOWN)
    snprintf(out, outlen, "exited (its status was taken by another part of the process)");
  else if (s->exit_status >= 0)
    snprintf(out, outlen, "exited with status %d%s", s->exit_status, how);
  else
    snprintf(out, outlen, "killed by SIG%s%s",
             sigabbrev_np(-s->exit_status) ? sigabbrev_np(-s->exit_status) : "?",
             s->ended_by && strcmp(s->ended_by, "input") != 0 ? " (sent at the end of the run)"
                                                              : "");
}

size_t mcp_stdio_stderr_lines(const struct mcp_stdio *s, char *lines, size_t linelen, size_t max)
{
  size_t starts[64];
  size_t lens[64];
  size_t found = 0;
  size_t end = s->tail_len;
  size_t i;

  if (max > 64)
    max = 64;
  /* Backwards from the end: the newest lines are the ones that explain. */
  while (end > 0 && found < max) {
    size_t start = end;

    while (start > 0 && s->tail[start - 1] != '\n')
      start--;
    {
      size_t len = end - start;

      while (len > 0 && (s->tail[start + len - 1] == '\r' || s->tail[start + len - 1] == ' '))
        len--;
      if (len > 0) {
        starts[found] = start;
        lens[found] = len;
        found++;
      }
    }
    end = start > 0 ? start - 1 : 0;
  }
  for (i = 0; i < found; i++) {
    size_t k = found - 1 - i;

    shown(s->tail + starts[k], lens[k], lines + i * linelen, linelen, linelen - 4);
  }
  return found;
}
