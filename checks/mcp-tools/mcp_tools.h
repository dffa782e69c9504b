/* SPDX-License-Identifier: MIT */
/* mcp_tools.h - shared between mcp_tools.c (options, open, close), mcp_run.c (a run) and
 * mcp_catalog.c (the lists of a run and their contract: lint, drift, baseline). */
#ifndef MCP_TOOLS_H
#define MCP_TOOLS_H

#include "mcp_client.h"
#include "json_rule.h"
#include "mcp_contract.h"
#include "mcp_oauth.h"
#include "problems.h"

#define MAX_NAMES 256
#define NAME_MAX_LEN 128
#define MAX_RESOLVE 16

#define MAX_STEPS 24
#define MCP_MAX_CALLS 16
#define MCP_CALL_MAX_EXPECT 8
#define MCP_CALL_MAX_FROM 8

enum kind { K_PLAIN = 1, K_SECONDS, K_BYTES };

struct name_list {
  char *names[MAX_NAMES];
  size_t count;
};

/* One tools/call of a run (mcp_calls.c). */
struct mcp_call {
  char *tool;   /* owned */
  json_t *args; /* owned: an object */
  json_t *spec; /* owned: the --calls object that from_name and from_path point into, or NULL */
  struct json_rule expect[MCP_CALL_MAX_EXPECT];
  size_t n_expect;
  const char *from_name[MCP_CALL_MAX_FROM]; /* arguments taken from the last call's result */
  const char *from_path[MCP_CALL_MAX_FROM];
  size_t n_from;
  struct mw_range warn;
  struct mw_range crit;
  bool has_warn;
  bool has_crit;
  char label[NAME_MAX_LEN + 32]; /* perfdata: time_call_TOOL */
};

struct mcp_tools {
  struct mw_http *http;
  struct mw_http *side; /* for the server's requests that arrive while http is reading */
  struct mcp_client client;
  const char *url;
  const char *token_file;
  const char *token_env;
  struct mcp_oauth oauth; /* --oauth-*: the discovery chain and a kept token */
  struct name_list expect;
  struct name_list forbid;
  struct name_list expect_resources; /* URIs resources/list must hold */
  struct name_list expect_prompts;   /* names prompts/list must hold */
  const char *read_uri;              /* --read-resource */
  const char *read_mime;             /* --read-mime */
  long long read_min;                /* --read-min-size, bytes */
  enum mw_state missing_state;
  long long min_tools;
  long long max_pages;
  struct mcp_call calls[MCP_MAX_CALLS];
  size_t n_calls;
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
  /* the contract: --baseline, --write-baseline, --drift-state, --lint, --catalog-* */
  struct mcp_baseline baseline; /* path NULL: no --baseline */
  const char *write_baseline;
  enum mw_state drift_state[DRIFT_KINDS];
  bool lint;
  enum mw_state lint_state;
  struct mw_range catalog_warn;
  struct mw_range catalog_crit;
  bool has_catalog_warn;
  bool has_catalog_crit;
};

/* One line of the long output: a step of the run and how it went. */
struct step {
  enum mw_state state;
  char text[200];
};

/* What a run found, for the verdict and the output. */
struct outcome {
  json_t *tools;     /* every tool object of every page a client keeps */
  json_t *dropped;   /* those it must drop (an x-mcp-header that breaks the rules) */
  json_t *resources; /* resources/list, when read (a baseline covers it), else NULL */
  json_t *prompts;   /* prompts/list, likewise */
  size_t pages;
  double init_s;     /* initialize; NAN when not run (a kept session, a modern server) */
  double discover_s; /* server/discover; NAN when not run (kept, or a forced legacy revision) */
  double list_s;
  double oauth_s;               /* discovery and token request; NAN when not run (a kept token) */
  double read_s;                /* --read-resource's resources/read; NAN when not made */
  double read_bytes;            /* the bytes of its contents; NAN when none came */
  double catalog_bytes;         /* the tool list serialised, as a client holds it */
  double call_s[MCP_MAX_CALLS]; /* each call's time, NAN when not made */
  struct drift *drift;          /* with --baseline */
  struct lint *lint;            /* with --lint */
  struct problems problems;
  struct step steps[MAX_STEPS];
  size_t n_steps;
  size_t steps_dropped;
};

extern const char mcp_help_text[]; /* mcp_help.c */
void mcp_tools_run(void *state, struct mw_result *res, mw_deadline deadline);
void step_add(struct outcome *out, enum mw_state state, const char *fmt, ...) MW_PRINTF(3, 4);
double mcp_since(int64_t start);

/* mcp_run.c: the tool called name in list, or NULL; whether x-mcp-header applies (a modern
 * server over Streamable HTTP). */
json_t *mcp_find_tool(json_t *list, const char *name);
bool mcp_param_headers_apply(const struct mcp_tools *m);

/* mcp_calls.c: --call, --calls and their options into m->calls (0, or -1 with err); the calls
 * of a run; their perfdata. */
int mcp_calls_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen);
void mcp_calls_close(struct mcp_tools *m);
enum mcp_status mcp_calls_run(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                              char *err, size_t errlen);
void mcp_calls_report(const struct mcp_tools *m, const struct outcome *out, struct mw_result *res);

/* mcp_catalog.c: --baseline, --write-baseline, --drift-state, --lint, --catalog-* (0, or -1
 * with err). */
int mcp_catalog_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen);
/* Every page of a list into `into` (cleared first). */
enum mcp_status mcp_list_all(struct mcp_tools *m, struct outcome *out, enum mcp_list list,
                             json_t *into, mw_deadline deadline, char *err, size_t errlen);
/* resources/list and prompts/list, when a baseline needs them and the server offers them. */
enum mcp_status mcp_catalog_lists(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                                  char *err, size_t errlen);
/* Lint, catalogue size, drift from the baseline, the baseline written: into out->problems. */
void mcp_catalog_judge(struct mcp_tools *m, struct outcome *out);
/* Their lines in the long output and their perfdata. */
void mcp_catalog_report(struct mcp_tools *m, struct outcome *out, struct mw_result *res);
void mcp_outcome_free(struct outcome *out);
bool mcp_header_valid(const char *header);

/* mcp_resources.c: --expect-resources, --expect-prompts, --read-resource and its judges. */
int mcp_resources_open(struct mcp_tools *m, const struct mw_args *args, char *err, size_t errlen);
/* Whether a list is read for the expectations (resources or prompts named). */
bool mcp_resources_wanted(const struct mcp_tools *m, enum mcp_list list);
/* The expected resources and prompts: missing ones into out->problems. */
void mcp_resources_judge(const struct mcp_tools *m, struct outcome *out);
/* resources/read of --read-resource: its MIME type and size judged into out->problems. */
enum mcp_status mcp_resources_read(struct mcp_tools *m, struct outcome *out, mw_deadline deadline,
                                   char *err, size_t errlen);
void mcp_resources_report(const struct mcp_tools *m, const struct outcome *out,
                          struct mw_result *res);

#endif
