/* SPDX-License-Identifier: MIT */
/* mcp_tools.h - shared between mcp_tools.c (options, open, close) and mcp_run.c (a run). */
#ifndef MCP_TOOLS_H
#define MCP_TOOLS_H

#include "mcp_client.h"

#define MAX_NAMES 256
#define NAME_MAX_LEN 128
#define MAX_RESOLVE 16

enum kind { K_PLAIN = 1, K_SECONDS };

struct name_list {
  char *names[MAX_NAMES];
  size_t count;
};

struct mcp_tools {
  struct mw_http *http;
  struct mw_http *side; /* for the server's requests that arrive while http is reading */
  struct mcp_client client;
  const char *url;
  const char *token_file;
  const char *token_env;
  struct name_list expect;
  struct name_list forbid;
  enum mw_state missing_state;
  long long min_tools;
  long long max_pages;
  const char *call;
  json_t *call_args;
  bool ping;
  struct mw_range warn;
  struct mw_range crit;
  bool has_warn;
  bool has_crit;
  bool insecure;
  enum mw_state timeout_state;
  const char *resolve[MAX_RESOLVE];
  const char *headers[MCP_MAX_HEADERS]; /* --header, checked at open */
  size_t n_headers;
  const char *header_file; /* --header-file: read at every run, never shown */
  /* --command: the server as a subprocess */
  struct mcp_stdio_command command;
  char *command_words;                /* --command split, the words point into it */
  char *argv[MCP_STDIO_ARGS_MAX + 1]; /* into command_words, then --arg values */
  char **envp;                        /* owned: the server's environment */
};

void mcp_tools_run(void *state, struct mw_result *res, mw_deadline deadline);
bool mcp_header_valid(const char *header);

#endif
