/* SPDX-License-Identifier: MIT */
/* disk.c - space and inode usage of mounted file systems. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"
#include "mw_check.h"

enum { KIND_PERCENT = 1, KIND_BYTES = 2 };

static const struct mw_unit space_units[] = {{"%", 1, KIND_PERCENT},
                                             {"B", 1, KIND_BYTES},
                                             {"KB", 1e3, KIND_BYTES},
                                             {"MB", 1e6, KIND_BYTES},
                                             {"GB", 1e9, KIND_BYTES},
                                             {"TB", 1e12, KIND_BYTES},
                                             {"K", 1024.0, KIND_BYTES},
                                             {"KiB", 1024.0, KIND_BYTES},
                                             {"M", 1048576.0, KIND_BYTES},
                                             {"MiB", 1048576.0, KIND_BYTES},
                                             {"G", 1073741824.0, KIND_BYTES},
                                             {"GiB", 1073741824.0, KIND_BYTES},
                                             {"T", 1099511627776.0, KIND_BYTES},
                                             {"TiB", 1099511627776.0, KIND_BYTES},
                                             {NULL, 0, 0}};

static const struct mw_unit inode_units[] = {
    {"%", 1, KIND_PERCENT}, {"", 1, KIND_PERCENT}, {NULL, 0, 0}};

/* Pseudo and read-only image file systems that --all skips unless --include-type names them. */
static const char *const pseudo_types[] = {
    "autofs",      "binfmt_misc", "bpf",        "cgroup",    "cgroup2",    "configfs",
    "debugfs",     "devpts",      "devtmpfs",   "efivarfs",  "fusectl",    "hugetlbfs",
    "iso9660",     "mqueue",      "nsfs",       "overlay",   "proc",       "pstore",
    "ramfs",       "rpc_pipefs",  "securityfs", "selinuxfs", "squashfs",   "sysfs",
    "tmpfs",       "tracefs",     "udf",        "nfsd",      "fuse.lxcfs", "fuse.gvfsd-fuse",
    "fuse.portal", "erofs",       NULL};

