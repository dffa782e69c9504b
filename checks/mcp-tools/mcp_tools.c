/* SPDX-License-Identifier: MIT */
/* mcp_tools.c - is an MCP server up, does it speak the protocol, and does it still offer the
 * tools its clients rely on? A real MCP client (mcp_client.c) lists every tool and compares. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_tools.h"

static const char *const transports[] = {"auto", "streamable", "sse", NULL};
static const char *const protocols[] = {
    "auto", MCP_MODERN_VERSION, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL};
static const char *const missing_states[] = {"warning", "critical", NULL};

static const struct mw_unit time_units[] = {
    {"", 1, K_PLAIN}, {"ms", 0.001, K_SECONDS}, {"s", 1, K_SECONDS}, {NULL, 0, 0}};

static const struct mw_option mcp_options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL, "The MCP endpoint (https://host/mcp).", NULL, NULL},
    {"transport", 0, MW_OPT_STRING, 0, "KIND", "auto",
     "streamable (Streamable HTTP), sse (the legacy HTTP+SSE transport) or auto (Streamable "
     "HTTP, then sse when the server refuses the POST).",
     NULL, transports},
    {"protocol", 0, MW_OPT_STRING, 0, "VERSION", "auto",
     "The MCP revision to speak: auto (" MCP_MODERN_VERSION
     " first, the handshake revisions when the server answers as a legacy one does), or one "
     "of " MCP_MODERN_VERSION ", 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05.",
     NULL, protocols},
    {"token-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is a bearer token (read at every run).", NULL, NULL},
    {"token-env", 0, MW_OPT_STRING, 0, "NAME", NULL, "Environment variable holding a bearer token.",
     NULL, NULL},
    {"header", 0, MW_OPT_STRING, MW_OPT_REPEAT, "'NAME: VALUE'", NULL,
     "A request header (an API key: X-API-Key: ...); may be given several times. Shown in "
     "process lists: secrets belong in --header-file.",
     NULL, NULL},
    {"header-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File of 'Name: value' lines sent as headers (# starts a comment); read at every run, never "
     "shown.",
     NULL, NULL},
    {"max-redirects", 0, MW_OPT_INT, 0, "N", "5",
     "Redirects followed (301, 302, 307, 308, keeping the POST); headers and tokens are not sent "
     "to another origin.",
     NULL, NULL},
    {"expect-tools", 'e', MW_OPT_LIST, 0, "NAMES", NULL,
     "Tools the server must offer (comma separated, repeatable).", NULL, NULL},
    {"expect-tools-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File with one expected tool name per line (# starts a comment).", NULL, NULL},
    {"missing-state", 0, MW_OPT_STRING, 0, "STATE", "critical",
     "State when an expected tool is missing: warning or critical.", NULL, missing_states},
    {"min-tools", 0, MW_OPT_INT, 0, "N", "0", "CRITICAL when the server offers fewer tools.", NULL,
     NULL},
    {"forbid-tools", 0, MW_OPT_LIST, 0, "NAMES", NULL,
     "Tools that must not be offered (CRITICAL when one is).", NULL, NULL},
    {"call", 0, MW_OPT_STRING, 0, "TOOL", NULL,
     "Call this (harmless) tool; an error or isError answer is CRITICAL.", NULL, NULL},
    {"call-args", 0, MW_OPT_STRING, 0, "JSON", "{}", "Arguments of --call, a JSON object.", NULL,
     NULL},
    {"ping", 0, MW_OPT_BOOL, 0, NULL, NULL, "Also send MCP ping.", NULL, NULL},
    {"max-pages", 0, MW_OPT_INT, 0, "N", "100",
     "tools/list pages read at most (a server that pages without end is CRITICAL).", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the total time (seconds, or 500ms).", time_units, NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the total time (seconds, or 2s).", time_units, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char mcp_description[] =
    "Connects as an MCP client. Modern servers (" MCP_MODERN_VERSION
    ", stateless): server/discover,\n"
    "then tools/list with the version, capabilities and client in every request's _meta and\n"
    "the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers; no session. Legacy servers\n"
    "(2025-11-25 down to 2024-11-05): initialize, notifications/initialized, tools/list, and\n"
    "the session ended (DELETE). With --protocol auto a server that answers server/discover as\n"
    "a legacy one does (400 or 404 without a modern error, -32000, -32601) gets the handshake;\n"
    "a version refused with -32022 (modern) or listed in an initialize error (legacy) is\n"
    "retried once with the newest both speak. tools/list is read through every nextCursor\n"
    "page, then optionally ping (server/discover on a modern server) and one tools/call; a\n"
    "call answered input_required (the server wants sampling, elicitation or roots, which a\n"
    "monitor does not give) is CRITICAL at once.\n"
    "OK when every expected tool is there, no forbidden one is, at least --min-tools are offered\n"
    "and the total time is within -w/-c. The output names the revision and era spoken; the long\n"
    "output lists the tools found and gives each step with its time. A 401 or 403 is\n"
    "CRITICAL with the server's WWW-Authenticate challenge; JSON-RPC errors are shown with code\n"
    "and message. Answers may be JSON or SSE streams; each message is capped by --max-size.\n"
    "Kept in the agent or collectd, a modern server costs one request per page a run (what it\n"
    "speaks is found once, and again when it stops answering as it did); a legacy session is\n"
    "reused between runs and initialised again once when the server has forgotten it. Tokens\n"
    "come from --token-file or --token-env, other headers (API keys) from --header or\n"
    "--header-file. Requests a legacy server makes (elicitation, sampling) are answered with\n"
    "JSON-RPC error -32601 at once.\n";

static void free_names(struct name_list *list)
{
  size_t i;

  for (i = 0; i < list->count; i++)
    free(list->names[i]);
  list->count = 0;
}

static int add_name(struct name_list *list, const char *name, size_t len, struct mw_result *err)
{
  if (len == 0)
    return 0;
  if (len > NAME_MAX_LEN) {
    mw_result_summary(err, "tool name too long: %.40s...", name);
    return -1;
  }
  if (list->count >= MAX_NAMES) {
    mw_result_summary(err, "at most %d tool names", MAX_NAMES);
    return -1;
  }
  list->names[list->count] = strndup(name, len);
  if (!list->names[list->count]) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  list->count++;
  return 0;
}

static int read_names_file(struct name_list *list, const char *path, struct mw_result *err)
{
  FILE *file = fopen(path, "re");
  char line[512];
  int result = 0;

  if (!file) {
    mw_result_summary(err, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  while (result == 0 && fgets(line, sizeof(line), file)) {
    char *start = line;
    char *end;

    if (strchr(line, '#'))
      *strchr(line, '#') = '\0';
    while (*start == ' ' || *start == '\t')
      start++;
    end = start + strlen(start);
    while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
      end--;
    result = add_name(list, start, (size_t)(end - start), err);
  }
  fclose(file);
  return result;
}

static int read_names(struct name_list *list, const struct mw_args *args, const char *option,
                      struct mw_result *err)
{
  size_t i;

  for (i = 0; i < mw_args_count(args, option); i++) {
    const char *name = mw_args_str_at(args, option, i);

    if (add_name(list, name, strlen(name), err) != 0)
      return -1;
  }
  return 0;
}

static void mcp_close(void *state)
{
  struct mcp_tools *m = state;

  if (!m)
    return;
  if (m->http) {
    /* The session ends with the check, within a second of its own (the run's deadline is over):
     * a server that hangs on DELETE keeps a Nagios run at most -t + 1 s. */
    mcp_end_session(&m->client, mw_now_ns() + 1000000000LL);
    mcp_client_free(&m->client);
    mw_http_free(m->http);
  }
  mw_http_free(m->side);
  free_names(&m->expect);
  free_names(&m->forbid);
  json_decref(m->call_args);
  free(m);
}

