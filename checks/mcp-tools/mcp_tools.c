/* SPDX-License-Identifier: MIT */
/* mcp_tools.c - is an MCP server up, does it speak the protocol, and does it still offer the
 * tools its clients rely on? A real MCP client (mcp_client.c) lists every tool and compares. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mcp_tools.h"

static const char *const transports[] = {"auto", "streamable", "sse", NULL};
static const char *const protocols[] = {
    "auto", MCP_MODERN_VERSION, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL};
static const char *const missing_states[] = {"warning", "critical", NULL};
static const char *const lint_states[] = {"off", "warning", "critical", NULL};

static const struct mw_unit time_units[] = {
    {"", 1, K_PLAIN}, {"ms", 0.001, K_SECONDS}, {"s", 1, K_SECONDS}, {NULL, 0, 0}};
static const struct mw_unit size_units[] = {
    {"", 1, K_BYTES},       {"B", 1, K_BYTES},         {"KB", 1e3, K_BYTES}, {"MB", 1e6, K_BYTES},
    {"KiB", 1024, K_BYTES}, {"MiB", 1048576, K_BYTES}, {NULL, 0, 0}};

static const struct mw_option mcp_options[] = {
    {"url", 'u', MW_OPT_STRING, 0, "URL", NULL,
     "The MCP endpoint (https://host/mcp); or --command.", NULL, NULL},
    {"command", 0, MW_OPT_STRING, 0, "'PROG ARGS'", NULL,
     "Start the server as a subprocess and speak to it over stdio. Split into words as a shell "
     "would, without a shell: no variables, globs or pipes ('...' and \"...\" quote).",
     NULL, NULL},
    {"arg", 0, MW_OPT_STRING, MW_OPT_REPEAT, "ARG", NULL,
     "One more argument of --command, taken as it is (spaces and all).", NULL, NULL},
    {"env", 0, MW_OPT_STRING, MW_OPT_REPEAT, "NAME=VALUE", NULL,
     "An environment variable of the --command server (NAME alone: mcpwatch's own value, which "
     "keeps a secret out of process lists). The server gets only these and mcpwatch's PATH, "
     "HOME, USER, LOGNAME, SHELL, TERM, LANG, LC_ALL, TZ and TMPDIR.",
     NULL, NULL},
    {"cwd", 0, MW_OPT_STRING, 0, "DIR", NULL, "Folder the --command server starts in.", NULL, NULL},
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
    MCP_OAUTH_OPTIONS,
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
    {"expect-resources", 0, MW_OPT_LIST, 0, "URIS", NULL,
     "Resources (by URI) resources/list must hold (comma separated, repeatable); missing ones "
     "get --missing-state.",
     NULL, NULL},
    {"expect-prompts", 0, MW_OPT_LIST, 0, "NAMES", NULL,
     "Prompts prompts/list must hold (comma separated, repeatable).", NULL, NULL},
    {"read-resource", 0, MW_OPT_STRING, 0, "URI", NULL,
     "Read this resource (resources/read); an error or no contents is CRITICAL.", NULL, NULL},
    {"read-mime", 0, MW_OPT_STRING, 0, "TYPE", NULL,
     "The MIME type --read-resource must have (parameters such as charset aside).", NULL, NULL},
    {"read-min-size", 0, MW_OPT_INT, 0, "BYTES", "0",
     "CRITICAL when --read-resource's contents (text, or decoded blobs) are smaller.", NULL, NULL},
    {"call", 0, MW_OPT_STRING, 0, "TOOL", NULL,
     "Call this (harmless) tool; an error or isError answer is CRITICAL.", NULL, NULL},
    {"call-args", 0, MW_OPT_STRING, 0, "JSON", "{}", "Arguments of --call, a JSON object.", NULL,
     NULL},
    {"call-expect", 0, MW_OPT_STRING, MW_OPT_REPEAT, "PATH[=VALUE|;WARN;CRIT]", NULL,
     "What --call's result must hold, at a JSON path of the result (structuredContent.count; "
     "text.items[0].id reads the first text content as JSON): the path exists, equals VALUE, or "
     "its number is within the ranges. Repeatable.",
     NULL, NULL},
    {"call-warning", 0, MW_OPT_STRING, 0, "RANGE", NULL,
     "WARNING range for --call's time (seconds, or 500ms).", NULL, NULL},
    {"call-critical", 0, MW_OPT_STRING, 0, "RANGE", NULL, "CRITICAL range for --call's time.", NULL,
     NULL},
    {"calls", 0, MW_OPT_STRING, MW_OPT_REPEAT, "JSON", NULL,
     "One call of a flow, made in the order given after --call: {\"tool\": \"search\", \"args\": "
     "{...}, \"args_from\": {\"id\": \"structuredContent.items[0].id\"}, \"expect\": "
     "[\"structuredContent.count;1:\"], \"warning\": \"500ms\", \"critical\": \"2s\"}; "
     "args_from takes values from the result of the call before (flow[N].PATH: of the Nth call "
     "of the flow, from 0). In the configuration: calls = "
     "( { tool = \"search\"; ... }, ... ).",
     NULL, NULL},
    {"ping", 0, MW_OPT_BOOL, 0, NULL, NULL, "Also send MCP ping.", NULL, NULL},
    {"baseline", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "Compare the tools (and the resources and prompts the server offers) with this baseline, "
     "written by --write-baseline: a removed item or property, a new required parameter or a "
     "changed type is breaking; a changed title or description, annotations or other schema "
     "keyword a warning; an added item OK. Read again when the file changes.",
     NULL, NULL},
    {"write-baseline", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "Record the server's contract (tools, resources, prompts: canonical, with SHA-256 and the "
     "full text) in FILE, replacing it whole; for a shell, once the server is approved.",
     NULL, NULL},
    {"drift-state", 0, MW_OPT_STRING, MW_OPT_REPEAT, "KIND=STATE", NULL,
     "The state of a kind of change since the baseline: breaking (default critical), "
     "description, annotations, schema (warning), added (ok); STATE is ok, warning, critical or "
     "unknown. Repeatable.",
     NULL, NULL},
    {"lint", 0, MW_OPT_STRING, 0, "STATE", "warning",
     "The state when the tool list breaks the rules clients apply (object inputSchema, required "
     "names in properties, tool names, JSON Schema keywords of the declared dialect): warning, "
     "critical or off.",
     NULL, lint_states},
    {"catalog-warning", 0, MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the size of the serialised tool list (bytes, or 200KB, 1MiB).", size_units,
     NULL},
    {"catalog-critical", 0, MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the size of the serialised tool list.", size_units, NULL},
    {"max-pages", 0, MW_OPT_INT, 0, "N", "100",
     "tools/list pages read at most (a server that pages without end is CRITICAL).", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", NULL,
     "WARNING range for the total time (seconds, or 500ms).", time_units, NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", NULL,
     "CRITICAL range for the total time (seconds, or 2s).", time_units, NULL},
    MW_HTTP_OPTIONS,
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

#define EXPECT_MAX_LEN 512

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
  if (len > EXPECT_MAX_LEN) {
    mw_result_summary(err, "name or URI too long (over %d bytes): %.40s...", EXPECT_MAX_LEN, name);
    return -1;
  }
  if (list->count >= MAX_NAMES) {
    mw_result_summary(err, "at most %d names or URIs an option", MAX_NAMES);
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
  mcp_oauth_forget(&m->oauth);
  if (m->http) {
    /* The session ends with the check, within a second of its own (the run's deadline is over):
     * a server that hangs on DELETE keeps a Nagios run at most -t + 1 s. */
    mcp_end_session(&m->client, mw_now_ns() + 1000000000LL);
    mcp_client_free(&m->client);
    mw_http_free(m->http);
  } else if (m->client.transport == MCP_STDIO) {
    mcp_client_free(&m->client);
  }
  if (m->envp) {
    char **entry;

    for (entry = m->envp; *entry; entry++) {
      explicit_bzero(*entry, strlen(*entry));
      free(*entry);
    }
    free(m->envp);
  }
  free(m->command_words);
  mw_http_free(m->side);
  free_names(&m->expect);
  free_names(&m->forbid);
  free_names(&m->expect_resources);
  free_names(&m->expect_prompts);
  mcp_calls_close(m);
  mcp_baseline_free(&m->baseline);
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