static const struct mw_option disk_options[] = {
    {"path", 'p', MW_OPT_STRING, MW_OPT_REPEAT, "PATH", NULL,
     "Mount point, or any path on the file system to check.", NULL, NULL},
    {"all", 'A', MW_OPT_BOOL, 0, NULL, NULL,
     "Check every mounted file system but pseudo ones (the default without --path).", NULL, NULL},
    {"exclude-type", 'X', MW_OPT_LIST, 0, "TYPE", NULL,
     "Also skip file systems of this type when checking all.", NULL, NULL},
    {"include-type", 'N', MW_OPT_LIST, 0, "TYPE", NULL,
     "Check only file systems of this type when checking all (pseudo types too).", NULL, NULL},
    {"warning", 'w', MW_OPT_RANGE, 0, "RANGE", "80%",
     "WARNING range on used space in percent (80%) or on free space (10GiB:).", space_units, NULL},
    {"critical", 'c', MW_OPT_RANGE, 0, "RANGE", "90%",
     "CRITICAL range on used space in percent (90%) or on free space (2GiB:).", space_units, NULL},
    {"inode-warning", 'W', MW_OPT_RANGE, 0, "RANGE", "80%",
     "WARNING range on used inodes, percent.", inode_units, NULL},
    {"inode-critical", 'K', MW_OPT_RANGE, 0, "RANGE", "90%",
     "CRITICAL range on used inodes, percent.", inode_units, NULL},
    {"errors-only", 'e', MW_OPT_BOOL, 0, NULL, NULL,
     "Long output lists only file systems that are not OK.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char disk_description[] =
    "Used percent is used / (used + available to unprivileged users), as df shows it.\n"
    "A range with '%' applies to used space: -w 80% alerts above 80% used. A range with a\n"
    "byte unit applies to free space: -w 10GiB: alerts below 10 GiB free. Units: B, KB, MB,\n"
    "GB, TB (powers of 1000), K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024). Perfdata per file\n"
    "system: used bytes with both ranges converted to bytes and the size as max, and used\n"
    "inodes in percent. A mount whose statvfs() does not return before the timeout (a hung\n"
    "network mount) gets --timeout-state; a path that cannot be read is CRITICAL.\n";

struct disk {
  const struct mw_args *args;
  struct mw_range warn;
  struct mw_range crit;
  struct mw_range inode_warn;
  struct mw_range inode_crit;
  enum mw_state timeout_state;
  bool errors_only;
};

struct target {
  char *path;
  char *type; /* NULL when unknown */
};

struct usage {
  double total;  /* bytes */
  double used;   /* bytes */
  double avail;  /* bytes available to unprivileged users */
  double usable; /* used + avail: what percentages are of */
  double percent;
  double inode_percent; /* NAN when the file system reports no inode count */
};

static bool in_list(const char *const *list, const char *value)
{
  for (; list && *list; list++) {
    if (strcmp(*list, value) == 0)
      return true;
  }
  return false;
}

static bool args_list_has(const struct mw_args *args, const char *name, const char *value)
{
  size_t i;
  size_t n = mw_args_count(args, name);

  for (i = 0; i < n; i++) {
    if (strcmp(mw_args_str_at(args, name, i), value) == 0)
      return true;
  }
  return false;
}

static void free_targets(struct target *targets, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    free(targets[i].path);
    free(targets[i].type);
  }
  free(targets);
}

static bool wanted_type(const struct disk *disk, const char *type)
{
  if (mw_args_count(disk->args, "include-type") > 0)
    return args_list_has(disk->args, "include-type", type);
  if (in_list(pseudo_types, type))
    return false;
  return !args_list_has(disk->args, "exclude-type", type);
}

static int add_target(struct target **targets, size_t *n, const char *path, const char *type)
{
  struct target *grown = realloc(*targets, (*n + 1) * sizeof(*grown));

  if (!grown)
    return -1;
  *targets = grown;
  grown[*n].path = strdup(path);
  grown[*n].type = type ? strdup(type) : NULL;
  if (!grown[*n].path || (type && !grown[*n].type)) {
    free(grown[*n].path);
    free(grown[*n].type);
    return -1;
  }
  (*n)++;
  return 0;
}

/* Every wanted file system once: a bind mount shows the same device again under another path. */
static int discover(const struct disk *disk, const struct mount_table *mounts,
                    struct target **targets, size_t *n)
{
  size_t i;
  size_t j;

  for (i = 0; i < mounts->count; i++) {
    const struct mount *m = &mounts->items[i];
    bool duplicate = false;
    if (!wanted_type(disk, m->type))
      continue;
    for (j = 0; j < i && !duplicate; j++)
      duplicate = strcmp(mounts->items[j].device, m->device) == 0 &&
                  wanted_type(disk, mounts->items[j].type);
    if (!duplicate && add_target(targets, n, m->dir, m->type) != 0)
      return -1;
  }
  return 0;
}

/* floor(), without linking libm into every check run for one call. */
static double whole(double value)
{
  long long i;

  if (value >= 9007199254740992.0 || value <= -9007199254740992.0)
    return value;
  i = (long long)value;
  return (double)i > value ? (double)(i - 1) : (double)i;
}

static void usage_from(const struct statvfs *st, struct usage *u)
{
  double frsize = st->f_frsize ? (double)st->f_frsize : (double)st->f_bsize;
  double free_all = (double)st->f_bfree * frsize;

  u->total = (double)st->f_blocks * frsize;
  u->avail = (double)st->f_bavail * frsize;
  u->used = u->total - free_all;
  u->usable = u->used + u->avail;
  u->percent = u->usable > 0 ? u->used * 100.0 / u->usable : 0;
  if (st->f_files > 0)
    u->inode_percent = (double)(st->f_files - st->f_ffree) * 100.0 / (double)st->f_files;
  else
    u->inode_percent = NAN;
}

static bool space_alerts(const struct mw_range *range, const struct usage *u)
{
  return mw_range_alerts(range, range->kind == KIND_PERCENT ? u->percent : u->avail);
}

/* The same range expressed on used bytes, for perfdata. Free space f maps to used = usable - f,
 * so a free range [a, b] becomes the used range [usable - b, usable - a]. */
static struct mw_range as_used_bytes(const struct mw_range *range, const struct usage *u)
{
  struct mw_range out = *range;

  if (range->kind == KIND_PERCENT) {
    out.start = isinf(range->start) ? range->start : whole(range->start * u->usable / 100.0);
    out.end = isinf(range->end) ? range->end : whole(range->end * u->usable / 100.0);
  } else {
    out.start = isinf(range->end) ? -INFINITY : u->usable - range->end;
    out.end = isinf(range->start) ? INFINITY : u->usable - range->start;
  }
  /* Used bytes are never negative: "~:X" and "X" mean the same, and "X" is what graphing tools
   * read best. */
  if (!out.inside && out.start < 0)
    out.start = 0;
  out.kind = KIND_BYTES;
  return out;
}

static enum mw_state usage_state(const struct disk *disk, const struct usage *u)
{
  enum mw_state state = MW_OK;

  if (space_alerts(&disk->crit, u))
    state = MW_CRITICAL;
  else if (space_alerts(&disk->warn, u))
    state = MW_WARNING;
  if (!isnan(u->inode_percent))
    state = mw_state_worst(state,
                           mw_range_state(&disk->inode_warn, &disk->inode_crit, u->inode_percent));
  return state;
}

/* Perfdata always goes to perf_node; node (NULL with --errors-only on an OK mount) gets the
 * state and the text. */
static void report_usage(const struct disk *disk, const char *path, const struct usage *u,
                         enum mw_state state, struct mw_result *node, struct mw_result *perf_node)
{
  struct mw_range warn = as_used_bytes(&disk->warn, u);
  struct mw_range crit = as_used_bytes(&disk->crit, u);
  struct mw_perf perf = {path, u->used, "B", &warn, &crit, 0, u->total};
  char used[32];
  char usable[32];
  char avail[32];
  char inode_label[300];

  mw_result_perf(perf_node, &perf);
  mw_format_bytes(u->used, used, sizeof(used));
  mw_format_bytes(u->usable, usable, sizeof(usable));
  mw_format_bytes(u->avail, avail, sizeof(avail));
  mw_result_state(node, state);
  if (isnan(u->inode_percent)) {
    mw_result_summary(node, "%s %.1f%% used (%s of %s, %s free)", path, u->percent, used, usable,
                      avail);
    return;
  }
  snprintf(inode_label, sizeof(inode_label), "%s inodes", path);
  {
    struct mw_perf iperf = {inode_label,
                            whole(u->inode_percent * 100 + 0.5) / 100,
                            "%",
                            &disk->inode_warn,
                            &disk->inode_crit,
                            0,
                            100};
    mw_result_perf(perf_node, &iperf);
  }
  mw_result_summary(node, "%s %.1f%% used (%s of %s, %s free), inodes %.1f%% used", path,
                    u->percent, used, usable, avail, u->inode_percent);
}

/* What the first line says: the worst file system, ties broken by the fuller one. */
struct tally {
  size_t checked;
  size_t failing;
  enum mw_state worst_state;
  double worst_percent;
  char worst_text[512];
};

static void tally_add(struct tally *t, enum mw_state state, double percent, const char *text)
{
  enum mw_state worse = mw_state_worst(state, t->worst_state);

  t->checked++;
  if (state != MW_OK)
    t->failing++;
  if (t->checked == 1 || (worse == state && state != t->worst_state) ||
      (state == t->worst_state && percent > t->worst_percent)) {
    t->worst_state = state;
    t->worst_percent = percent;
    snprintf(t->worst_text, sizeof(t->worst_text), "%s", text);
  }
}

static void summarise(struct mw_result *res, const struct tally *t)
{
  if (t->checked == 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "no file system to check (all excluded by type?)");
  } else if (t->checked == 1) {
    mw_result_summary(res, "%s", t->worst_text);
  } else if (t->failing == 0) {
    mw_result_summary(res, "%zu file systems OK, fullest: %s", t->checked, t->worst_text);
  } else {
    mw_result_summary(res, "%s; %zu of %zu file systems not OK", t->worst_text, t->failing,
                      t->checked);
  }
}