static int open_http(struct mcp_tools *m, const struct mw_args *args, struct mw_result *err)
{
  struct mw_http_config config;
  char reason[256];
  const char *transport = mw_args_str(args, "transport");

  if (mw_http_config_from_args(args, &config, m->resolve, MAX_RESOLVE, reason, sizeof(reason)) !=
      0) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  m->insecure = config.insecure;
  m->http = mw_http_new(&config, reason, sizeof(reason));
  if (m->http)
    m->side = mw_http_new(&config, reason, sizeof(reason));
  if (!m->http || !m->side) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  mcp_client_init(&m->client, m->http, m->side, m->url,
                  strcmp(transport, "sse") == 0          ? MCP_SSE
                  : strcmp(transport, "streamable") == 0 ? MCP_STREAMABLE
                                                         : MCP_AUTO,
                  config.max_size, (long)mw_args_int(args, "max-redirects"));
  if (strcmp(mw_args_str(args, "protocol"), "auto") != 0)
    m->client.protocol = mw_args_str(args, "protocol");
  if (m->client.protocol && mcp_modern_version(m->client.protocol) &&
      strcmp(transport, "sse") == 0) {
    mw_result_summary(err, "--protocol %s is not spoken over the legacy sse transport",
                      m->client.protocol);
    return -1;
  }
  return 0;
}

