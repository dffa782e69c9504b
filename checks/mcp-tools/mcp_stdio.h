/* SPDX-License-Identifier: MIT */
/* mcp_stdio.h - an MCP server run as a subprocess (the stdio transport): one JSON-RPC message a
 * line on its stdin and stdout, its stderr kept for the output, and its process group ended
 * within a bound, reaped, with no descriptor left behind. */
#ifndef MCP_STDIO_H
#define MCP_STDIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mw_check.h"

#define MCP_STDIO_TAIL 4096   /* the last bytes of the server's stderr kept */
#define MCP_STDIO_ARGS_MAX 64 /* words of the command line */

/* What to start; every pointer stays owned by the caller. */
struct mcp_stdio_command {
  char *const *argv; /* the program (looked up in PATH without a '/') and its arguments */
  char *const *envp; /* the server's whole environment */
  const char *cwd;   /* NULL: mcpwatch's own */
};

enum mcp_stdio_status { MCP_STDIO_OK, MCP_STDIO_TIMED_OUT, MCP_STDIO_FAILED };

struct mcp_stdio {
  pid_t pid;       /* the server, leader of its own process group; 0: none */
  int to_server;   /* its stdin: a socket, so that a gone server is EPIPE and no SIGPIPE */
  int from_server; /* its stdout */
  int errors;      /* its stderr */
  size_t max_message;
  char *line; /* stdout read but not yet taken: at most max_message + 1 bytes */
  size_t line_len;
  size_t line_cap;
  bool stdout_ended;         /* the server closed its stdout (or exited) */
  char tail[MCP_STDIO_TAIL]; /* the last bytes of its stderr */
  size_t tail_len;
  bool exited;     /* reaped (or seen to have exited, when keep_zombie) */
  int exit_status; /* when exited: the exit status, or minus the signal */
  const char *
      ended_by; /* how the stop ended it: "input" (closed), "SIGTERM", "SIGKILL"; NULL: by itself */
  json_int_t stale_id; /* a request given up on (the era probe): its late answer goes to late */
  json_t *late;
  unsigned server_requests; /* requests the server made (stdio servers must not), answered
                               with -32601 */
};

void mcp_stdio_init(struct mcp_stdio *s, size_t max_message);
/* Starts the server in a process group of its own, with only stdin, stdout and stderr open and
 * default signal handling. 0, or -1 with the reason (no such program, a bad --cwd). */
int mcp_stdio_start(struct mcp_stdio *s, const struct mcp_stdio_command *cmd, char *err,
                    size_t errlen);
/* Writes text as one line; then, unless id is 0 (a notification), reads lines until the answer
 * to id: *reply gets the whole message. Notifications and answers to other ids are passed over;
 * requests from the server are answered with -32601. FAILED when the server writes a line that
 * is no JSON-RPC message, one over max_message, or closes its stdout. */
enum mcp_stdio_status mcp_stdio_exchange(struct mcp_stdio *s, const char *text, json_int_t id,
                                         json_t **reply, mw_deadline deadline, char *err,
                                         size_t errlen);
/* Ends the server as the stdio transport says: its input closed, a moment to exit (while the
 * deadline lasts), SIGTERM to its process group, SIGKILL 0.3 s later, reaped. Also
 * closes every descriptor; the exit status and stderr stay for the output. Idempotent. */
void mcp_stdio_stop(struct mcp_stdio *s, mw_deadline deadline);
/* Frees what init and the exchanges kept (stops the server first if it runs). */
void mcp_stdio_free(struct mcp_stdio *s);

/* "exited with status 3", "killed by SIGKILL", "still running". */
void mcp_stdio_exit_text(const struct mcp_stdio *s, char *out, size_t outlen);
/* The last max non-empty lines of the server's stderr, oldest first, each cut to linelen - 1
 * bytes with what cannot be shown replaced. Returns how many. */
size_t mcp_stdio_stderr_lines(const struct mcp_stdio *s, char *lines, size_t linelen, size_t max);

/* mcp_argv.c: splits a --command into words as a shell would split them, without expansion: spaces
 * separate, '...' and "..." quote (\ escapes within "..." and outside quotes), and an
 * unquoted | & ; < > ( ) $ ` is refused (no shell runs it). The words point into buf (a copy
 * of text). The count, or -1 with the reason. */
int mcp_stdio_split(const char *text, char *buf, size_t buflen, char **words, size_t max, char *err,
                    size_t errlen);

#endif