static void check_target(const struct disk *disk, const struct target *target, bool single,
                         struct mw_result *res, mw_deadline deadline, struct tally *t)
{
  const char *path = target->path;
  struct statvfs st;
  struct usage u;
  struct mw_result *node;
  enum mw_state state;
  char text[512];
  int error = mw_statvfs_bounded(path, target->type, &st, deadline);

  if (error == 0) {
    usage_from(&st, &u);
    state = usage_state(disk, &u);
    if (single)
      node = res; /* one file system: no long output repeating the first line */
    else
      node = disk->errors_only && state == MW_OK ? NULL : mw_result_child(res);
    report_usage(disk, path, &u, state, node, res);
    if (node)
      snprintf(text, sizeof(text), "%s", mw_result_get_summary(node));
    else
      snprintf(text, sizeof(text), "%s %.1f%% used", path, u.percent);
    tally_add(t, state, u.percent, text);
    return;
  }
  if (error == ETIMEDOUT) {
    state = disk->timeout_state;
    snprintf(text, sizeof(text), "%s: statvfs() did not return within the timeout (hung mount?)",
             path);
  } else if (error == EBUSY) {
    state = MW_UNKNOWN;
    snprintf(text, sizeof(text), "%s: not checked, too many earlier statvfs() calls still hung",
             path);
  } else {
    state = MW_CRITICAL;
    snprintf(text, sizeof(text), "%s is not accessible: %s", path, strerror(error));
  }
  node = single ? res : mw_result_child(res);
  mw_result_state(node, state);
  mw_result_summary(node, "%s", text);
  tally_add(t, state, INFINITY, text);
}