/* A header line as the HTTP client takes it: "Name: value", one line, a token for a name. */
bool mcp_header_valid(const char *header)
{
  size_t name_len = strcspn(header, ":");

  return header[name_len] == ':' && name_len > 0 &&
         strspn(header, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == name_len &&
         !strpbrk(header, "\r\n");
}

static int read_headers(struct mcp_tools *m, const struct mw_args *args, struct mw_result *err)
{
  size_t i;

  m->n_headers = mw_args_count(args, "header");
  if (m->n_headers > MCP_MAX_HEADERS / 2) {
    mw_result_summary(err, "at most %d --header", MCP_MAX_HEADERS / 2);
    return -1;
  }
  for (i = 0; i < m->n_headers; i++) {
    m->headers[i] = mw_args_str_at(args, "header", i);
    if (!mcp_header_valid(m->headers[i])) {
      mw_result_summary(err, "--header %.60s: expected 'Name: value' on one line", m->headers[i]);
      return -1;
    }
  }
  m->header_file = mw_args_str(args, "header-file");
  return 0;
}

static int mcp_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct mcp_tools *m = calloc(1, sizeof(*m));
  const char *file = mw_args_str(args, "expect-tools-file");
  json_error_t error;
  char reason[256];

  if (!m) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  m->url = mw_args_str(args, "url");
  m->missing_state =
      strcmp(mw_args_str(args, "missing-state"), "warning") == 0 ? MW_WARNING : MW_CRITICAL;
  m->min_tools = mw_args_int(args, "min-tools");
  m->max_pages = mw_args_int(args, "max-pages");
  m->call = mw_args_str(args, "call");
  m->ping = mw_args_bool(args, "ping");
  m->has_warn = mw_args_range(args, "warning", &m->warn);
  m->has_crit = mw_args_range(args, "critical", &m->crit);
  m->timeout_state = mw_args_state(args, "timeout-state");
  if (mw_http_url_check(m->url, "--url", reason, sizeof(reason)) != 0 ||
      mw_http_token_options(args, &m->token_file, &m->token_env, reason, sizeof(reason)) != 0) {
    mw_result_summary(err, "%s", reason);
    goto fail;
  }
  if (m->min_tools < 0 || m->max_pages < 1 || m->max_pages > 100000) {
    mw_result_summary(err, "--min-tools must be 0 or more, --max-pages 1 to 100000");
    goto fail;
  }
  if (mw_args_int(args, "max-redirects") < 0 || mw_args_int(args, "max-redirects") > 20) {
    mw_result_summary(err, "--max-redirects must be between 0 and 20");
    goto fail;
  }
  if (read_headers(m, args, err) != 0)
    goto fail;
  m->call_args = json_loads(mw_args_str(args, "call-args"), 0, &error);
  if (!json_is_object(m->call_args)) {
    mw_result_summary(err, "--call-args must be a JSON object%s%s", m->call_args ? "" : ": ",
                      m->call_args ? "" : error.text);
    goto fail;
  }
  if (mw_args_given(args, "call-args") && !m->call) {
    mw_result_summary(err, "--call-args needs --call TOOL");
    goto fail;
  }
  if (read_names(&m->expect, args, "expect-tools", err) != 0 ||
      (file && read_names_file(&m->expect, file, err) != 0) ||
      read_names(&m->forbid, args, "forbid-tools", err) != 0 || open_http(m, args, err) != 0)
    goto fail;
  *state = m;
  return 0;
fail:
  mcp_close(m);
  return -1;
}

static const struct mw_check mcp_check = {
    MW_CHECK_ABI,    "mcp-tools", "MCP server: protocol, session, the tools it offers, a tool call",
    mcp_description, mcp_options, mcp_open,
    mcp_tools_run,   mcp_close};

const struct mw_check *mw_check_entry(void)
{
  return &mcp_check;
}
