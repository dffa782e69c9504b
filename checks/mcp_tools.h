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
};

void mcp_tools_run(void *state, struct mw_result *res, mw_deadline deadline);

#endif