static void disk_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct disk *disk = state;
  struct mount_table mounts;
  struct target *targets = NULL;
  struct tally tally;
  size_t ntargets = 0;
  size_t i;
  char err[256];

  memset(&tally, 0, sizeof(tally));
  if (mount_table_load(&mounts, err, sizeof(err)) != 0) {
    mw_result_state(res, MW_UNKNOWN);
    mw_result_summary(res, "%s", err);
    return;
  }
  if (mw_args_given(disk->args, "path")) {
    for (i = 0; i < mw_args_count(disk->args, "path"); i++) {
      const char *path = mw_args_str_at(disk->args, "path", i);
      const struct mount *m = mount_table_find(&mounts, path);
      if (add_target(&targets, &ntargets, path, m ? m->type : NULL) != 0)
        goto oom;
    }
  } else if (discover(disk, &mounts, &targets, &ntargets) != 0) {
    goto oom;
  }
  for (i = 0; i < ntargets; i++)
    check_target(disk, &targets[i], ntargets == 1, res, deadline, &tally);
  summarise(res, &tally);
  goto cleanup;

oom:
  mw_result_state(res, MW_UNKNOWN);
  mw_result_summary(res, "out of memory");
cleanup:
  free_targets(targets, ntargets);
  mount_table_free(&mounts);
}

static int disk_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct disk *disk = calloc(1, sizeof(*disk));

  if (!disk) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  disk->args = args;
  mw_args_range(args, "warning", &disk->warn);
  mw_args_range(args, "critical", &disk->crit);
  mw_args_range(args, "inode-warning", &disk->inode_warn);
  mw_args_range(args, "inode-critical", &disk->inode_crit);
  disk->timeout_state = mw_args_state(args, "timeout-state");
  disk->errors_only = mw_args_bool(args, "errors-only");
  if (mw_args_given(args, "path") && mw_args_bool(args, "all")) {
    mw_result_summary(err, "give either --path or --all, not both");
    free(disk);
    return -1;
  }
  *state = disk;
  return 0;
}

static void disk_close(void *state)
{
  free(state);
}

static const struct mw_check disk_check = {
    MW_CHECK_ABI,     "disk",       "Space and inode usage of mounted file systems",
    disk_description, disk_options, disk_open,
    disk_run,         disk_close};

const struct mw_check *mw_check_entry(void)
{
  return &disk_check;
}