/* What a --command server gets of mcpwatch's environment besides --env: what programs need to
 * run (the MCP SDKs' stdio clients pass the same), and nothing that could be a secret. */
static const char *const passed_env[] = {"PATH", "HOME",   "USER", "LOGNAME", "SHELL", "TERM",
                                         "LANG", "LC_ALL", "TZ",   "TMPDIR",  NULL};
static const char *const http_only[] = {
    "transport",     "token-file", "token-env",   "header",     "header-file",
    "max-redirects", "ca-cert",    "client-cert", "client-key", "insecure",
    "http-version",  "resolve",    NULL};

static bool refuse_for_command(const struct mw_args *args, const char *name, struct mw_result *err)
{
  if (!mw_args_given(args, name))
    return false;
  mw_result_summary(err, "--%s is for servers at a --url, not for --command", name);
  return true;
}

/* Sets entry ("NAME=value", copied) in m->envp, replacing one of the same name. */
static int set_env(struct mcp_tools *m, size_t *n, const char *entry, size_t name_len)
{
  char *copy = strdup(entry);
  size_t i;

  if (!copy)
    return -1;
  for (i = 0; i < *n; i++)
    if (strncmp(m->envp[i], entry, name_len + 1) == 0) {
      free(m->envp[i]);
      m->envp[i] = copy;
      return 0;
    }
  m->envp[(*n)++] = copy;
  return 0;
}

