/* SPDX-License-Identifier: MIT */
/* mcp_baseline.c - the contract of tools, resources and prompts in canonical form, and the
 * baseline file that records it: written whole or not at all, read again when it changes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mcp_contract.h"

const char *const mcp_list_member[MCP_LISTS] = {"tools", "resources", "prompts"};
const char *const mcp_list_item[MCP_LISTS] = {"tool", "resource", "prompt"};

/* What a client depends on. Left out: _meta, icons, a resource's size and annotations (they
 * change with the content, not with the contract). */
const char *const mcp_contract_members[MCP_LISTS][7] = {
    {"name", "title", "description", "inputSchema", "outputSchema", "annotations", NULL},
    {"uri", "name", "title", "description", "mimeType", NULL},
    {"name", "title", "description", "arguments", NULL}};

json_t *mcp_contract_of(enum mcp_list list, json_t *item)
{
  json_t *contract = json_object();
  size_t i;

  if (!contract)
    return NULL;
  for (i = 0; mcp_contract_members[list][i]; i++) {
    json_t *value = json_object_get(item, mcp_contract_members[list][i]);

    if (value)
      json_object_set(contract, mcp_contract_members[list][i], value);
  }
  return contract;
}

const char *mcp_item_key(enum mcp_list list, json_t *item)
{
  return json_string_value(json_object_get(item, list == MCP_LIST_RESOURCES ? "uri" : "name"));
}

/* {KEY: {"sha256": ..., "contract": ...}} of one list; the first of two items of one key. */
static json_t *list_entries(enum mcp_list list, json_t *items)
{
  json_t *entries = json_object();
  json_t *item;
  size_t i;

  json_array_foreach(items, i, item)
  {
    const char *key = mcp_item_key(list, item);
    json_t *contract;
    char *text;
    char hex[MCP_SHA256_HEX];

    if (!key || json_object_get(entries, key))
      continue;
    contract = mcp_contract_of(list, item);
    text = contract ? json_dumps(contract, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!text) {
      json_decref(contract);
      json_decref(entries);
      return NULL;
    }
    mcp_sha256_hex(text, strlen(text), hex);
    free(text);
    if (json_object_set_new(entries, key,
                            json_pack("{s:s,s:o}", "sha256", hex, "contract", contract)) != 0) {
      json_decref(entries);
      return NULL;
    }
  }
  return entries;
}

