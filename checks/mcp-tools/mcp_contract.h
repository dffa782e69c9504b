/* SPDX-License-Identifier: MIT */
/* mcp_contract.h - what a server promises its clients, and whether it still does: the contract
 * of each tool, resource and prompt (mcp_baseline.c: canonical form, baseline files), the
 * changes since a baseline by kind (mcp_drift.c), and the lint of a tool list (mcp_lint.c). */
#ifndef MCP_CONTRACT_H
#define MCP_CONTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MCP_SHA256_HEX 65
#define MCP_BASELINE_FORMAT "mcpwatch-baseline/1"
#define MCP_BASELINE_MAX (64L * 1024 * 1024)

enum mcp_list { MCP_LIST_TOOLS, MCP_LIST_RESOURCES, MCP_LIST_PROMPTS, MCP_LISTS };

/* "tools", "resources", "prompts": the list's member in a list answer and in a baseline. */
extern const char *const mcp_list_member[MCP_LISTS];
/* "tool", "resource", "prompt": one item, in the output. */
extern const char *const mcp_list_item[MCP_LISTS];

/* What a server offered in one run: an array per list, NULL when the list was not read. */
struct mcp_catalog {
  json_t *lists[MCP_LISTS];
};

/* The kinds of change, each judged with a state of its own (--drift-state KIND=STATE). */
enum drift_kind {
  DRIFT_BREAKING,    /* removed item or property, new required parameter, changed type */
  DRIFT_DESCRIPTION, /* a title or description: what a model reads (tool poisoning) */
  DRIFT_ANNOTATIONS, /* a tool's annotations (readOnlyHint, destructiveHint...) */
  DRIFT_SCHEMA,      /* any other change of a schema or a resource's MIME type */
  DRIFT_ADDED,       /* a new item, a new optional property, a requirement dropped */
  DRIFT_KINDS
};
extern const char *const drift_kind_names[DRIFT_KINDS];

#define DRIFT_LINES_MAX 40
#define DRIFT_LINE_MAX 512
#define DRIFT_NAMES_MAX 240

struct drift {
  size_t count[DRIFT_KINDS];
  char names[DRIFT_KINDS][DRIFT_NAMES_MAX]; /* "tool a, prompt b": the items changed, cut */
  size_t items[DRIFT_KINDS];                /* how many items changed in each kind */
  char last[DRIFT_KINDS][160];              /* the item named last (an item is named once) */
  char lines[DRIFT_LINES_MAX][DRIFT_LINE_MAX];
  enum drift_kind line_kind[DRIFT_LINES_MAX];
  size_t n_lines;
  size_t lines_dropped;
};

#define LINT_LINES_MAX 24
#define LINT_LINE_MAX 240

struct lint {
  size_t count;
  char lines[LINT_LINES_MAX][LINT_LINE_MAX];
  size_t n_lines;
};

/* The baseline a check compares with, read again when its file changes. */
struct mcp_baseline {
  const char *path;
  json_t *doc;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
};

void mcp_sha256_hex(const char *data, size_t len, char out[MCP_SHA256_HEX]);

/* The members of an item its clients depend on, as a new object of borrowed values. */
json_t *mcp_contract_of(enum mcp_list list, json_t *item);
/* What names an item: a tool's or prompt's name, a resource's uri; NULL when it has none. */
const char *mcp_item_key(enum mcp_list list, json_t *item);

/* Writes the catalog's contracts to path (temporary file, fsync, rename): 0, or -1 with err. */
int mcp_baseline_write(const char *path, const struct mcp_catalog *catalog, const char *server_name,
                       const char *server_version, char *err, size_t errlen);
/* Reads path when it is new or has changed since the last read: 0, or -1 with err (the
 * baseline read before is dropped: a check never compares with a file that is no more). */
int mcp_baseline_refresh(struct mcp_baseline *baseline, char *err, size_t errlen);
void mcp_baseline_free(struct mcp_baseline *baseline);
/* Whether the baseline records list (a server that offered no prompts has none). */
bool mcp_baseline_has(const struct mcp_baseline *baseline, enum mcp_list list);

/* The changes from the baseline to the catalog, for the lists read in this run. */
void mcp_drift_compare(json_t *baseline, const struct mcp_catalog *catalog, struct drift *drift);

/* Lints a tool list (names, input and output schemas) as clients would refuse it. */
void mcp_lint_tools(json_t *tools, struct lint *lint);

#endif