static bool env_name_valid(const char *name, size_t len)
{
  size_t i;

  if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
    return false;
  for (i = 0; i < len; i++)
    if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", name[i]))
      return false;
  return true;
}

static int build_env(struct mcp_tools *m, const struct mw_args *args, struct mw_result *err)
{
  size_t given = mw_args_count(args, "env");
  size_t n = 0;
  size_t i;
  char entry[4096];

  m->envp = calloc(given + sizeof(passed_env) / sizeof(*passed_env) + 1, sizeof(char *));
  if (!m->envp)
    goto oom;
  for (i = 0; passed_env[i]; i++) {
    const char *value = getenv(passed_env[i]);

    if (value &&
        (size_t)snprintf(entry, sizeof(entry), "%s=%s", passed_env[i], value) < sizeof(entry) &&
        set_env(m, &n, entry, strlen(passed_env[i])) != 0)
      goto oom;
  }
  for (i = 0; i < given; i++) {
    const char *item = mw_args_str_at(args, "env", i);
    const char *eq = strchr(item, '=');
    size_t name_len = eq ? (size_t)(eq - item) : strlen(item);
    const char *value;

    if (!env_name_valid(item, name_len)) {
      mw_result_summary(err, "--env %.60s: expected NAME=VALUE or NAME (letters, digits, _)", item);
      return -1;
    }
    if (eq) {
      if (set_env(m, &n, item, name_len) != 0)
        goto oom;
      continue;
    }
    value = getenv(item);
    if (!value) {
      mw_result_summary(err, "--env %.60s: not set in mcpwatch's environment", item);
      return -1;
    }
    if ((size_t)snprintf(entry, sizeof(entry), "%s=%s", item, value) >= sizeof(entry)) {
      mw_result_summary(err, "--env %.60s: its value is too long", item);
      return -1;
    }
    if (set_env(m, &n, entry, name_len) != 0)
      goto oom;
  }
  explicit_bzero(entry, sizeof(entry));
  return 0;
oom:
  explicit_bzero(entry, sizeof(entry));
  mw_result_summary(err, "out of memory");
  return -1;
}