static int write_all(int fd, const char *data, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* The folder of path, for its fsync after the rename. */
static int fsync_folder_of(const char *path)
{
  char dir[4096];
  const char *slash = strrchr(path, '/');
  int fd;
  int result;

  if (!slash)
    snprintf(dir, sizeof(dir), ".");
  else if ((size_t)(slash - path) >= sizeof(dir))
    return -1;
  else
    snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  result = fsync(fd);
  close(fd);
  return result;
}

static json_t *baseline_document(const struct mcp_catalog *catalog, const char *server_name,
                                 const char *server_version)
{
  char written[32];
  time_t now = time(NULL);
  struct tm tm;
  json_t *doc;
  int list;

  strftime(written, sizeof(written), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  doc = json_pack("{s:s,s:s,s:{s:s,s:s}}", "format", MCP_BASELINE_FORMAT, "written", written,
                  "server", "name", server_name, "version", server_version);
  for (list = 0; doc && list < MCP_LISTS; list++) {
    json_t *entries;

    if (!catalog->lists[list])
      continue;
    entries = list_entries((enum mcp_list)list, catalog->lists[list]);
    if (!entries || json_object_set_new(doc, mcp_list_member[list], entries) != 0) {
      json_decref(doc);
      doc = NULL;
    }
  }
  return doc;
}

int mcp_baseline_write(const char *path, const struct mcp_catalog *catalog, const char *server_name,
                       const char *server_version, char *err, size_t errlen)
{
  json_t *doc = baseline_document(catalog, server_name, server_version);
  char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  char temp[4096];
  int fd = -1;
  bool created = false;
  int result = -1;

  if (!text) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if ((size_t)snprintf(temp, sizeof(temp), "%s.XXXXXX", path) >= sizeof(temp)) {
    snprintf(err, errlen, "--write-baseline: the path is too long");
    goto cleanup;
  }
  /* mkstemp: a new file of our own (O_EXCL), never one planted under the name. */
  fd = mkstemp(temp);
  if (fd < 0) {
    snprintf(err, errlen, "--write-baseline %.200s: %s", path, strerror(errno));
    goto cleanup;
  }
  created = true;
  if (fchmod(fd, 0644) != 0 || write_all(fd, text, strlen(text)) != 0 ||
      write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
    snprintf(err, errlen, "--write-baseline %.200s: %s", path, strerror(errno));
    goto cleanup;
  }
  if (close(fd) != 0) {
    fd = -1;
    snprintf(err, errlen, "--write-baseline %.200s: %s", path, strerror(errno));
    goto cleanup;
  }
  fd = -1;
  if (rename(temp, path) != 0) {
    snprintf(err, errlen, "--write-baseline %.200s: %s", path, strerror(errno));
    goto cleanup;
  }
  created = false;
  if (fsync_folder_of(path) != 0) {
    snprintf(err, errlen, "--write-baseline %.200s: fsync of its folder: %s", path,
             strerror(errno));
    goto cleanup;
  }
  result = 0;
cleanup:
  if (fd >= 0)
    close(fd);
  if (created)
    unlink(temp);
  free(text);
  json_decref(doc);
  return result;
}

/* Whether doc is a baseline this version reads: the format, and each list an object of
 * entries that hold a contract object. */
static bool baseline_valid(json_t *doc, char *err, size_t errlen)
{
  const char *format = json_string_value(json_object_get(doc, "format"));
  int list;

  if (!format || strcmp(format, MCP_BASELINE_FORMAT) != 0) {
    snprintf(err, errlen, "not a baseline of this mcpwatch (format %.40s, expected %s)",
             format ? format : "missing", MCP_BASELINE_FORMAT);
    return false;
  }
  for (list = 0; list < MCP_LISTS; list++) {
    json_t *entries = json_object_get(doc, mcp_list_member[list]);
    const char *key;
    json_t *entry;

    if (!entries)
      continue;
    if (!json_is_object(entries)) {
      snprintf(err, errlen, "\"%s\" is not an object", mcp_list_member[list]);
      return false;
    }
    json_object_foreach(entries, key, entry)
    {
      if (!json_is_object(json_object_get(entry, "contract"))) {
        snprintf(err, errlen, "%s %.80s has no contract object", mcp_list_item[list], key);
        return false;
      }
    }
  }
  return true;
}

static char *read_bounded(int fd, size_t size, char *err, size_t errlen)
{
  char *text = malloc(size + 1);
  size_t done = 0;

  if (!text) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  while (done < size) {
    ssize_t n = read(fd, text + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(err, errlen, "%s", n < 0 ? strerror(errno) : "shorter than its size");
      free(text);
      return NULL;
    }
    done += (size_t)n;
  }
  text[size] = '\0';
  return text;
}

/* The entries of a baseline jansson parsed (a file mcpwatch did not write as such). */
static int index_document(struct mcp_baseline *baseline, json_t *doc)
{
  int list;

  for (list = 0; list < MCP_LISTS; list++) {
    json_t *object = json_object_get(doc, mcp_list_member[list]);
    struct mcp_baseline_list *entries = &baseline->lists[list];
    const char *key;
    json_t *entry;

    if (!object)
      continue;
    entries->present = true;
    entries->entries = calloc(json_object_size(object) + 1, sizeof(*entries->entries));
    if (!entries->entries)
      return -1;
    json_object_foreach(object, key, entry)
    {
      struct mcp_baseline_entry *item = &entries->entries[entries->n];

      item->key = strdup(key);
      if (!item->key)
        return -1;
      item->contract = json_incref(json_object_get(entry, "contract"));
      entries->n++;
    }
    mcp_baseline_list_sort(entries);
  }
  return 0;
}

static void baseline_drop(struct mcp_baseline *baseline)
{
  mcp_baseline_lists_free(baseline);
  free(baseline->text);
  baseline->text = NULL;
  baseline->loaded = false;
}

int mcp_baseline_refresh(struct mcp_baseline *baseline, char *err, size_t errlen)
{
  struct stat st;
  json_error_t error;
  char why[200];
  char *text = NULL;
  json_t *doc = NULL;
  int fd = -1;
  int result = -1;

  if (baseline->loaded && stat(baseline->path, &st) == 0 && st.st_dev == baseline->dev &&
      st.st_ino == baseline->ino && st.st_size == baseline->size &&
      st.st_mtim.tv_sec == baseline->mtime.tv_sec && st.st_mtim.tv_nsec == baseline->mtime.tv_nsec)
    return 0;
  baseline_drop(baseline);
  fd = open(baseline->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(why, sizeof(why), "%s", strerror(errno));
    goto failed;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(why, sizeof(why), "not a regular file");
    goto failed;
  }
  if (st.st_size > MCP_BASELINE_MAX) {
    snprintf(why, sizeof(why), "larger than %ld MiB", MCP_BASELINE_MAX / 1024 / 1024);
    goto failed;
  }
  text = read_bounded(fd, (size_t)st.st_size, why, sizeof(why));
  if (!text)
    goto failed;
  if (mcp_baseline_index_text(baseline, text, (size_t)st.st_size) == 0) {
    baseline->text = text;
    text = NULL;
  } else {
    doc = json_loadb(text, (size_t)st.st_size, JSON_REJECT_DUPLICATES, &error);
    if (!doc) {
      snprintf(why, sizeof(why), "not JSON: line %d: %.120s", error.line, error.text);
      goto failed;
    }
    if (!baseline_valid(doc, why, sizeof(why)))
      goto failed;
    if (index_document(baseline, doc) != 0) {
      snprintf(why, sizeof(why), "out of memory");
      goto failed;
    }
  }
  baseline->loaded = true;
  baseline->dev = st.st_dev;
  baseline->ino = st.st_ino;
  baseline->size = st.st_size;
  baseline->mtime = st.st_mtim;
  result = 0;
  goto cleanup;
failed:
  baseline_drop(baseline);
  snprintf(err, errlen, "--baseline %.200s: %s", baseline->path, why);
cleanup:
  if (fd >= 0)
    close(fd);
  free(text);
  json_decref(doc);
  return result;
}

void mcp_baseline_free(struct mcp_baseline *baseline)
{
  baseline_drop(baseline);
}

bool mcp_baseline_has(const struct mcp_baseline *baseline, enum mcp_list list)
{
  return baseline->lists[list].present;
}
