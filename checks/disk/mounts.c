/* SPDX-License-Identifier: MIT */
/* mounts.c - reads /proc/self/mountinfo and finds the mount of a path without touching it. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mounts.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define MAX_MOUNTS 4096
#define LINE_MAX_LEN 8192
#define PATH_TEXT_MAX 4096

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
  char *out = s;

  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 4;
    } else {
      *out++ = *s++;
    }
  }
  *out = '\0';
}

/* Fields: id parent major:minor root mountpoint options [optional...] - fstype source super. */
static int parse_line(char *line, char **device, char **dir, char **type)
{
  char *fields[6] = {0};
  char *save = NULL;
  char *tok;
  int i = 0;

  for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
    if (i < 5) {
      fields[i++] = tok;
    } else if (strcmp(tok, "-") == 0) {
      fields[5] = strtok_r(NULL, " \n", &save);
      break;
    }
  }
  if (i < 5 || !fields[5])
    return -1;
  *device = fields[2];
  *dir = fields[4];
  *type = fields[5];
  unescape_octal(*dir);
  return 0;
}

static int add_mount(struct mount_table *table, const char *dir, const char *type,
                     const char *device)
{
  struct mount *grown = realloc(table->items, (table->count + 1) * sizeof(*grown));
  struct mount *m;

  if (!grown)
    return -1;
  table->items = grown;
  m = &grown[table->count];
  m->dir = strdup(dir);
  m->type = strdup(type);
  m->device = strdup(device);
  if (!m->dir || !m->type || !m->device) {
    free(m->dir);
    free(m->type);
    free(m->device);
    return -1;
  }
  table->count++;
  return 0;
}

int mount_table_load(struct mount_table *table, char *err, size_t errlen)
{
  FILE *fp = fopen(MOUNTINFO, "r");
  char line[LINE_MAX_LEN];
  int result = 0;

  table->items = NULL;
  table->count = 0;
  if (!fp) {
    snprintf(err, errlen, "cannot read %s: %s", MOUNTINFO, strerror(errno));
    return -1;
  }
  while (result == 0 && fgets(line, sizeof(line), fp)) {
    char *device;
    char *dir;
    char *type;
    if (parse_line(line, &device, &dir, &type) != 0)
      continue;
    if (table->count >= MAX_MOUNTS) {
      snprintf(err, errlen, "more than %d mounts in %s", MAX_MOUNTS, MOUNTINFO);
      result = -1;
    } else if (add_mount(table, dir, type, device) != 0) {
      snprintf(err, errlen, "out of memory");
      result = -1;
    }
  }
  fclose(fp);
  if (result != 0)
    mount_table_free(table);
  return result;
}

void mount_table_free(struct mount_table *table)
{
  size_t i;

  for (i = 0; i < table->count; i++) {
    free(table->items[i].dir);
    free(table->items[i].type);
    free(table->items[i].device);
  }
  free(table->items);
  table->items = NULL;
  table->count = 0;
}

/* "/a//b/./c/" -> "/a/b/c", relative paths against the working directory; false on "..". */
static bool normalise(const char *path, char *out, size_t outlen)
{
  char joined[PATH_TEXT_MAX];
  size_t used = 0;
  const char *p;

  if (path[0] == '/') {
    if (snprintf(joined, sizeof(joined), "%s", path) >= (int)sizeof(joined))
      return false;
  } else {
    char cwd[PATH_TEXT_MAX];
    if (!getcwd(cwd, sizeof(cwd)) ||
        snprintf(joined, sizeof(joined), "%s/%s", cwd, path) >= (int)sizeof(joined))
      return false;
  }
  for (p = joined; *p;) {
    size_t len;
    while (*p == '/')
      p++;
    len = strcspn(p, "/");
    if (len == 0)
      break;
    if (len == 2 && p[0] == '.' && p[1] == '.')
      return false;
    if (!(len == 1 && p[0] == '.')) {
      if (used + len + 2 > outlen)
        return false;
      out[used++] = '/';
      memcpy(out + used, p, len);
      used += len;
    }
    p += len;
  }
  if (used == 0)
    out[used++] = '/';
  out[used] = '\0';
  return true;
}

const struct mount *mount_table_find(const struct mount_table *table, const char *path)
{
  char norm[PATH_TEXT_MAX];
  const struct mount *best = NULL;
  size_t best_len = 0;
  size_t i;

  if (!normalise(path, norm, sizeof(norm)))
    return NULL;
  for (i = 0; i < table->count; i++) {
    const char *dir = table->items[i].dir;
    size_t len = strlen(dir);
    bool under = strcmp(dir, "/") == 0 ||
                 (strncmp(norm, dir, len) == 0 && (norm[len] == '\0' || norm[len] == '/'));
    if (under && len >= best_len) {
      best = &table->items[i];
      best_len = len;
    }
  }
  return best;
}
