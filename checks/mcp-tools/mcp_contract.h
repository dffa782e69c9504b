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

/* One item of a baseline: its key, and its contract, parsed, or (in a file as mcpwatch writes
 * it) the span of the file's text that holds it, parsed only when the item has changed. */
struct mcp_baseline_entry {
  char *key;
  const char *span; /* into mcp_baseline.text; NULL when contract was parsed with the file */
  size_t span_len;
  json_t *contract; /* owned; NULL until needed when span is set */
};

struct mcp_baseline_list {
  bool present;                       /* the file has this list (perhaps empty) */
  struct mcp_baseline_entry *entries; /* in strcmp order of key, each key once */
  size_t n;
};

/* The baseline a check compares with, read again when its file changes. */
struct mcp_baseline {
  const char *path;
  bool loaded;
  char *text; /* the file, kept while entries have spans into it */
  struct mcp_baseline_list lists[MCP_LISTS];
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
};

/* The members of an item that make its contract, per list, NULL-terminated. */
extern const char *const mcp_contract_members[MCP_LISTS][7];

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
/* The entry of key in list, or NULL. */
struct mcp_baseline_entry *mcp_baseline_find(const struct mcp_baseline *baseline,
                                             enum mcp_list list, const char *key);
/* The entry's contract, parsed from its span the first time it is asked for; NULL when the
 * span is not JSON after all (out of memory). */
json_t *mcp_baseline_entry_contract(struct mcp_baseline_entry *entry);

/* mcp_baseline_scan.c: indexes text (which the baseline keeps) when it is a baseline as
 * mcpwatch writes it: 0, or -1 (nothing kept) for jansson to read it and say what is wrong. */
int mcp_baseline_index_text(struct mcp_baseline *baseline, const char *text, size_t len);
/* Whether item's contract is the JSON text span: 1 yes, 0 no, -1 not sure (parse the span). */
int mcp_contract_same_text(enum mcp_list list, json_t *item, const char *span, size_t len);
void mcp_baseline_list_sort(struct mcp_baseline_list *list);
void mcp_baseline_lists_free(struct mcp_baseline *baseline);

/* The changes from the baseline to the catalog, for the lists read in this run. */
void mcp_drift_compare(struct mcp_baseline *baseline, const struct mcp_catalog *catalog,
                       struct drift *drift);

/* Lints a tool list (names, input and output schemas) as clients would refuse it. */
void mcp_lint_tools(json_t *tools, struct lint *lint);

#endif