static int open_stdio(struct mcp_tools *m, const struct mw_args *args, struct mw_result *err)
{
  const char *command = mw_args_str(args, "command");
  const char *cwd = mw_args_str(args, "cwd");
  size_t extra = mw_args_count(args, "arg");
  long long max_size = mw_args_int(args, "max-size");
  char reason[256];
  struct stat st;
  int words;
  size_t i;

  for (i = 0; http_only[i]; i++)
    if (refuse_for_command(args, http_only[i], err))
      return -1;
  for (i = 0; mcp_oauth_option_names[i]; i++)
    if (refuse_for_command(args, mcp_oauth_option_names[i], err))
      return -1;
  if (max_size < 1 || max_size > 1024LL * 1024 * 1024) {
    mw_result_summary(err, "--max-size must be between 1 byte and 1 GiB");
    return -1;
  }
  m->command_words = malloc(strlen(command) + 1);
  if (!m->command_words) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  words = mcp_stdio_split(command, m->command_words, strlen(command) + 1, m->argv,
                          MCP_STDIO_ARGS_MAX, reason, sizeof(reason));
  if (words < 0) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  if ((size_t)words + extra > MCP_STDIO_ARGS_MAX) {
    mw_result_summary(err, "--command and --arg give more than %d words", MCP_STDIO_ARGS_MAX);
    return -1;
  }
  for (i = 0; i < extra; i++)
    m->argv[words + i] = (char *)mw_args_str_at(args, "arg", i);
  m->argv[words + extra] = NULL;
  if (cwd && stat(cwd, &st) != 0) {
    mw_result_summary(err, "--cwd %.200s: %s", cwd, strerror(errno));
    return -1;
  }
  if (cwd && !S_ISDIR(st.st_mode)) {
    mw_result_summary(err, "--cwd %.200s: not a folder", cwd);
    return -1;
  }
  if (build_env(m, args, err) != 0)
    return -1;
  m->command.argv = m->argv;
  m->command.envp = m->envp;
  m->command.cwd = cwd;
  mcp_client_init_stdio(&m->client, &m->command, (size_t)max_size);
  if (strcmp(mw_args_str(args, "protocol"), "auto") != 0)
    m->client.protocol = mw_args_str(args, "protocol");
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

/* The calls and the contract: their reasons into err. */
static int open_checked(struct mcp_tools *m, const struct mw_args *args, struct mw_result *err)
{
  char reason[400];

  if (mcp_calls_open(m, args, reason, sizeof(reason)) != 0 ||
      mcp_catalog_open(m, args, reason, sizeof(reason)) != 0 ||
      mcp_oauth_open(&m->oauth, args, reason, sizeof(reason)) != 0 ||
      mcp_resources_open(m, args, reason, sizeof(reason)) != 0) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  if (mcp_oauth_enabled(&m->oauth) && (m->token_file || m->token_env)) {
    snprintf(reason, sizeof(reason),
             "--token-file and --token-env exclude --oauth-*: one way "
             "to a token");
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  return 0;
}

static int mcp_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct mcp_tools *m = calloc(1, sizeof(*m));
  const char *file = mw_args_str(args, "expect-tools-file");
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
  m->ping = mw_args_bool(args, "ping");
  m->has_warn = mw_args_range(args, "warning", &m->warn);
  m->has_crit = mw_args_range(args, "critical", &m->crit);
  m->timeout_state = mw_args_state(args, "timeout-state");
  if (m->url && mw_args_given(args, "command")) {
    mw_result_summary(err, "--url and --command exclude each other: one server a check");
    goto fail;
  }
  if (!mw_args_given(args, "command") &&
      (mw_args_given(args, "arg") || mw_args_given(args, "env") || mw_args_given(args, "cwd"))) {
    mw_result_summary(err, "--arg, --env and --cwd are for --command");
    goto fail;
  }
  if (!m->url && !mw_args_given(args, "command")) {
    mw_result_summary(err, "--url URL or --command 'PROG ARGS' is required");
    goto fail;
  }
  if (m->url && !strstr(m->url, "://")) {
    mw_result_summary(err, "--url must start with http:// or https:// (a server started as a "
                           "subprocess is given with --command)");
    goto fail;
  }
  if (m->url &&
      (mw_http_url_check(m->url, "--url", reason, sizeof(reason)) != 0 ||
       mw_http_token_options(args, &m->token_file, &m->token_env, reason, sizeof(reason)) != 0)) {
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
  if (read_names(&m->expect, args, "expect-tools", err) != 0 ||
      (file && read_names_file(&m->expect, file, err) != 0) ||
      read_names(&m->forbid, args, "forbid-tools", err) != 0 ||
      read_names(&m->expect_resources, args, "expect-resources", err) != 0 ||
      read_names(&m->expect_prompts, args, "expect-prompts", err) != 0 ||
      open_checked(m, args, err) != 0 ||
      (m->url ? open_http(m, args, err) : open_stdio(m, args, err)) != 0)
    goto fail;
  *state = m;
  return 0;
fail:
  mcp_close(m);
  return -1;
}

static const struct mw_check mcp_check = {
    MW_CHECK_ABI,  "mcp-tools", "MCP server: protocol, session, the tools it offers, a tool call",
    mcp_help_text, mcp_options, mcp_open,
    mcp_tools_run, mcp_close};

const struct mw_check *mw_check_entry(void)
{
  return &mcp_check;
}
